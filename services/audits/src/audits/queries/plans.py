"""P8: an org's quarterly plans and reports, and the primary orgs of a subtree without a plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.audits import ListMissingPlans, ListPlans
from kit.rpc import Context

from ..domain.periods import bounds
from ..tables import plans
from .compliance import tree_for


class PlanQueries:
    """The read side of plans."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def list_plans(self, q: ListPlans, ctx: Context) -> list[dict[str, Any]]:
        """The org's plans, newest quarter first."""
        async with self.engine.connect() as conn:
            await tree_for(conn, ctx.actor, q.org_id, ctx.today, ctx.today)
            p = plans.c
            # each quarter's plan as its latest event left it (the table keeps one row per event, for `known_on`)
            latest = select(plans).where(p.org_id == q.org_id).order_by(p.quarter.desc(), p.position.desc())
            rows = await conn.execute(latest.ext(distinct_on(p.quarter)))
            return [
                {
                    "org_id": r.org_id,
                    "quarter": r.quarter,
                    "submitted_on": r.submitted_on.isoformat(),
                    "items": r.items,
                    "reported_on": r.reported_on.isoformat() if r.reported_on else None,
                    "summary": r.summary,
                }
                for r in rows
            ]

    async def list_missing_plans(self, q: ListMissingPlans, ctx: Context) -> list[dict[str, Any]]:
        """Primary orgs of the subtree, existing on the quarter's first day, with no plan for it."""
        first = bounds(q.quarter)[0]
        async with self.engine.connect() as conn:
            tree = await tree_for(conn, ctx.actor, q.org_id, min(first, ctx.today), ctx.today)
            primaries = [o for o in tree.within(ctx.actor, "read_orgs", tree.subtree(q.org_id)) if tree.levels[o] == "primary"]
            p = plans.c
            planned = set((await conn.execute(select(p.org_id).where(p.quarter == q.quarter, p.org_id.in_(primaries)))).scalars())
        return [{"org_id": o, "parent_id": tree.parents[o], "quarter": q.quarter} for o in primaries if o not in planned]
