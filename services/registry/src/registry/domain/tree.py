"""The union's tree of organisations over valid time, and the rules of a place in it (RULES.md H1).

Every change to the tree's shape is one event of the single `union-tree` stream, so each decision is
checked against one consistent tree. An org's name and parent are timelines of changes: the value on a
day is the change with the latest effective date on or before it, and of two effective the same day the
later recorded wins (DESIGN.md §3). Levels never change, and each level's parent is a level above it,
so the level rule alone already rules out cycles; the cycle check below says so out loud.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from contracts.base import Event
from contracts.registry import Level, OrgDissolved, OrgMoved, OrgRegistered, OrgRenamed
from kit.errors import RuleBroken

PARENT_LEVELS: dict[Level, frozenset[Level]] = {
    Level.CENTRAL: frozenset(),
    Level.TERRITORIAL: frozenset({Level.CENTRAL}),
    Level.PRIMARY: frozenset({Level.TERRITORIAL, Level.CENTRAL}),
}
"""H1: the CC is the root; a territorial org sits under the CC; a primary org under a territorial org or the CC."""


@dataclass(frozen=True)
class Change:
    """One entry of a timeline: a value from a valid date, in recording order `seq`."""

    effective_on: date
    value: str | None
    seq: int


def value_on(timeline: tuple[Change, ...], day: date) -> str | None:
    """The timeline's value on a day: latest effective date wins, then the later recorded."""
    best: Change | None = None
    for change in timeline:
        if change.effective_on <= day and (best is None or (change.effective_on, change.seq) > (best.effective_on, best.seq)):
            best = change
    return None if best is None else best.value


@dataclass(frozen=True)
class Org:
    """One org's whole history."""

    org_id: str
    level: Level
    registered_on: date
    names: tuple[Change, ...]
    parents: tuple[Change, ...]
    dissolved_on: date | None = None

    def exists_on(self, day: date) -> bool:
        """Registered by then and not yet dissolved (an org dissolved on D no longer exists on D)."""
        return self.registered_on <= day and (self.dissolved_on is None or day < self.dissolved_on)

    def exists_throughout(self, start: date, end: date | None) -> bool:
        """Exists on every day of [start, end); `end` None means for ever after."""
        if self.registered_on > start:
            return False
        return self.dissolved_on is None or (end is not None and end <= self.dissolved_on)

    def name_on(self, day: date) -> str:
        return value_on(self.names, day) or ""

    def parent_on(self, day: date) -> str | None:
        return value_on(self.parents, day)

    def parent_until(self, day: date) -> date | None:
        """The first day after `day` on which a later-effective parent change takes over, or dissolution."""
        later = [c.effective_on for c in self.parents if c.effective_on > day]
        ends = later + ([self.dissolved_on] if self.dissolved_on else [])
        return min(ends) if ends else None


@dataclass(frozen=True)
class Tree:
    """Every org that was ever registered, with its history; `seq` counts the events recorded."""

    orgs: dict[str, Org]
    seq: int = 0

    def get(self, org_id: str | None) -> Org | None:
        return None if org_id is None else self.orgs.get(org_id)

    def existing(self, org_id: str, day: date, field: str) -> Org:
        """The org, which must exist on that day."""
        org = self.orgs.get(org_id)
        if org is None or not org.exists_on(day):
            raise RuleBroken("H1", f"no such org on {day.isoformat()}", field=field)
        return org

    def lineage(self, org_id: str, day: date) -> list[str]:
        """The org and its ancestors on a day, nearest first."""
        chain: list[str] = []
        current: str | None = org_id
        while current is not None and current not in chain:
            chain.append(current)
            org = self.orgs.get(current)
            current = org.parent_on(day) if org else None
        return chain

    def children_on(self, org_id: str, day: date) -> list[Org]:
        return [o for o in self.orgs.values() if o.exists_on(day) and o.parent_on(day) == org_id]


EMPTY = Tree(orgs={})


# --- decisions ----------------------------------------------------------------------------------


def _check_parent(tree: Tree, level: Level, parent_id: str | None, start: date, end: date | None, field: str) -> None:
    """H1 for a placement under `parent_id` on every day of [start, end)."""
    if level is Level.CENTRAL:
        if parent_id is not None:
            raise RuleBroken("H1", "the Central Committee has no parent", field=field)
        return
    parent = tree.get(parent_id)
    if parent is None:
        raise RuleBroken("H1", f"a {level} org needs a parent org", field=field)
    if parent.level not in PARENT_LEVELS[level]:
        allowed = " or ".join(sorted(PARENT_LEVELS[level]))
        raise RuleBroken("H1", f"a {level} org sits under a {allowed} org, not a {parent.level} one", field=field)
    if not parent.exists_throughout(start, end):
        raise RuleBroken("H1", f"the parent does not exist on every day from {start.isoformat()}", field=field)


def decide_register(tree: Tree, org_id: str, name: str, level: Level, parent_id: str | None, registered_on: date) -> list[Event]:
    """Registers an org where H1 allows it on every day from its registration on."""
    if org_id in tree.orgs:
        raise RuleBroken("H1", "this org is already registered", field="org_id")
    _check_parent(tree, level, parent_id, registered_on, None, "parent_id")
    if level is Level.CENTRAL:
        for other in tree.orgs.values():
            if other.level is Level.CENTRAL and (other.dissolved_on is None or other.dissolved_on > registered_on):
                raise RuleBroken("H1", "the union has one Central Committee", field="level")
    return [OrgRegistered(org_id=org_id, name=name, level=level, parent_id=parent_id, registered_on=registered_on)]


