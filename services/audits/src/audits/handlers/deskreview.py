"""C1: the CC plans the desk review of every structural org in one step, and follows its progress over the tree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.audits import ChecklistItem, GetDeskReview, PlanDeskReview, RescheduleDeskReview
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Batch, Committed, EventStore, Fold
from mirrors.treemirror import orgs_on

from ..domain import deskreview
from ..queries.compliance import verdicts_of
from ..tables import TREE, audits, desk_reviews

REVIEW = Fold(deskreview.NONE, deskreview.evolve)


def counts(statuses: Iterable[str]) -> dict[str, int]:
    """How many audits are done, due and overdue."""
    found = Counter(statuses)
    return {s: found[s] for s in ("done", "due", "overdue")}


def review_stream(cc: str, year: int) -> str:
    return f"desk-review-{cc}:{year}"


class DeskReviewHandlers:
    """Plan the desk review; show its progress."""

    def __init__(self, store: EventStore, engine: AsyncEngine) -> None:
        self.store, self.engine = store, engine

    async def plan_desk_review(self, c: PlanDeskReview, ctx: Context) -> Committed:
        """An audit of every territorial and primary org under the CC on the day, each started with its checklist."""
        day = c.planned_on or ctx.today
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "audit", c.org_id)
            tree = await orgs_on(conn, TREE, day, ctx.today)
            level = tree.levels[c.org_id] if tree.exists(c.org_id) else None
            orgs = [o for o in tree.subtree(c.org_id) if o != c.org_id] if level == "central" else []
            found = await verdicts_of(conn, tree, orgs)
        stream = review_stream(c.org_id, day.year)
        current, version = await self.store.load(stream, REVIEW)
        checklists = {
            o: (new_id(), [ChecklistItem(rule=v.rule, status=v.status, detail=v.detail, detail_ru=v.detail_ru) for v in found[o]])
            for o in orgs
        }
        desk_review_id = new_id()
        planned = current.planned_on is not None
        review, started = deskreview.decide_plan(planned, level, desk_review_id, c.org_id, day, c.due_on, ctx.today, checklists)
        batches = [Batch(stream, review, version), *(Batch(f"audit-{a}", events, 0) for a, events in started.items())]
        data = {"id": desk_review_id, "org_id": c.org_id, "audits": len(started)}
        return await self.store.append_batch(batches, meta=ctx.meta, data=data)

    async def reschedule_desk_review(self, c: RescheduleDeskReview, ctx: Context) -> Committed:
        """Moves the day the year's review is due by; the CC's auditors only."""
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "audit", c.org_id)
        stream = review_stream(c.org_id, c.year)
        current, version = await self.store.load(stream, REVIEW)
        events = deskreview.decide_reschedule(current, c.year, c.due_on)
        data = {"id": current.desk_review_id, "due_on": c.due_on.isoformat()}
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data=data)

    async def get_desk_review(self, q: GetDeskReview, ctx: Context) -> dict[str, Any]:
        """The year's desk review over the org's part of the union today: each audit done, due or overdue (an org
        dissolved since keeps its audit), the counts under each of the org's children, and the structural orgs the
        review does not cover (registered or moved in since)."""
        async with self.engine.connect() as conn:
            tree = await orgs_on(conn, TREE, ctx.today, ctx.today)
            tree.require(ctx.actor, "read_orgs", q.org_id)
            r = desk_reviews.c
            review = (await conn.execute(select(desk_reviews).where(r.by_org_id == tree.central(), r.year == q.year))).first()
            if review is None:
                return {"org_id": q.org_id, "year": q.year, "planned": False, **counts(()), "children": [], "audits": []}
            a, o = audits.c, TREE.orgs.c
            rows = await conn.execute(
                select(a.audit_id, a.org_id, a.completed_on, a.score, o.level)
                .join(TREE.orgs, o.org_id == a.org_id)
                .where(a.desk_review_id == review.desk_review_id)
            )
            # each audited org's lineage today, walked once: it picks the rows shown and the counts under each child
            above = {row.audit_id: (row, set(tree.reach(row.org_id))) for row in rows}
            shown = [row for row, lineage in above.values() if q.org_id in lineage]
        status = {
            row.audit_id: deskreview.progress(row.completed_on, review.due_on, ctx.today, tree.exists(row.org_id))
            for row in shown
        }
        covered = {row.org_id for row in shown}
        uncovered = [x for x in tree.subtree(q.org_id) if tree.levels[x] != "central" and x not in covered]
        return {
            "org_id": q.org_id,
            "year": q.year,
            "planned": True,
            "desk_review_id": review.desk_review_id,
            "planned_on": review.planned_on.isoformat(),
            "due_on": review.due_on.isoformat(),
            **counts(status.values()),
            "children": [
                {"org_id": child, **counts(status[row.audit_id] for row in shown if child in above[row.audit_id][1])}
                for child in tree.children(q.org_id)
            ],
            "not_covered": uncovered,
            "audits": [
                {
                    "audit_id": row.audit_id,
                    "org_id": row.org_id,
                    "level": row.level,
                    "parent_id": tree.places.get(row.org_id),
                    "status": status[row.audit_id],
                    "completed_on": row.completed_on and row.completed_on.isoformat(),
                    "score": row.score,
                }
                for row in sorted(shown, key=lambda row: row.org_id)
            ],
        }
