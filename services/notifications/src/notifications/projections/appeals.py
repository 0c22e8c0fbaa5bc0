"""Members' appeals (D1) as notifications hears them from the APPEALS stream: a new appeal tells the post holders of
the org that holds it, an escalated one those of the org it went up to, an assigned one the holders of that post; and
the member follows it all by e-mail — escalated, every answer, asked for more, closed (with the outcome's word). A
letter names the appeal and its situation, never the member, their words, the union's texts or an address: the texts
stay sealed in appeals, and addresses are asked of contacts only when sending (so consent is honoured then). Each
letter is one outbox row per trigger, recipient and channel, and a trigger is the event's own, so a redelivered event
plans nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.appeals import AppealAnswered, AppealAssigned, AppealClosed, AppealEscalated, AppealFiled, AppealQuestionAsked
from kit.projection import Delivered

from ..tables import posts
from .sources import holders, plan

APPEALS_EVENTS = (AppealFiled, AppealEscalated, AppealAnswered, AppealAssigned, AppealQuestionAsked, AppealClosed)
"""What `AppealsSource` takes."""

FILED = ("Новое обращение члена профсоюза", "В организацию поступило обращение члена профсоюза (ситуация: {situation}).")
ESCALATED = (
    "Обращение передано вам: ответ не дан в срок",
    "Обращение {appeal} не получило ответа в срок и передано в вашу организацию.",
)
ASSIGNED = ("Обращение поручено вам", "Обращение члена профсоюза поручено вашей должности в организации.")
ANSWERED = ("Ответ на ваше обращение", "На ваше обращение в профсоюз дан ответ.")
MOVED_UP = (
    "Ваше обращение передано в вышестоящую организацию",
    "Ответ на ваше обращение не был дан в срок, и оно передано в вышестоящую организацию профсоюза.",
)
ASKED = ("По вашему обращению нужны дополнения", "Профсоюз просит дополнить ваше обращение. Ответьте в личном кабинете.")
CLOSED = ("Ваше обращение закрыто", "Ваше обращение закрыто. Итог: {outcome}.")
OUTCOMES = {
    "resolved": "решено",
    "partly_resolved": "решено частично",
    "not_resolved": "не решено",
    "explained": "даны разъяснения",
    "withdrawn": "отозвано",
}
"""The outcome's word in a letter (never the texts)."""
LINK = "\n\nНомер обращения: {appeal}\nОтвет и подробности — в личном кабинете члена профсоюза."


class AppealsSource:
    """Plans the letters of an appeal's life; the org's post holders hear on every channel in use, the member by e-mail."""

    def __init__(self, channels_in_use: Sequence[str], tz: ZoneInfo) -> None:
        self.channels, self.tz = tuple(channels_in_use), tz

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        match d.event:
            case AppealFiled() as e:
                words = (FILED[0], FILED[1].format(situation=e.situation_id) + LINK.format(appeal=e.appeal_id))
                await self._to_holders(conn, d, f"appeal-filed:{e.appeal_id}", e.org_id, words)
            case AppealEscalated() as e:
                words = (ESCALATED[0], ESCALATED[1].format(appeal=e.appeal_id) + LINK.format(appeal=e.appeal_id))
                await self._to_holders(conn, d, f"appeal-escalated:{e.appeal_id}:{e.org_id}", e.org_id, words)
                await self._to_member(conn, d, e.person_id, e.org_id, e.appeal_id, MOVED_UP)
            case AppealAssigned() as e:
                people = await self._holding(conn, e.org_id, e.post.value, d)
                rows = [(p, "person", channel) for p in people for channel in self.channels]
                text = ASSIGNED[1] + LINK.format(appeal=e.appeal_id)
                await plan(
                    conn, f"appeal-assigned:{d.event_id}", rows, e.org_id, d.recorded_at, self.tz, subject=ASSIGNED[0], text=text
                )
            case AppealAnswered() as e:
                # the first answer kept its trigger from before every answer was told; the others are keyed by event
                trigger = f"appeal-answered:{e.appeal_id}" if e.first else f"appeal-answered:{e.appeal_id}:{d.event_id}"
                await self._to_member(conn, d, e.person_id, e.org_id, e.appeal_id, ANSWERED, trigger)
            case AppealQuestionAsked() as e:
                await self._to_member(conn, d, e.person_id, e.org_id, e.appeal_id, ASKED)
            case AppealClosed() as e:
                words = (CLOSED[0], CLOSED[1].format(outcome=OUTCOMES.get(e.outcome.value, e.outcome.value)))
                await self._to_member(conn, d, e.person_id, e.org_id, e.appeal_id, words)

    async def _to_member(
        self,
        conn: AsyncConnection,
        d: Delivered,
        person_id: str | None,
        org_id: str,
        appeal_id: str,
        words: tuple[str, str],
        trigger: str | None = None,
    ) -> None:
        """One letter to the member by e-mail (contacts gives a usable address when it is sent, or none)."""
        if person_id is None:  # an event recorded before it named the member: nobody to tell
            return
        rows = [(person_id, "person", "email")]
        text = words[1] + LINK.format(appeal=appeal_id)
        trigger = trigger or f"appeal-member:{d.event_id}"
        await plan(conn, trigger, rows, org_id, d.recorded_at, self.tz, subject=words[0], text=text)

    async def _to_holders(self, conn: AsyncConnection, d: Delivered, trigger: str, org_id: str, words: tuple[str, str]) -> None:
        people = await holders(conn, org_id, d.recorded_at, self.tz)
        rows = [(p, "person", channel) for p in people for channel in self.channels]
        await plan(conn, trigger, rows, org_id, d.recorded_at, self.tz, subject=words[0], text=words[1])

    async def _holding(self, conn: AsyncConnection, org_id: str, post: str, d: Delivered) -> list[str]:
        """The people holding that post in the org on the day of the assignment (the union's day)."""
        day, p = d.recorded_at.astimezone(self.tz).date(), posts.c
        held = [p.org_id == org_id, p.role == post, p.since <= day, or_(p.until.is_(None), p.until > day)]
        return sorted({r.person_id for r in await conn.execute(select(p.person_id).where(*held))})
