"""Members' appeals (D1) as notifications hears them from the APPEALS stream: a new appeal tells the post holders of
the org that holds it, an escalated one those of the org it went up to, and a member hears that their appeal was
answered. A letter names the appeal and its situation, never the member, their words or an address: the text stays
sealed in appeals, and addresses are asked of contacts only when sending (so consent is honoured then). Each letter
is one outbox row per trigger, recipient and channel, so a redelivered event plans nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.appeals import AppealAnswered, AppealEscalated, AppealFiled
from kit.projection import Delivered

from .sources import holders, plan

APPEALS_EVENTS = (AppealFiled, AppealEscalated, AppealAnswered)
"""What `AppealsSource` takes."""

FILED = ("Новое обращение члена профсоюза", "В организацию поступило обращение члена профсоюза (ситуация: {situation}).")
ESCALATED = (
    "Обращение передано вам: ответ не дан в срок",
    "Обращение {appeal} не получило ответа в срок и передано в вашу организацию.",
)
ANSWERED = ("Ответ на ваше обращение", "На ваше обращение в профсоюз дан ответ.")
LINK = "\n\nНомер обращения: {appeal}"


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
            case AppealAnswered() as e if e.first:
                rows = [(e.person_id, "person", "email")]
                trigger = f"appeal-answered:{e.appeal_id}"
                await plan(
                    conn,
                    trigger,
                    rows,
                    e.org_id,
                    d.recorded_at,
                    self.tz,
                    subject=ANSWERED[0],
                    text=ANSWERED[1] + LINK.format(appeal=e.appeal_id),
                )

    async def _to_holders(self, conn: AsyncConnection, d: Delivered, trigger: str, org_id: str, words: tuple[str, str]) -> None:
        people = await holders(conn, org_id, d.recorded_at, self.tz)
        rows = [(p, "person", channel) for p in people for channel in self.channels]
        await plan(conn, trigger, rows, org_id, d.recorded_at, self.tz, subject=words[0], text=words[1])
