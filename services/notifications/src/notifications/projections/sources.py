"""What notifications learns from others: the tree and its post holders (REGISTRY), outside parties,
materials, deliveries and moderation (EXCHANGE), notice boards and submissions (CONTACTS), audits and
quarterly plans (AUDITS). A delivery
becomes outbox rows — one per person and channel — in the consumer's own transaction, so a redelivered
event plans nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.audits import AuditCompleted, PlanReported, PlanSubmitted
from contracts.contacts import ChannelClosed, ChannelOpened, ChannelRefreshed, ContactBaseSubmitted
from contracts.exchange import (
    DeliveryAcknowledged,
    DeliveryDelivered,
    MaterialApproved,
    MaterialDrafted,
    MaterialEdited,
    MaterialPublished,
    MaterialRejected,
    PartyRegistered,
    PublicationConfirmed,
    PublicationRequested,
    PublicationTakenDown,
    UnreadReminded,
)
from contracts.officers import OfficerAssigned
from kit import tracing
from kit.projection import Delivered
from mirrors.factmirror import POST_EVENTS, apply_posts
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..domain.plan import next_digest, notification_id, post_holders
from ..domain.text import one_line
from ..tables import (
    TREE,
    acknowledgements,
    audited,
    channels,
    materials,
    moderation,
    outbox,
    parties,
    posts,
    preferences,
    quarter_plans,
    submissions,
)

REGISTRY_EVENTS = (*TREE_EVENTS, *POST_EVENTS)
"""What `RegistrySource` takes."""


class RegistrySource:
    """The tree, and who holds which post where. A holder assigned before a delivery that was projected first
    is planned for here, so a delivery and an assignment meet in whichever order they arrive."""

    def __init__(self, channels_in_use: Sequence[str], tz: ZoneInfo) -> None:
        self.channels, self.tz = tuple(channels_in_use), tz

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        if await apply_tree(conn, TREE, d) or not await apply_posts(conn, posts, d):
            return
        e = d.event
        # a youth council's post is not the org's own (the mirror leaves it out), so it hears nothing of the org's
        if isinstance(e, OfficerAssigned) and e.council_id is None and post_holders([(e.person_id, e.role.value)]):
            await self._catch_up(conn, e, d.recorded_at)

    async def _catch_up(self, conn: AsyncConnection, e: OfficerAssigned, at: datetime) -> None:
        """Plans the new holder's share of the org's deliveries made since the assignment was recorded."""
        a = acknowledgements.c
        found = await conn.execute(
            select(a.delivery_id, a.material_id, a.delivered_at).where(a.org_id == e.org_id, a.delivered_at >= at)
        )
        rows = [(e.person_id, "person", channel) for channel in self.channels]
        for delivery in found.all():
            if delivery.delivered_at.astimezone(self.tz).date() >= e.since:
                trigger = f"delivery:{delivery.delivery_id}"
                await plan(conn, trigger, rows, e.org_id, at, self.tz, material_id=delivery.material_id)


CONTACTS_EVENTS = (ChannelOpened, ChannelClosed, ChannelRefreshed, ContactBaseSubmitted)
"""What `from_contacts` takes."""


async def from_contacts(conn: AsyncConnection, d: Delivered) -> None:
    """Notice boards and their refreshes (P1), contact-base submissions (P10, T7)."""
    c = channels.c
    match d.event:
        case ChannelOpened() as e:
            row = {"channel_id": e.channel_id, "org_id": e.org_id, "kind": e.kind.value, "name": e.name, "since": e.since}
            await conn.execute(insert(channels).values(row).on_conflict_do_nothing())
        case ChannelClosed() as e:
            await conn.execute(update(channels).where(c.channel_id == e.channel_id).values(closed_on=e.effective_on))
        case ChannelRefreshed() as e:
            newest = func.greatest(func.coalesce(c.last_refreshed, e.at), e.at)
            await conn.execute(update(channels).where(c.channel_id == e.channel_id).values(last_refreshed=newest))
        case ContactBaseSubmitted() as e:
            stmt = insert(submissions).values(org_id=e.org_id, last_at=e.at)
            newest = func.greatest(submissions.c.last_at, stmt.excluded.last_at)
            await conn.execute(stmt.on_conflict_do_update(index_elements=[submissions.c.org_id], set_={"last_at": newest}))


AUDITS_EVENTS = (AuditCompleted, PlanSubmitted, PlanReported)
"""What `from_audits` takes."""


async def from_audits(conn: AsyncConnection, d: Delivered) -> None:
    """Completed audits (T1, C1) and quarterly plans with their reports (P8)."""
    match d.event:
        case AuditCompleted() as e:
            stmt = insert(audited).values(by_org_id=e.by_org_id, org_id=e.org_id, last_on=e.completed_on)
            newest = func.greatest(audited.c.last_on, stmt.excluded.last_on)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["by_org_id", "org_id"], set_={"last_on": newest}))
        case PlanSubmitted() as e:
            await conn.execute(insert(quarter_plans).values(org_id=e.org_id, quarter=e.quarter).on_conflict_do_nothing())
        case PlanReported() as e:
            key = (quarter_plans.c.org_id == e.org_id) & (quarter_plans.c.quarter == e.quarter)
            await conn.execute(update(quarter_plans).where(key).values(reported=True))


EXCHANGE_EVENTS = (
    PartyRegistered,
    MaterialDrafted,
    MaterialEdited,
    PublicationRequested,
    MaterialPublished,
    MaterialApproved,
    MaterialRejected,
    PublicationConfirmed,
    PublicationTakenDown,
    DeliveryAcknowledged,
    DeliveryDelivered,
    UnreadReminded,
)
"""What `ExchangeSource` takes."""


class ExchangeSource:
    """Parties, materials, deliveries and moderation; deliveries become outbox rows on every channel in use."""

    def __init__(self, channels_in_use: Sequence[str], tz: ZoneInfo) -> None:
        self.channels, self.tz = tuple(channels_in_use), tz

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        match d.event:
            case PartyRegistered() as e:
                await conn.execute(
                    insert(parties).values(party_id=e.party_id, name=e.name, email=e.email).on_conflict_do_nothing()
                )
            case MaterialDrafted() | MaterialEdited() as e:
                c = e.content
                row = {"material_id": e.material_id, "org_id": e.org_id, "title": c.title, "kind": c.kind.value, "body": c.body}
                stmt = insert(materials).values(row)
                await conn.execute(stmt.on_conflict_do_update(index_elements=[materials.c.material_id], set_=row))
            case PublicationRequested() | MaterialPublished() as e:
                # awaiting the moderator: its approval, or (H2) its review after publication, from when it went out
                asked: dict[str, Any] = {"moderator_id": e.moderator_id, "requested_at": d.recorded_at, "decided": False}
                stmt = insert(moderation).values(material_id=e.material_id, **asked)
                await conn.execute(stmt.on_conflict_do_update(index_elements=[moderation.c.material_id], set_=asked))
            case MaterialApproved() | MaterialRejected() | PublicationConfirmed() | PublicationTakenDown() as e:
                await conn.execute(update(moderation).where(moderation.c.material_id == e.material_id).values(decided=True))
            case DeliveryAcknowledged() as e:
                done = acknowledgements.c.delivery_id == e.delivery_id
                await conn.execute(update(acknowledgements).where(done).values(acknowledged=True))
            case DeliveryDelivered() as e:
                if e.recipient_kind == "org":
                    delivered = insert(acknowledgements).values(
                        delivery_id=e.delivery_id, material_id=e.material_id, org_id=e.org_id, delivered_at=d.recorded_at
                    )
                    await conn.execute(delivered.on_conflict_do_nothing())
                await self._plan(conn, e, d)
            case UnreadReminded() as e:
                await self._remind(conn, e, d)

    async def _plan(self, conn: AsyncConnection, e: DeliveryDelivered, d: Delivered) -> None:
        trigger = f"delivery:{e.delivery_id}"
        if e.recipient_kind == "party":
            await plan(conn, trigger, [(e.org_id, "party", "email")], None, d.recorded_at, self.tz, material_id=e.material_id)
            return
        people = await holders(conn, e.org_id, d.recorded_at, self.tz, delivered=True)
        rows = [(p, "person", channel) for p in people for channel in self.channels]
        await plan(conn, trigger, rows, e.org_id, d.recorded_at, self.tz, material_id=e.material_id)

    async def _remind(self, conn: AsyncConnection, e: UnreadReminded, d: Delivered) -> None:
        """One letter a reminded org's post holders, as its delivery's letter goes: the trigger names the material, the org
        and the day, so a redelivered event plans nothing twice."""
        found = (await conn.execute(select(materials.c.title).where(materials.c.material_id == e.material_id))).first()
        title = one_line(found.title) if found else "материал"
        subject = f"Напоминание: «{title}»"
        for org_id in e.org_ids:
            delivered = (
                await conn.execute(
                    select(acknowledgements.c.delivered_at).where(
                        acknowledgements.c.material_id == e.material_id, acknowledgements.c.org_id == org_id
                    )
                )
            ).scalar()
            when = f" {delivered.astimezone(self.tz):%d.%m.%Y}" if delivered else ""
            text = (
                f"Материал «{title}» поступил в вашу организацию{when} и ещё не отмечен как прочитанный. "
                "Отправитель просит ознакомиться с ним и подтвердить прочтение."
            )
            people = await holders(conn, org_id, d.recorded_at, self.tz)
            rows = [(p, "person", channel) for p in people for channel in self.channels]
            trigger = f"unread:{e.material_id}:{org_id}:{e.reminded_on.isoformat()}"
            await plan(conn, trigger, rows, org_id, d.recorded_at, self.tz, material_id=e.material_id, subject=subject, text=text)


async def holders(conn: AsyncConnection, org_id: str, at: datetime, tz: ZoneInfo, *, delivered: bool = False) -> list[str]:
    """The people holding a notified post in the org that day (the union's day: posts are dated in its time zone);
    for a delivery made `at`, only those whose assignment was recorded by then."""
    day, p = at.astimezone(tz).date(), posts.c
    held = [p.org_id == org_id, p.since <= day, or_(p.until.is_(None), p.until > day)]
    if delivered:  # an assignment recorded after the delivery plans its own share (RegistrySource), whatever came first
        held.append(or_(p.recorded_at.is_(None), p.recorded_at <= at))
    return post_holders((r.person_id, r.role) for r in await conn.execute(select(p.person_id, p.role).where(*held)))


async def plan(
    conn: AsyncConnection,
    trigger: str,
    recipients: list[tuple[str, str, str]],
    org_id: str | None,
    at: datetime,
    tz: ZoneInfo,
    *,
    material_id: str | None = None,
    subject: str | None = None,
    text: str | None = None,
    send_from: datetime | None = None,
) -> int:
    """Outbox rows for (recipient, kind, channel); one per trigger, recipient and channel, ever. A person who
    chose a daily digest gets theirs at the digest hour."""
    # the span planning them is the apply of the event they come from: each send goes on in that event's trace
    # (a reminder, planned by the clock, is in none)
    traceparent = tracing.current()
    chosen = await conn.execute(
        select(preferences).where(preferences.c.person_id.in_([r for r, kind, _ in recipients if kind == "person"]))
    )
    digest = {p.person_id: p.digest_hour for p in chosen if p.mode == "daily_digest"}
    rows = [
        {
            "notification_id": notification_id(trigger, recipient if channel == "email" else f"{recipient}#{channel}"),
            "trigger": trigger,
            "recipient_id": recipient,
            "recipient_kind": kind,
            "channel": channel,
            "org_id": org_id,
            "material_id": material_id,
            "subject": subject,
            "text": text,
            "status": "pending",
            "next_attempt_at": next_digest(at, digest[recipient], tz) if recipient in digest else send_from or at,
            "created_at": at,
            "traceparent": traceparent,
        }
        for recipient, kind, channel in recipients
    ]
    if not rows:
        return 0
    added = await conn.execute(insert(outbox).on_conflict_do_nothing().returning(outbox.c.notification_id), rows)
    return len(added.all())
