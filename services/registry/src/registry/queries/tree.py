"""Read-model queries of the registry: the tree and its figures as of a valid date, as known on a recording date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Payload
from contracts.registry import GetOrg, GetSubtree, Level, ListChildren, ListOrgs
from kit.access import RULES, Reach, permits, require
from kit.clock import FAR_FUTURE, known_by
from kit.errors import forbidden, invalid, not_found
from kit.readcache import WHOLE_TREE, ReadCache
from kit.rpc import Context

from ..domain.reach import chain
from ..tables import headcounts, org_names, org_parents, orgs
from .timelines import records_per_org, released_per_org

LEVEL_ORDER = {Level.CENTRAL.value: 0, Level.TERRITORIAL.value: 1, Level.PRIMARY.value: 2}


@dataclass(frozen=True)
class Placed:
    """An org as it stood on the day asked about."""

    org_id: str
    name: str
    level: str
    parent_id: str | None
    registered_on: date


Seen = Callable[[str], bool] | None
"""Whether an org counts in the figures of the orgs above it; None: every org does."""


@dataclass
class TreeOn:
    """The whole tree on one day, as known by one recording instant."""

    day: date
    orgs: dict[str, Placed]
    reported: dict[str, tuple[int, date]]
    records: dict[str, int] = field(default_factory=dict)
    released: dict[str, int] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for org in sorted(self.orgs.values(), key=lambda o: (o.name, o.org_id)):
            if org.parent_id in self.orgs:
                self.children.setdefault(org.parent_id, []).append(org.org_id)

    def parent_of(self, org_id: str) -> str | None:
        org = self.orgs.get(org_id)
        return org.parent_id if org else None

    def subtree(self, org_id: str) -> list[str]:
        order, queue = [], [org_id]
        while queue:
            current = queue.pop(0)
            order.append(current)
            queue.extend(self.children.get(current, []))
        return order

    def members(self, org_id: str, seen: Seen = None) -> tuple[int | None, int, int]:
        """(members, primary orgs reporting, primary orgs): a sum over the primary orgs under it that day."""
        primaries = self.primaries(org_id, seen)
        figures = [self.reported[o][0] for o in primaries if o in self.reported]
        return (sum(figures) if figures else None), len(figures), len(primaries)

    def primaries(self, org_id: str, seen: Seen = None) -> list[str]:
        """The primary orgs under (or being) the org that day, those `seen` only when told."""
        under = [o for o in self.subtree(org_id) if self.orgs[o].level == Level.PRIMARY.value]
        return under if seen is None else [o for o in under if seen(o)]

    def member_records(self, org_id: str, seen: Seen = None) -> int | None:
        """Personal membership records held that day by the primary orgs under (or being) the org; None if none."""
        held = [self.records[o] for o in self.primaries(org_id, seen) if o in self.records]
        return sum(held) if held else None

    def view(self, org_id: str, seen: Seen = None) -> dict[str, Any]:
        """An org as the API shows it; its sums and counts over the orgs under it the caller may read today (`seen`,
        None: all), so that a past or future day never tells a figure of an org outside the caller's subtree."""
        org = self.orgs[org_id]
        members, reporting, primaries = self.members(org_id, seen)
        children = self.children.get(org_id, [])
        shown: dict[str, Any] = {
            "id": org.org_id,
            "name": org.name,
            "level": org.level,
            "parent_id": org.parent_id,
            "registered_on": org.registered_on.isoformat(),
            "as_of": self.day.isoformat(),
            "members": members,
            "children": len(children if seen is None else [c for c in children if seen(c)]),
            "member_records": self.member_records(org_id, seen),
            "released_officials": self.released.get(org_id, 0),
        }
        if org.level == Level.PRIMARY.value:
            shown["headcount_as_of"] = self.reported[org_id][1].isoformat() if org_id in self.reported else None
        else:
            shown["primary_orgs"], shown["primary_orgs_reporting"] = primaries, reporting
        return shown


