"""The registry's command handlers: load the tree, check access, decide, append."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any

from contracts.envelope import ErrorCode, ErrorDetail
from contracts.registry import ChangeOrg, DissolveOrg, RegisterOrg, ReportHeadcount
from kit.access import permits, require
from kit.errors import Refused, invalid, not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Batch, Committed, EventStore, Fold, VersionConflict

from ..domain import headcount, reach, tree
from ..domain.tree import Tree
from .desk import Desk, writing

TREE = "union-tree"
"""Every change to the tree's shape goes to this one stream, so H1 is checked against one consistent tree."""

TREE_FOLD = Fold(tree.EMPTY, tree.evolve, tree.encode, tree.decode, snapshot_every=500, cached=True, evolve_all=tree.evolve_all)


def tree_turn(store: EventStore) -> AbstractAsyncContextManager[Desk[Tree]]:
    """The tree in its writers' turn, across every replica: a command that changes the tree loads, decides and appends
    in it, so it never loses a race, and is never answered 409 for one however many write at once (issue 35, `desk`)."""
    return writing(store, TREE, TREE_FOLD)


def reach_today(t: Tree, org_id: str, today: date, field: str = "org_id") -> list[str]:
    """The org and its ancestors today, whatever day the request is about (DESIGN.md §5: the subtree is today's);
    404 if the org was never registered."""
    if t.get(org_id) is None:
        raise not_found("org", field=field)
    return reach.reach(t, org_id, today)


def require_past_held(ctx: Context, t: Tree, org_id: str, parents: list[str], day: date, change: str) -> None:
    """A change of an org's place dated `day` rewrites the past of every org it sat under over the days it covers
    (their children, sums, compliance and KPI then): the actor must hold each of them today (§5: today's tree), as
    holding the org itself today gives no say over another org's history."""
    for parent in parents:
        if not permits(ctx.actor, "report_facts", reach.reach(t, parent, ctx.today)):
            message = (
                f"{change} from {day.isoformat()} would rewrite the history of org {parent}, which org {org_id} sat under "
                "then; only a user who holds that org today may do it"
            )
            detail = ErrorDetail(field="effective_on", rule="history_held_today", message=message)
            raise Refused(ErrorCode.FORBIDDEN, message, [detail])


async def on_the_kept_tree(store: EventStore, attempt: Callable[[Tree, Batch], Coroutine[Any, Any, Committed]]) -> Committed:
    """Runs `attempt` on the tree as last loaded, without reading it (a read a command), its append guarded by the
    tree's version: `attempt` appends the `Batch` of no events it is given. If the tree moved since, here or in
    another replica, or the kept tree refused (an org registered since), it runs again on the tree read afresh, in the
    tree's turn: the tree cannot move under it then, so the second attempt never loses a race."""
    kept = store.kept(TREE, TREE_FOLD)
    if kept is not None:
        try:
            return await attempt(kept[0], Batch(TREE, [], expected_version=kept[1]))
        except (VersionConflict, Refused):
            pass
    async with tree_turn(store) as desk:
        t, version = await desk.load()
        confirmed = desk.confirm(attempt(t, Batch(TREE, [], expected_version=version)))
    return await confirmed


class Handlers:
    """Commands of the registry."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def register_org(self, c: RegisterOrg, ctx: Context) -> Committed:
        """Registers an org under a parent (H1), from `registered_on` (default today)."""
        org_id, day = new_id(), c.registered_on or ctx.today
        async with tree_turn(self.store) as desk:
            t, version = await desk.load()
            if c.parent_id is not None and t.get(c.parent_id) is None:
                raise not_found("parent org", field="parent_id")
            above = reach_today(t, c.parent_id, ctx.today, "parent_id") if c.parent_id else []
            require(ctx.actor, "shape_tree", [org_id, *above])
            events = tree.decide_register(t, org_id, c.name, c.level, c.parent_id, day)
            data = {
                "id": org_id,
                "name": c.name,
                "level": c.level.value,
                "parent_id": c.parent_id,
                "registered_on": day.isoformat(),
            }
            appended = desk.append(events, expected_version=version, meta=ctx.meta, data=data)
        return await appended

    async def change_org(self, c: ChangeOrg, ctx: Context) -> Committed:
        """Renames and/or moves an org from `effective_on` (default today); both or neither are recorded."""
        if c.name is None and c.parent_id is None:
            raise invalid("name", "give a new name or a new parent_id", rule="required")
        day = c.effective_on or ctx.today
        async with tree_turn(self.store) as desk:
            t, version = await desk.load()
            events = []
            if c.name is not None:
                # a name's history is the org's own: no other org's children, sums or verdicts change with it
                require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
                events += tree.decide_rename(t, c.org_id, c.name, day)
            if c.parent_id is not None:
                # both the org and its new parent must be inside the actor's subtree today
                require(ctx.actor, "shape_tree", reach_today(t, c.org_id, ctx.today))
                if t.get(c.parent_id) is None:
                    raise not_found("parent org", field="parent_id")
                require(ctx.actor, "report_facts", reach_today(t, c.parent_id, ctx.today, "parent_id"))
                org = t.orgs[c.org_id]
                left = [p for p in reach.parents_over(org, day, org.parent_until(day)) if p != c.parent_id]
                require_past_held(ctx, t, c.org_id, left, day, "a move")
                events += tree.decide_move(t, c.org_id, c.parent_id, day)
            data = {"id": c.org_id, "effective_on": day.isoformat(), "changed": len(events)}
            appended = desk.append(events, expected_version=version, meta=ctx.meta, data=data)
        return await appended

    async def dissolve_org(self, c: DissolveOrg, ctx: Context) -> Committed:
        """Dissolves an org with nothing under it, from `effective_on`."""
        async with tree_turn(self.store) as desk:
            t, version = await desk.load()
            require(ctx.actor, "shape_tree", reach_today(t, c.org_id, ctx.today))
            if (org := t.orgs.get(c.org_id)) is not None:  # a past dissolution takes the org out of each parent's since
                parents = reach.parents_over(org, c.effective_on, None)
                require_past_held(ctx, t, c.org_id, parents, c.effective_on, "a dissolution")
            events = tree.decide_dissolve(t, c.org_id, c.effective_on, c.reason)
            data = {"id": c.org_id, "effective_on": c.effective_on.isoformat()}
            appended = desk.append(events, expected_version=version, meta=ctx.meta, data=data)
        return await appended

    async def report_headcount(self, c: ReportHeadcount, ctx: Context) -> Committed:
        """Records a primary org's membership as of a date (default today)."""
        day = c.as_of or ctx.today
        t, _ = await self.store.load(TREE, TREE_FOLD)
        # a past headcount is the org's own fact, kept by whoever holds the org today, history included (§5), as its
        # budgets and officers are; a former parent's sums follow it as they follow any correction, whereas a move
        # rewrites which orgs the former parent had, so a move asks for the former parent too
        require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
        events = headcount.decide_report(t, c.org_id, c.members, day)
        data = {"org_id": c.org_id, "members": c.members, "as_of": day.isoformat()}
        return await self.store.append(f"headcount-{c.org_id}", events, expected_version=None, meta=ctx.meta, data=data)