def decide_rename(tree: Tree, org_id: str, name: str, effective_on: date) -> list[Event]:
    """Renames an org that exists on the effective date."""
    org = tree.existing(org_id, effective_on, "org_id")
    if org.name_on(effective_on) == name:
        return []
    return [OrgRenamed(org_id=org_id, name=name, effective_on=effective_on)]


def decide_move(tree: Tree, org_id: str, parent_id: str, effective_on: date) -> list[Event]:
    """Moves an org under another parent from `effective_on` until its next move (or dissolution)."""
    org = tree.existing(org_id, effective_on, "org_id")
    previous = org.parent_on(effective_on)
    if previous == parent_id:
        return []
    until = org.parent_until(effective_on)
    _check_parent(tree, org.level, parent_id, effective_on, until, "parent_id")
    if org_id in tree.lineage(parent_id, effective_on):
        raise RuleBroken("H1", "an org cannot sit under itself or under an org below it", field="parent_id")
    return [OrgMoved(org_id=org_id, parent_id=parent_id, previous_parent_id=previous, effective_on=effective_on)]


def decide_dissolve(tree: Tree, org_id: str, effective_on: date, reason: str) -> list[Event]:
    """Dissolves an org from `effective_on`, once no org sits under it on any day from then on."""
    org = tree.existing(org_id, effective_on, "org_id")
    if effective_on <= org.registered_on:
        raise RuleBroken("H1", "an org is dissolved after the day it was registered", field="effective_on")
    for other in tree.orgs.values():
        if other.org_id != org_id and _sits_under_from(other, org_id, effective_on):
            raise RuleBroken(
                "H1", "orgs still sit under it on or after that date: move or dissolve them first", field="effective_on"
            )
    return [OrgDissolved(org_id=org_id, effective_on=effective_on, reason=reason)]


def _sits_under_from(org: Org, parent_id: str, day: date) -> bool:
    """Whether `org` has `parent_id` as its parent on any day from `day` while it exists."""
    days = {day} | {c.effective_on for c in org.parents if c.effective_on > day}
    return any(org.exists_on(d) and org.parent_on(d) == parent_id for d in days)


# --- evolution ----------------------------------------------------------------------------------


def evolve(tree: Tree, event: Event) -> Tree:
    """The tree after one more of its events."""
    return evolve_all(tree, (event,))


def evolve_all(tree: Tree, events: Iterable[Event]) -> Tree:
    """The tree after its next events: the map of orgs is copied once for them all, not once per event (folding a
    hundred thousand orgs' events one copy each is quadratic)."""
    orgs = dict(tree.orgs)
    return Tree(orgs, grow(orgs, tree.seq, events))


def grow(orgs: dict[str, Org], seq: int, events: Iterable[Event]) -> int:
    """Applies the events to a map of orgs the caller owns, in place; the tree's `seq` after them."""
    for event in events:
        seq += 1
        match event:
            case OrgRegistered():
                orgs[event.org_id] = Org(
                    org_id=event.org_id,
                    level=event.level,
                    registered_on=event.registered_on,
                    names=(Change(event.registered_on, event.name, seq),),
                    parents=(Change(event.registered_on, event.parent_id, seq),),
                )
            case OrgRenamed():
                old = orgs[event.org_id]
                orgs[event.org_id] = replace(old, names=(*old.names, Change(event.effective_on, event.name, seq)))
            case OrgMoved():
                old = orgs[event.org_id]
                orgs[event.org_id] = replace(old, parents=(*old.parents, Change(event.effective_on, event.parent_id, seq)))
            case OrgDissolved():
                orgs[event.org_id] = replace(orgs[event.org_id], dissolved_on=event.effective_on)
    return seq


# --- snapshots ----------------------------------------------------------------------------------


def encode(tree: Tree) -> dict[str, Any]:
    """The tree as JSON, for a snapshot."""

    def timeline(changes: tuple[Change, ...]) -> list[list[Any]]:
        return [[c.effective_on.isoformat(), c.value, c.seq] for c in changes]

    return {
        "seq": tree.seq,
        "orgs": [
            [
                o.org_id,
                o.level.value,
                o.registered_on.isoformat(),
                timeline(o.names),
                timeline(o.parents),
                o.dissolved_on.isoformat() if o.dissolved_on else None,
            ]
            for o in tree.orgs.values()
        ],
    }


def decode(data: dict[str, Any]) -> Tree:
    """A tree from a snapshot."""

    def timeline(rows: list[list[Any]]) -> tuple[Change, ...]:
        return tuple(Change(date.fromisoformat(d), v, s) for d, v, s in rows)

    orgs = {
        oid: Org(
            oid,
            Level(level),
            date.fromisoformat(reg),
            timeline(names),
            timeline(parents),
            date.fromisoformat(dis) if dis else None,
        )
        for oid, level, reg, names, parents, dis in data["orgs"]
    }
    return Tree(orgs=orgs, seq=data["seq"])
