"""How far a material got (X6), as far as the asker may see (DESIGN.md §5, on today's tree): the recipients inside
their subtree, and wherever an org of their subtree sent it (a primary org follows its material up to its parent);
of a cascade sent from elsewhere, only the share meant for their subtree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kit.access import permits
from kit.tokens import Actor
from mirrors.treemirror import Orgs

from ..domain.routing import Tree, chosen_subtrees
from ..handlers.common import orgs_on, routing_tree


def sees_all(actor: Actor) -> bool:
    """Whether the actor reads every delivery wherever it went (admin, a service)."""
    return permits(actor, "read_material", [])


def visible(orgs: Orgs, actor: Actor, rows: Sequence[Any]) -> list[Any]:
    """The deliveries the actor may see: sent from an org of their subtree, or to one."""
    if sees_all(actor):
        return list(rows)
    return [r for r in rows if _sent_by_own(orgs, actor, r) or (r.recipient_kind == "org" and _own(orgs, actor, r.org_id))]


def _own(orgs: Orgs, actor: Actor, org_id: str) -> bool:
    return orgs.may(actor, "read_material", org_id)


def _sent_by_own(orgs: Orgs, actor: Actor, r: Any) -> bool:
    return _own(orgs, actor, r.from_org_id)


def meant_for(tree: Tree, sender: str, to: Sequence[str] | None) -> list[str]:
    """Every org a cascade run was for (X1), as the runner worked it out on the run's day."""
    if not to:
        return tree.below(sender)
    return chosen_subtrees(tree, to)


async def expected(conn: AsyncConnection, actor: Actor, orgs: Orgs, runs: Sequence[Any]) -> int:
    """How many orgs the cascades were for: all of those sent from the actor's subtree (`orgs`: today's tree), and of
    the others the share meant for it."""
    if sees_all(actor):
        return sum(r.targets or 0 for r in runs)
    trees: dict[date, Orgs] = {}
    count = 0
    for r in runs:
        if _sent_by_own(orgs, actor, r):
            count += r.targets or 0
            continue
        if r.on not in trees:
            trees[r.on] = await orgs_on(conn, r.on, orgs.day)
        tree = trees[r.on]
        count += len(tree.within(actor, "read_material", meant_for(routing_tree(tree), r.from_org_id, r.to)))
    return count


def summary(material_id: str, rows: Sequence[Any], expected_by_runs: int, sent: Any) -> dict[str, Any]:
    """The deliveries shown and the progress figures computed from them alone."""
    orgs = [r for r in rows if r.recipient_kind == "org"]
    expected_orgs = max(len(orgs), expected_by_runs + sum(1 for r in orgs if r.cascade_id is None))
    last = max((r.delivered_at for r in orgs), default=None)
    return {
        "material_id": material_id,
        "recipients": [_delivery(r) for r in rows],
        "orgs_expected": expected_orgs,
        "orgs_reached": len(orgs),
        "orgs_acknowledged": sum(1 for r in orgs if r.acknowledged_at),
        "share_reached": None if not expected_orgs else len(orgs) / expected_orgs,
        "seconds_to_last": None if last is None or sent is None else (last - sent).total_seconds(),
        "not_acknowledged": sorted(r.org_id for r in orgs if r.acknowledged_at is None),
    }


def _delivery(r: Any) -> dict[str, Any]:
    return {
        "recipient": r.org_id,
        "recipient_kind": r.recipient_kind,
        "route": r.route,
        "held_for_review": r.held,
        "delivered_at": r.delivered_at.isoformat(),
        "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
    }
