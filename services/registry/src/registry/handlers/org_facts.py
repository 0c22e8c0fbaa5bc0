"""Commands about facts an org records: youth councils (H1), budgets (M1, K2), agreement clauses (S1)."""

from __future__ import annotations

from contracts.officers import DisbandYouthCouncil, FormYouthCouncil
from contracts.org_facts import AdoptBudget, RecordClauses
from kit.access import require
from kit.errors import not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold

from ..domain import org_facts
from .tree import TREE, TREE_FOLD, reach_today

COUNCIL_FOLD = Fold(org_facts.NO_COUNCIL, org_facts.evolve_council)


def council_stream(council_id: str) -> str:
    return f"youth-council-{council_id}"


class FactHandlers:
    """Commands about youth councils, budgets and agreement clauses."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def form_youth_council(self, c: FormYouthCouncil, ctx: Context) -> Committed:
        """Attaches a youth council to an org from `formed_on` (default today)."""
        day, council_id = c.formed_on or ctx.today, new_id()
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
        events = org_facts.decide_form(t, council_id, c.org_id, c.name, day)
        data = {"id": council_id, "org_id": c.org_id, "formed_on": day.isoformat()}
        return await self.store.append(council_stream(council_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def disband_youth_council(self, c: DisbandYouthCouncil, ctx: Context) -> Committed:
        """Ends a youth council from `effective_on`."""
        council, version = await self.store.load(council_stream(c.council_id), COUNCIL_FOLD)
        if not council.council_id:
            raise not_found("youth council", field="council_id")
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, council.org_id, ctx.today))
        events = org_facts.decide_disband(council, c.effective_on, c.reason)
        data = {"id": c.council_id, "effective_on": c.effective_on.isoformat()}
        return await self.store.append(council_stream(c.council_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def adopt_budget(self, c: AdoptBudget, ctx: Context) -> Committed:
        """Records (or restates) an org's budget for a year."""
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
        events = org_facts.decide_budget(t, c.org_id, c.year, c.total, c.information)
        data = {"org_id": c.org_id, "year": c.year, "total": str(c.total), "information": str(c.information)}
        stream = f"budget-{c.org_id}"
        return await self.store.append(stream, events, expected_version=None, meta=ctx.meta, data=data)

    async def record_clauses(self, c: RecordClauses, ctx: Context) -> Committed:
        """Records which information clauses (S1) an org's agreement holds from `effective_on`."""
        day = c.effective_on or ctx.today
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
        events = org_facts.decide_clauses(t, c.org_id, list(c.clauses), day)
        data = {"org_id": c.org_id, "clauses": sorted(int(x) for x in c.clauses), "effective_on": day.isoformat()}
        stream = f"agreement-{c.org_id}"
        return await self.store.append(stream, events, expected_version=None, meta=ctx.meta, data=data)
