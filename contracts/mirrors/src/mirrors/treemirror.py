"""The registry's org tree as another service keeps it: two tables fed from the REGISTRY stream, and the
tree on any day read back from them, as known now or as recorded by a past day (DESIGN.md §3, `known_on`).
Integration plumbing every consumer of the tree shares; the rules of the tree (H1) stay in the registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Date, DateTime, MetaData, Table, Text, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.registry import OrgDissolved, OrgMoved, OrgRegistered, OrgRenamed
from kit.access import permits, require
from kit.clock import end_of_day
from kit.errors import not_found
from kit.projection import Delivered
from kit.readcache import WHOLE_TREE, ReadCache
from kit.tokens import Actor

from .tree import Walks, lineage


@dataclass(frozen=True)
class TreeTables:
    """The mirror's tables in a service's schema."""

    orgs: Table
    parents: Table


RECORDED = "When the registry recorded it; NULL in a mirror filled before recording times were kept"
ORGS = (
    "One row per org: its registration and its dissolution, each with its recording time, so a `known_on` before a "
    "dissolution was recorded still sees the org (DESIGN.md §3); names are the latest known"
)
PARENTS = "Each placement of an org under a parent from a date, one row per registry position, with its recording time"


def tree_tables(metadata: MetaData) -> TreeTables:
    """Declares `orgs` and `org_parents` in the service's schema."""
    orgs = Table(
        "orgs",
        metadata,
        Column("org_id", Text, primary_key=True),
        Column("level", Text, nullable=False),
        Column("registered_on", Date, nullable=False),
        Column("dissolved_on", Date),
        Column("name", Text, comment="The name in force from `named_on`, the latest one known (for letters and views)"),
        Column("named_on", Date),
        Column("recorded_at", DateTime(timezone=True), comment=RECORDED),
        Column("dissolved_recorded_at", DateTime(timezone=True), comment=RECORDED.replace("it;", "the dissolution;")),
        comment=ORGS,
    )
    parents = Table(
        "org_parents",
        metadata,
        Column("org_id", Text, primary_key=True),
        Column("position", BigInteger, primary_key=True, comment="Registry ledger position"),
        Column("effective_on", Date, nullable=False),
        Column("parent_id", Text),
        Column("recorded_at", DateTime(timezone=True), comment=RECORDED),
        comment=PARENTS,
    )
    return TreeTables(orgs, parents)


TREE_EVENTS = (OrgRegistered, OrgRenamed, OrgMoved, OrgDissolved)
"""What `apply_tree` takes."""


async def apply_tree(conn: AsyncConnection, tables: TreeTables, d: Delivered) -> bool:
    """Applies a tree event (idempotently); False for any other event."""
    match d.event:
        case OrgRegistered() as e:
            row = {"org_id": e.org_id, "level": e.level.value, "registered_on": e.registered_on, "recorded_at": d.recorded_at}
            named = {"name": e.name, "named_on": e.registered_on}
            await conn.execute(insert(tables.orgs).values(row | named).on_conflict_do_nothing())
            await _place(conn, tables, d, e.org_id, e.parent_id, e.registered_on)
        case OrgRenamed() as e:
            o = tables.orgs.c
            newest = or_(o.named_on.is_(None), o.named_on <= e.effective_on)
            await conn.execute(
                update(tables.orgs).where(o.org_id == e.org_id, newest).values(name=e.name, named_on=e.effective_on)
            )
        case OrgMoved() as e:
            await _place(conn, tables, d, e.org_id, e.parent_id, e.effective_on)
        case OrgDissolved() as e:
            dissolved = {"dissolved_on": e.effective_on, "dissolved_recorded_at": d.recorded_at}
            await conn.execute(update(tables.orgs).where(tables.orgs.c.org_id == e.org_id).values(dissolved))
        case _:
            return False
    return True


async def _place(conn: AsyncConnection, tables: TreeTables, d: Delivered, org_id: str, parent_id: str | None, on: date) -> None:
    row = {"org_id": org_id, "effective_on": on, "parent_id": parent_id, "position": d.position, "recorded_at": d.recorded_at}
    await conn.execute(insert(tables.parents).values(row).on_conflict_do_nothing())


@dataclass(frozen=True)
class Orgs(Walks):
    """Every org that exists on one day, with its level and its parent that day; and where every org ever
    registered stands today, which alone decides who may act on or see it (DESIGN.md §5: the subtree is today's)."""

    day: date
    parents: dict[str, str | None]
    levels: dict[str, str]
    registered: dict[str, date]
    places: dict[str, str | None]
    """Every org's parent today: its last one if dissolved, its first one if registered after today."""
    known_by: datetime | None = None
    """The facts of `day` are those recorded before this instant (`known_on`'s end); None: all known now. Never the
    places, which are today's as known now."""

    def exists(self, org_id: str) -> bool:
        return org_id in self.parents

    def central(self) -> str | None:
        return next((o for o, level in self.levels.items() if level == "central"), None)

    def reach(self, org_id: str) -> list[str]:
        """The org and its ancestors today, nearest first: what §5 checks, whatever day the facts are of."""
        return lineage(self.places, org_id)

    def may(self, actor: Actor, action: str, org_id: str) -> bool:
        """Whether §5 lets the actor do `action` at the org, on today's tree."""
        return permits(actor, action, self.reach(org_id))

    def within(self, actor: Actor, action: str, org_ids: Iterable[str]) -> list[str]:
        """Those of the orgs at which §5 lets the actor do `action` on today's tree, in the order given: a subtree
        of another day may hold orgs that have since left the actor's."""
        return [o for o in org_ids if self.may(actor, action, o)]

    def require(self, actor: Actor, action: str, org_id: str, field: str = "org_id") -> None:
        """404 unless the org exists that day; 403 unless §5 allows the action there on today's tree."""
        if not self.exists(org_id):
            raise not_found(f"org on {self.day.isoformat()}", field=field)
        require(actor, action, self.reach(org_id))


