"""How far a material got (X6), as far as the asker may see (DESIGN.md §5, on today's tree): the recipients inside
their subtree, and wherever an org of their subtree sent it (a primary org follows its material up to its parent);
of a cascade sent from elsewhere, only the share meant for their subtree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Text, and_, any_, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.exchange import ListDeliveries, Route
from kit.access import permits
from kit.tokens import Actor
from mirrors.treemirror import KeptTrees, Orgs

from ..domain.routing import Tree, chosen_subtrees
from ..handlers.common import routing_tree
from ..tables import deliveries
from . import pages


def sees_all(actor: Actor) -> bool:
    """Whether the actor reads every delivery wherever it went (admin, a service)."""
    return permits(actor, "read_material", [])


def mine(orgs: Orgs, actor: Actor) -> ColumnElement[bool]:
    """The deliveries the actor may see, as SQL: sent from an org of their subtree, or to one (an outside party's
    deliveries only by the first)."""
    if sees_all(actor):
        return true()
    # every org whose place today §5 lets them read: the same test `Orgs.may` makes of one org, made of all of them
    own = literal(orgs.within(actor, "read_material", orgs.places), ARRAY(Text))
    d = deliveries.c
    return or_(d.from_org_id == any_(own), and_(d.recipient_kind == "org", d.org_id == any_(own)))


def _own(orgs: Orgs, actor: Actor, org_id: str) -> bool:
    return orgs.may(actor, "read_material", org_id)


def _sent_by_own(orgs: Orgs, actor: Actor, r: Any) -> bool:
    return _own(orgs, actor, r.from_org_id)


def meant_for(tree: Tree, sender: str, to: Sequence[str] | None) -> list[str]:
    """Every org a cascade run was for (X1), as the runner worked it out on the run's day."""
    if not to:
        return tree.below(sender)
    return chosen_subtrees(tree, to)


async def expected(trees: KeptTrees, actor: Actor, orgs: Orgs, runs: Sequence[Any]) -> int:
    """How many orgs the cascades were for: all of those sent from the actor's subtree (`orgs`: today's tree), and of
    the others the share meant for it."""
    if sees_all(actor):
        return sum(r.targets or 0 for r in runs)
    count = 0
    for r in runs:
        if _sent_by_own(orgs, actor, r):
            count += r.targets or 0
            continue
        tree = await trees.on(r.on, orgs.day)
        count += len(tree.within(actor, "read_material", meant_for(routing_tree(tree), r.from_org_id, r.to)))
    return count


async def figures(conn: AsyncConnection, material_id: str, seen: ColumnElement[bool]) -> Any:
    """How far the material got among every delivery the actor sees, counted in SQL (a page shows only some)."""
    d = deliveries.c
    org = d.recipient_kind == "org"
    unread = and_(org, d.acknowledged_at.is_(None))
    stmt = select(
        func.count().label("recipients"),
        func.count().filter(org).label("reached"),
        func.count().filter(and_(org, d.acknowledged_at.is_not(None))).label("acknowledged"),
        func.count().filter(and_(org, d.cascade_id.is_(None))).label("direct"),
        func.count().filter(and_(unread, d.route != Route.FORWARD.value)).label("to_remind"),
        func.max(d.delivered_at).filter(org).label("last"),
    ).where(d.material_id == material_id, seen)
    return (await conn.execute(stmt)).one()


async def recipients(conn: AsyncConnection, q: ListDeliveries, seen: ColumnElement[bool]) -> list[Any]:
    """One page of the deliveries the actor sees, in the order they were reached; `unread`: the orgs yet to read it."""
    d = deliveries.c
    stmt = select(deliveries).where(d.material_id == q.material_id, seen)
    if q.cursor is not None:
        found = select(d.delivered_at, d.org_id).where(d.material_id == q.material_id, d.org_id == q.cursor, seen)
        at = await pages.place(conn, found, "this material's deliveries you may see")
        stmt = stmt.where(pages.after(d.delivered_at, d.org_id, at, newest_first=False))
    if q.unread:
        stmt = stmt.where(d.recipient_kind == "org", d.acknowledged_at.is_(None))
    return list((await conn.execute(pages.ordered(stmt, d.delivered_at, d.org_id, False, q.limit))).all())


def summary(material_id: str, rows: Sequence[Any], counted: Any, expected_by_runs: int, sent: Any) -> dict[str, Any]:
    """A page of the deliveries shown, and the progress figures over all of them (`counted`: `figures`)."""
    expected_orgs = max(counted.reached, expected_by_runs + counted.direct)
    last = counted.last
    return {
        "material_id": material_id,
        "recipients": [_delivery(r) for r in rows],
        "recipients_total": counted.recipients,
        "orgs_expected": expected_orgs,
        "orgs_reached": counted.reached,
        "orgs_acknowledged": counted.acknowledged,
        "orgs_to_remind": counted.to_remind,
        "share_reached": None if not expected_orgs else counted.reached / expected_orgs,
        "seconds_to_last": None if last is None or sent is None else (last - sent).total_seconds(),
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
