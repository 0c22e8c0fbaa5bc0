"""Where a person belongs when access is decided (DESIGN.md §5): the org of their membership today, read off the
dated timeline of their admissions, transfers and leavings, whatever order those were recorded in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Membership:
    """One dated step of a person's membership: in `org_id` from `effective_on`, or out of the union (None)."""

    effective_on: date
    position: int
    """The registry's ledger position: of two steps valid the same day, the later recorded wins."""
    org_id: str | None


def org_today(timeline: Iterable[Membership], today: date) -> str | None:
    """The org of the membership in force today; not a member today, the last one before; none yet, the first to come."""
    joined = [m for m in timeline if m.org_id is not None]
    past = [m for m in joined if m.effective_on <= today]
    if past:
        return max(past, key=lambda m: (m.effective_on, m.position)).org_id
    coming = min(joined, key=lambda m: (m.effective_on, -m.position), default=None)
    return coming.org_id if coming else None