async def orgs_on(conn: AsyncConnection, tables: TreeTables, day: date, today: date, known_by: datetime | None = None) -> Orgs:
    """The tree on a day (an org dissolved on D is gone on D) as recorded before `known_by` (None: as known now), with
    every org's place `today`, as known now, for access checks (DESIGN.md §5: a date never chooses who may act)."""
    p, o = tables.parents.c, tables.orgs.c
    latest = (
        select(p.org_id, p.parent_id)
        .where(p.effective_on <= day, _before(p.recorded_at, known_by))
        .order_by(p.org_id, p.effective_on.desc(), p.position.desc())
        .ext(distinct_on(p.org_id))
        .subquery()
    )
    # a dissolution recorded after `known_by` is as if not made
    dissolved = (o.dissolved_on <= day) & _before(o.dissolved_recorded_at, known_by)
    rows = await conn.execute(
        select(latest.c.org_id, latest.c.parent_id, o.level, o.registered_on)
        .join(tables.orgs, o.org_id == latest.c.org_id)
        .where(o.registered_on <= day, _before(o.recorded_at, known_by), or_(o.dissolved_on.is_(None), ~dissolved))
    )
    parents, levels, registered = {}, {}, {}
    for r in rows:
        parents[r.org_id], levels[r.org_id], registered[r.org_id] = r.parent_id, r.level, r.registered_on
    as_today = day == today and known_by is None and not await _beyond(conn, tables, today)
    places = parents if as_today else await places_on(conn, tables, today)
    return Orgs(day, parents, levels, registered, places, known_by)


class KeptTrees:
    """The trees of the queries and the access checks, kept while the mirror stands still (a `ReadCache` written by
    the mirror's consumer): each tree reads the whole mirror, most of a request's time in a union of a hundred
    thousand orgs. A projection reads its own afresh, inside the transaction that may have just changed the mirror."""

    def __init__(self, cache: ReadCache, tables: TreeTables) -> None:
        self.cache, self.tables = cache, tables

    async def on(self, day: date, today: date) -> Orgs:
        """The tree on `day`, with every org's place `today`, as `orgs_on` reads it; the same object to every asker
        until the mirror moves, so nobody may change it."""
        return await self.cache.get(("orgs", day, today), lambda conn: orgs_on(conn, self.tables, day, today), WHOLE_TREE)

    async def today(self, today: date) -> Orgs:
        """Today's tree: the one access is decided on (DESIGN.md §5)."""
        return await self.on(today, today)


def known_by_end_of(known_on: date | None, tz: ZoneInfo) -> datetime | None:
    """`orgs_on`'s `known_by` for a query's `known_on`: the end of that day in the union's time zone (recorded by the
    end of the day); None, all known now, without one."""
    return None if known_on is None else end_of_day(known_on, tz)


def _before(recorded_at: Any, known_by: datetime | None) -> Any:
    """Recorded before `known_by`; anything when None (rows mirrored before recording times were kept have none)."""
    return true() if known_by is None else recorded_at < known_by


async def _beyond(conn: AsyncConnection, tables: TreeTables, today: date) -> bool:
    """Whether any org is not in today's tree (dissolved, or registered after today): then places need a query of
    their own."""
    o = tables.orgs.c
    gone = select(o.org_id).where(or_(o.registered_on > today, o.dissolved_on <= today)).limit(1)
    return (await conn.execute(gone)).first() is not None


async def places_on(conn: AsyncConnection, tables: TreeTables, today: date) -> dict[str, str | None]:
    """Every org ever registered with its parent today (its last parent if dissolved, its first if not yet registered)."""
    p, o = tables.parents.c, tables.orgs.c
    rows = await conn.execute(
        select(p.org_id, p.parent_id)
        .join(tables.orgs, o.org_id == p.org_id)
        .where(p.effective_on <= func.greatest(o.registered_on, today))
        .order_by(p.org_id, p.effective_on.desc(), p.position.desc())
        .ext(distinct_on(p.org_id))
    )
    return {r.org_id: r.parent_id for r in rows}


async def names(conn: AsyncConnection, tables: TreeTables, org_ids: list[str]) -> dict[str, str]:
    """The orgs' latest known names (an org the mirror has no name for is left out)."""
    o = tables.orgs.c
    rows = await conn.execute(select(o.org_id, o.name).where(o.org_id.in_(org_ids), o.name.is_not(None)))
    return {r.org_id: r.name for r in rows}


async def exists_in_year(conn: AsyncConnection, tables: TreeTables, org_id: str, year: int) -> bool:
    """Whether the org exists on at least one day of the year."""
    o = tables.orgs.c
    row = (await conn.execute(select(o.registered_on, o.dissolved_on).where(o.org_id == org_id))).first()
    if row is None:
        return False
    return bool(row.registered_on <= date(year, 12, 31) and (row.dissolved_on is None or row.dissolved_on > date(year, 1, 1)))
