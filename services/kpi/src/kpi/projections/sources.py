"""What kpi learns from the other contexts: the tree, headcounts, posts, trainings and budgets (REGISTRY),
resources and their audience figures (CONTACTS), exchange acts and campaign participation (EXCHANGE).
Every write is idempotent, and each table stands alone, so the contexts may arrive in any relative order."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ChannelClosed, ChannelOpened, ChannelStatsReported
from contracts.exchange import DeliveryAcknowledged, MaterialCascaded, MaterialSentUp, ParticipationReported
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerTrained
from contracts.org_facts import BudgetAdopted
from contracts.registry import HeadcountReported
from kit.projector import Delivered, Projection
from kit.treemirror import apply_tree

from ..tables import TREE, acts, budgets, channel_stats, channels, headcounts, participation, posts, trainings


def _upsert(table: Table, keys: list[str], row: dict[str, Any], newer_only: bool = False) -> Insert:
    """An insert that updates the other columns on a repeat; with `newer_only`, only from a later position."""
    stmt = insert(table).values(row)
    changed = {k: stmt.excluded[k] for k in row if k not in keys}
    where = table.c.position < stmt.excluded.position if newer_only else None
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed, where=where)


async def from_registry(conn: AsyncConnection, d: Delivered) -> None:
    """The tree, primary orgs' headcounts, information posts with their trainings, and budgets."""
    if await apply_tree(conn, TREE, d):
        return
    match d.event:
        case HeadcountReported() as e:
            row = {"org_id": e.org_id, "position": d.position, "as_of": e.as_of, "members": e.members}
            await conn.execute(insert(headcounts).values(row).on_conflict_do_nothing())
        case OfficerAssigned() as e if e.council_id is None:
            row = {
                "officer_id": e.officer_id,
                "person_id": e.person_id,
                "org_id": e.org_id,
                "role": e.role.value,
                "since": e.since,
            }
            await conn.execute(_upsert(posts, ["officer_id"], row))
        case OfficerRelieved() as e:
            await conn.execute(_upsert(posts, ["officer_id"], {"officer_id": e.officer_id, "until": e.until}))
        case OfficerTrained() as e:
            row = {"training_id": e.training_id, "person_id": e.person_id, "org_id": e.org_id, "on": e.on}
            await conn.execute(insert(trainings).values(row).on_conflict_do_nothing())
        case BudgetAdopted() as e:
            row = {"org_id": e.org_id, "year": e.year, "total": e.total, "information": e.information, "position": d.position}
            await conn.execute(_upsert(budgets, ["org_id", "year"], row, newer_only=True))


async def from_contacts(conn: AsyncConnection, d: Delivered) -> None:
    """Resources opened and closed, and their audience figures (the latest report per resource and period)."""
    row: dict[str, Any]
    match d.event:
        case ChannelOpened() as e:
            row = {"channel_id": e.channel_id, "org_id": e.org_id, "kind": e.kind.value, "audience": e.audience.value}
            await conn.execute(_upsert(channels, ["channel_id"], {**row, "since": e.since}))
        case ChannelClosed() as e:
            row = {"channel_id": e.channel_id, "closed_on": e.effective_on}
            await conn.execute(_upsert(channels, ["channel_id"], row))
        case ChannelStatsReported() as e:
            row = {
                "channel_id": e.channel_id,
                "period": e.period,
                "org_id": e.org_id,
                "subscribers": e.subscribers,
                "visits": e.visits,
                "engagement": e.engagement,
                "position": d.position,
            }
            await conn.execute(_upsert(channel_stats, ["channel_id", "period"], row, newer_only=True))


class ExchangeSource:
    """Acts of exchange (X5) dated by their day, and campaign participation (K8) dated by its first report."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def projection(self) -> Projection:
        return Projection("exchange", "exchange", self.apply)

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        day = d.recorded_at.astimezone(self.tz).date()
        match d.event:
            case MaterialSentUp() as e:
                await self._act(conn, e.org_id, e.material_id, "sent_up", e.on)
            case MaterialCascaded() as e:
                await self._act(conn, e.org_id, e.material_id, "cascaded", e.on)
            case DeliveryAcknowledged() as e:
                await self._act(conn, e.org_id, e.material_id, "acknowledged", day)
            case ParticipationReported() as e:
                row = {"org_id": e.org_id, "material_id": e.material_id, "first_on": day, "on_site": e.on_site}
                stmt = insert(participation).values({**row, "online": e.online, "position": d.position})
                keep: dict[str, Any] = {k: stmt.excluded[k] for k in ("on_site", "online", "position")}
                keep["first_on"] = func.least(participation.c.first_on, stmt.excluded.first_on)
                where = participation.c.position < stmt.excluded.position
                await conn.execute(stmt.on_conflict_do_update(index_elements=["org_id", "material_id"], set_=keep, where=where))

    async def _act(self, conn: AsyncConnection, org_id: str, material_id: str, kind: str, on: date) -> None:
        row = {"org_id": org_id, "material_id": material_id, "kind": kind, "on": on}
        await conn.execute(insert(acts).values(row).on_conflict_do_nothing())