async def tree_on(conn: AsyncConnection, day: date, known_before: datetime | None) -> TreeOn:
    """Every org that exists on `day`, with its name, parent and reported headcount that day."""
    known = known_before or FAR_FUTURE
    parents = _latest(org_parents, org_parents.c.parent_id, day, known)
    names = _latest(org_names, org_names.c.name, day, known)
    dissolved = and_(orgs.c.dissolved_on <= day, orgs.c.dissolution_recorded_at < known)
    rows = await conn.execute(
        select(orgs.c.org_id, orgs.c.level, orgs.c.registered_on, names.c.value.label("name"), parents.c.value.label("parent_id"))
        .join(names, names.c.org_id == orgs.c.org_id)
        .join(parents, parents.c.org_id == orgs.c.org_id)
        .where(orgs.c.registered_on <= day, orgs.c.recorded_at < known, or_(orgs.c.dissolved_on.is_(None), ~dissolved))
    )
    placed = {r.org_id: Placed(r.org_id, r.name, r.level, r.parent_id, r.registered_on) for r in rows}
    latest = (
        select(headcounts.c.org_id, headcounts.c.members, headcounts.c.as_of)
        .where(headcounts.c.as_of <= day, headcounts.c.recorded_at < known)
        .order_by(headcounts.c.org_id, headcounts.c.as_of.desc(), headcounts.c.position.desc())
        .ext(distinct_on(headcounts.c.org_id))
    )
    reported = {r.org_id: (r.members, r.as_of) for r in await conn.execute(latest) if r.org_id in placed}
    records = {r.org_id: r.records for r in await conn.execute(records_per_org(day, known))}
    released = {r.org_id: r.released for r in await conn.execute(released_per_org(day, known))}
    return TreeOn(day, placed, reported, records, released)


async def places_today(conn: AsyncConnection, today: date) -> dict[str, str | None]:
    """Every org ever registered with its parent today, as everything recorded tells: a dissolved org's last parent,
    a not yet registered org's first."""
    p, o = org_parents.c, orgs.c
    rows = await conn.execute(
        select(p.org_id, p.parent_id)
        .join(orgs, o.org_id == p.org_id)
        .where(p.effective_on <= func.greatest(o.registered_on, today))
        .order_by(p.org_id, p.effective_on.desc(), p.position.desc())
        .ext(distinct_on(p.org_id))
    )
    return {r.org_id: r.parent_id for r in rows}


async def names_today(conn: AsyncConnection, today: date) -> dict[str, str]:
    """Every org ever registered with its name today: a dissolved org's last name, a not yet registered org's first."""
    n, o = org_names.c, orgs.c
    rows = await conn.execute(
        select(n.org_id, n.name)
        .join(orgs, o.org_id == n.org_id)
        .where(n.effective_on <= func.greatest(o.registered_on, today))
        .order_by(n.org_id, n.effective_on.desc(), n.position.desc())
        .ext(distinct_on(n.org_id))
    )
    return {r.org_id: r.name for r in rows}


class NameOrgs(Payload):
    """The names of orgs, and nothing else about them: pages name the senders and recipients of a material they may
    read even when those orgs lie outside the reader's subtree (an org's name is no secret, what it holds is)."""

    org_ids: list[str] = Field(max_length=500, description="Opaque ids of the orgs to name")


def _latest(table: Any, column: Any, day: date, known: datetime) -> Any:
    """Per org, the timeline's value on `day`: latest effective date first, then the later recorded."""
    return (
        select(table.c.org_id, column.label("value"))
        .where(table.c.effective_on <= day, table.c.recorded_at < known)
        .order_by(table.c.org_id, table.c.effective_on.desc(), table.c.position.desc())
        .ext(distinct_on(table.c.org_id))
        .subquery()
    )


