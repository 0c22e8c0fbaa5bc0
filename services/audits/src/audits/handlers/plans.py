"""P8 commands: an org adopts its quarter's information-work plan and reports on it."""

from __future__ import annotations

from contracts.audits import ReportOnPlan, SubmitPlan
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold
from mirrors.treemirror import orgs_on

from ..domain import plans
from ..tables import TREE

PLAN_FOLD = Fold(plans.NONE, plans.evolve)


def plan_stream(org_id: str, quarter: str) -> str:
    return f"plan-{org_id}:{quarter}"


class PlanHandlers:
    """The plan commands; staff report them like any other fact of their org."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def submit_plan(self, c: SubmitPlan, ctx: Context) -> Committed:
        """Adopts (or replaces) an org's plan for a quarter."""
        day = c.submitted_on or ctx.today
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "report_facts", c.org_id)
            exists = (await orgs_on(conn, TREE, day, ctx.today)).exists(c.org_id)
        events = plans.decide_submit(exists, c.org_id, c.quarter, day, c.items)
        data = {"org_id": c.org_id, "quarter": c.quarter}
        return await self.store.append(plan_stream(c.org_id, c.quarter), events, expected_version=None, meta=ctx.meta, data=data)

    async def report_on_plan(self, c: ReportOnPlan, ctx: Context) -> Committed:
        """Reports on an adopted plan."""
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "report_facts", c.org_id)
        stream = plan_stream(c.org_id, c.quarter)
        plan, version = await self.store.load(stream, PLAN_FOLD)
        events = plans.decide_report(plan, c.org_id, c.quarter, c.reported_on or ctx.today, c.summary, ctx.today)
        data = {"org_id": c.org_id, "quarter": c.quarter}
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data=data)
