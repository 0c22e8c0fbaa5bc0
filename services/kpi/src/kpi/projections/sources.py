"""What kpi learns from the other contexts: the tree, headcounts, posts, trainings, budgets and the members' dated
memberships (REGISTRY), resources, their audience figures and the kinds and consent of contact points (CONTACTS),
exchange acts and campaign participation (EXCHANGE), appeals' times (APPEALS), each with the source's recording time
(`known_on`). Every write is idempotent, and each table stands alone, so the contexts may arrive in any relative order."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.appeals import AppealAnswered, AppealEscalated, AppealFiled
from contracts.contacts import ChannelClosed, ChannelOpened, ChannelStatsReported
from contracts.exchange import DeliveryAcknowledged, MaterialCascaded, MaterialSentUp, ParticipationReported
from kit.projection import Delivered, Projection
from mirrors.contactpoints import CONTACT_POINT_EVENTS, apply_contact_points
from mirrors.factmirror import FACT_EVENTS, apply_facts, upsert
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..tables import FACTS, TREE, acts, appeal_times, channel_stats, channels, contact_points, participation
from .people import MEMBER_EVENTS, apply_members

REGISTRY_EVENTS = (*TREE_EVENTS, *FACT_EVENTS, *MEMBER_EVENTS)
"""What `from_registry` takes."""


async def from_registry(conn: AsyncConnection, d: Delivered) -> None:
    """The tree, primary orgs' headcounts, information posts with their trainings, budgets, and memberships."""
    if not await apply_tree(conn, TREE, d) and not await apply_members(conn, d):
        await apply_facts(conn, FACTS, d)


CONTACTS_EVENTS = (ChannelOpened, ChannelClosed, ChannelStatsReported, *CONTACT_POINT_EVENTS)
"""What `from_contacts` takes."""


async def from_contacts(conn: AsyncConnection, d: Delivered) -> None:
    """Resources opened and closed, their audience figures (the latest report per resource and period), and contact
    points' kinds and consent."""
    if await apply_contact_points(conn, contact_points, d):
        return
    row: dict[str, Any]
    match d.event:
        case ChannelOpened() as e:
            row = {"channel_id": e.channel_id, "org_id": e.org_id, "kind": e.kind.value, "audience": e.audience.value}
            await conn.execute(upsert(channels, ["channel_id"], {**row, "since": e.since, "recorded_at": d.recorded_at}))
        case ChannelClosed() as e:
            row = {"channel_id": e.channel_id, "closed_on": e.effective_on, "closed_recorded_at": d.recorded_at}
            await conn.execute(upsert(channels, ["channel_id"], row))
        case ChannelStatsReported() as e:
            row = {
                "channel_id": e.channel_id,
                "period": e.period,
                "org_id": e.org_id,
                "subscribers": e.subscribers,
                "visits": e.visits,
                "engagement": e.engagement,
                "position": d.position,
                "recorded_at": d.recorded_at,
            }
            await conn.execute(insert(channel_stats).values(row).on_conflict_do_nothing())


class ExchangeSource:
    """Acts of exchange (X5) dated by their day, and campaign participation (K8) dated by its first report."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def projection(self) -> Projection:
        return Projection(
            "exchange", "exchange", self.apply, (MaterialSentUp, MaterialCascaded, DeliveryAcknowledged, ParticipationReported)
        )

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        day = d.recorded_at.astimezone(self.tz).date()
        match d.event:
            case MaterialSentUp() as e:
                await self._act(conn, d, e.org_id, e.material_id, "sent_up", e.on)
            case MaterialCascaded() as e:
                await self._act(conn, d, e.org_id, e.material_id, "cascaded", e.on)
            case DeliveryAcknowledged() as e:
                await self._act(conn, d, e.org_id, e.material_id, "acknowledged", day)
            case ParticipationReported() as e:
                row = {"org_id": e.org_id, "material_id": e.material_id, "position": d.position, "on": day}
                row |= {"on_site": e.on_site, "online": e.online, "recorded_at": d.recorded_at}
                await conn.execute(insert(participation).values(row).on_conflict_do_nothing())

    async def _act(self, conn: AsyncConnection, d: Delivered, org_id: str, material_id: str, kind: str, on: date) -> None:
        row = {"org_id": org_id, "material_id": material_id, "kind": kind, "on": on, "recorded_at": d.recorded_at}
        await conn.execute(insert(acts).values(row).on_conflict_do_nothing())


APPEALS_EVENTS = (AppealFiled, AppealAnswered, AppealEscalated)
"""What `AppealsSource` takes."""


class AppealsSource:
    """Each appeal's times (K7's measured speed), dated by its filing day: when it was filed and due, its first answer
    (whichever level gave it) and its first escalation. An appeal's events come in order; each write is idempotent."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def projection(self) -> Projection:
        return Projection("appeals", "appeals", self.apply, APPEALS_EVENTS)

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        row: dict[str, Any]
        match d.event:
            case AppealFiled() as e:
                row = {"appeal_id": e.appeal_id, "org_id": e.org_id, "filed_on": e.filed_at.astimezone(self.tz).date()}
                row |= {"filed_at": e.filed_at, "due_at": e.due_at, "recorded_at": d.recorded_at}
                await conn.execute(upsert(appeal_times, ["appeal_id"], row))
            case AppealAnswered() as e if e.first:
                row = {"appeal_id": e.appeal_id, "answered_at": e.answered_at, "on_time": e.on_time}
                await conn.execute(_first(row | {"answer_recorded_at": d.recorded_at}, "answered_at"))
            case AppealEscalated() as e:
                row = {"appeal_id": e.appeal_id, "escalated_at": e.escalated_at, "escalation_recorded_at": d.recorded_at}
                await conn.execute(_first(row, "escalated_at"))


def _first(row: dict[str, Any], column: str) -> Any:
    """Sets the row's columns unless `column` is set already: the first answer or escalation stays the first."""
    stmt = insert(appeal_times).values(row)
    changed = {k: stmt.excluded[k] for k in row if k != "appeal_id"}
    return stmt.on_conflict_do_update(index_elements=["appeal_id"], set_=changed, where=appeal_times.c[column].is_(None))