class Queries:
    """The registry's query verbs."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache

    async def _tree(self, as_of: date | None, known_on: date | None, ctx: Context) -> tuple[TreeOn, Today]:
        """The tree on the day as known then, and where each org stands today, which alone decides who may see it
        (DESIGN.md §5); both kept while the ledger stands still, as every org page reads them whole."""
        day, known = as_of or ctx.today, known_by(known_on, ctx.tz) if known_on else None
        reading = await self.cache.reading()  # one state of the read models for both
        tree = await reading.get(("tree", day, known), lambda conn: tree_on(conn, day, known), WHOLE_TREE)
        if day == ctx.today and known is None:
            return tree, Today(tree.parent_of, of_the_tree=True)
        places = await reading.get(("places", ctx.today), lambda conn: places_today(conn, ctx.today), WHOLE_TREE)
        return tree, Today(places.get)

    def _visible(self, tree: TreeOn, today: Today, org_id: str, ctx: Context, field: str = "org_id") -> None:
        """404 unless the org exists on the day asked about; 403 unless the actor may read it today."""
        if org_id not in tree.orgs:
            raise not_found(f"org on {tree.day.isoformat()}", field=field)
        require(ctx.actor, "read_orgs", today.reach(org_id))

    async def get_org(self, q: GetOrg, ctx: Context) -> dict[str, Any]:
        """One org as of a date."""
        tree, today = await self._tree(q.as_of, q.known_on, ctx)
        self._visible(tree, today, q.org_id, ctx)
        return tree.view(q.org_id, _seen(today, ctx))

    async def list_children(self, q: ListChildren, ctx: Context) -> list[dict[str, Any]]:
        """A page of the orgs directly under an org as of a date, by name (ties by id). The tree is read whole into the
        read cache, which every org page shares, so the page is cut from its sorted children; only the page's orgs are
        summed up into views, which is where a long level's time went."""
        tree, today = await self._tree(q.as_of, q.known_on, ctx)
        self._visible(tree, today, q.org_id, ctx)
        children = [c for c in tree.children.get(q.org_id, []) if today.may(ctx, c)]
        start = 0
        if q.cursor is not None:
            if q.cursor not in children:  # another org's child, or no org at all
                raise invalid("cursor", "the cursor is not an org of this list: start from the first page", "in_list")
            start = children.index(q.cursor) + 1
        seen = _seen(today, ctx)
        return [tree.view(c, seen) for c in children[start : start + q.limit]]

    async def get_subtree(self, q: GetSubtree, ctx: Context) -> list[dict[str, Any]]:
        """An org and everything under it as of a date, parents first."""
        tree, today = await self._tree(q.as_of, q.known_on, ctx)
        self._visible(tree, today, q.org_id, ctx)
        seen = _seen(today, ctx)
        return [tree.view(o, seen) for o in tree.subtree(q.org_id) if today.may(ctx, o)]

    async def name_orgs(self, q: NameOrgs, ctx: Context) -> dict[str, str]:
        """Id → today's name of each org asked about that was ever registered; only names, to anyone who reads orgs."""
        if RULES["read_orgs"].get(ctx.actor.role, Reach.NONE) is Reach.NONE:
            raise forbidden(f"a {ctx.actor.role} reads no orgs")
        reading = await self.cache.reading()
        names = await reading.get(("names", ctx.today), lambda conn: names_today(conn, ctx.today), WHOLE_TREE)
        return {org_id: names[org_id] for org_id in dict.fromkeys(q.org_ids) if org_id in names}

    async def list_orgs(self, q: ListOrgs, ctx: Context) -> list[dict[str, Any]]:
        """Orgs in the caller's subtree as of a date, filtered, sorted by level and name."""
        tree, today = await self._tree(q.as_of, q.known_on, ctx)
        chosen = _in_reach(tree, today, ctx)
        if q.level is not None:
            chosen = [o for o in chosen if tree.orgs[o].level == q.level.value]
        if q.parent_id is not None:
            chosen = [o for o in chosen if tree.orgs[o].parent_id == q.parent_id]
        if q.released_officials is not None:
            chosen = [o for o in chosen if (tree.released.get(o, 0) > 0) == q.released_officials]
        if q.q:
            needle = q.q.casefold()
            chosen = [o for o in chosen if needle in tree.orgs[o].name.casefold()]
        chosen.sort(key=lambda o: (LEVEL_ORDER[tree.orgs[o].level], tree.orgs[o].name.casefold(), o))
        if q.cursor is not None and q.cursor in chosen:
            chosen = chosen[chosen.index(q.cursor) + 1 :]
        seen = _seen(today, ctx)
        return [tree.view(o, seen) for o in chosen[: q.limit]]


@dataclass(frozen=True)
class Today:
    """Where every org stands today, by each org's parent today."""

    parent_of: Callable[[str], str | None]
    of_the_tree: bool = False
    """Read off the tree asked about, which is today's as known now."""

    def reach(self, org_id: str) -> list[str]:
        """The org and its ancestors today, nearest first."""
        return chain(org_id, self.parent_of)

    def may(self, ctx: Context, org_id: str) -> bool:
        """Whether the actor may read the org, on today's tree."""
        return permits(ctx.actor, "read_orgs", self.reach(org_id))


def _seen(today: Today, ctx: Context) -> Seen:
    """Which orgs the actor's figures may count: None (all under an org it may read) for whoever reads the whole union
    or on today's tree, where an org's subtree is in the actor's reach whole; else those it may read today."""
    if ctx.actor.role.value in ("admin", "service") or today.of_the_tree:
        return None
    return lambda org_id: today.may(ctx, org_id)


def _in_reach(tree: TreeOn, today: Today, ctx: Context) -> list[str]:
    """The orgs on the day asked about that are in the actor's subtree today."""
    if ctx.actor.role.value in ("admin", "service"):
        return list(tree.orgs)
    if today.of_the_tree and ctx.actor.org_id in tree.orgs:
        return tree.subtree(ctx.actor.org_id)  # today's tree: the subtree is the reach
    return [o for o in tree.orgs if today.may(ctx, o)]
