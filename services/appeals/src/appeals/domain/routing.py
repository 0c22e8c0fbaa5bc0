"""Where a member's appeal goes (D1: help from any level): the member's own org by default, or an org above it."""

from __future__ import annotations

from collections.abc import Sequence

from kit.errors import RuleBroken


def addressee(lineage: Sequence[str], to_org_id: str | None) -> str:
    """The org that takes the appeal: `to_org_id` if it is the member's org or one above it, else the member's org.
    `lineage` is the member's org today, then its parent, up to the CC."""
    if not lineage:
        raise RuleBroken("D1", "the member belongs to no org today", field="person_id")
    if to_org_id is None:
        return lineage[0]
    if to_org_id not in lineage:
        raise RuleBroken("D1", "an appeal goes to the member's org or an org above it", field="to_org_id")
    return to_org_id
