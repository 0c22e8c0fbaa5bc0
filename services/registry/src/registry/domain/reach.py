"""Where an org or a person stands today: the one thing that decides who may act on or see them (DESIGN.md §5).

A request's date (`as_of`, `effective_on`, `since`, `known_on`) chooses which facts are shown or changed; it never
moves an org or a person into another subtree's reach. So an org's place is its parent today — a dissolved org keeps
its last parent, an org registered after today its first — and a person belongs to the org of their membership today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from .tree import Change, Org, Tree


def place_today(org: Org, today: date) -> str | None:
    """The org's parent today: its last one if dissolved, its first one if registered after today."""
    return org.parent_on(max(today, org.registered_on))


def chain(org_id: str, parent_of: Callable[[str], str | None]) -> list[str]:
    """The org and its ancestors by `parent_of`, nearest first (a cycle, never recorded, would stop the walk)."""
    found: list[str] = []
    current: str | None = org_id
    while current is not None and current not in found:
        found.append(current)
        current = parent_of(current)
    return found


def reach(tree: Tree, org_id: str, today: date) -> list[str]:
    """The org and its ancestors today, nearest first: the lineage every access check reads."""

    def parent_of(oid: str) -> str | None:
        org = tree.get(oid)
        return place_today(org, today) if org else None

    return chain(org_id, parent_of)


def parents_over(org: Org, start: date, end: date | None) -> list[str]:
    """Every org the org sat directly under on some day of [start, end) while it existed, earliest first: the orgs
    whose past a change of its place over those days rewrites (their children and sums then). Their own ancestors
    change only through them (a territorial org sits under the CC alone, H1), so holding them is enough."""
    later = sorted(c.effective_on for c in org.parents if c.effective_on > start and (end is None or c.effective_on < end))
    found: list[str] = []
    for day in (start, *later):
        parent = org.parent_on(day) if org.exists_on(day) else None
        if parent is not None and parent not in found:
            found.append(parent)
    return found


def reach_by_places(places: Mapping[str, str | None], org_id: str) -> list[str]:
    """The org and its ancestors from a map of every org's parent today (a read model's answer)."""
    return chain(org_id, places.get)


def home_today(memberships: Iterable[Change], today: date) -> str | None:
    """The org a person belongs to today: of their membership today; if none, of their last before today (they
    left); else of their first (admitted from a later date); None if never a member."""
    ordered = sorted(memberships, key=lambda c: (c.effective_on, c.seq))
    current = [c for c in ordered if c.effective_on <= today]
    if current and current[-1].value:
        return current[-1].value
    before = [c.value for c in current if c.value]
    if before:
        return before[-1]
    return next((c.value for c in ordered if c.value), None)
