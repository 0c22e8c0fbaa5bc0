"""C1: the CC records the yearly review of information work by its elected body."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.audits import ListReviews, RecordReview
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore
from mirrors.treemirror import orgs_on

from ..domain import reviews
from ..tables import TREE
from ..tables import reviews as reviews_table


class ReviewHandlers:
    """Record and list the CC's reviews."""

    def __init__(self, store: EventStore, engine: AsyncEngine) -> None:
        self.store, self.engine = store, engine

    async def record_review(self, c: RecordReview, ctx: Context) -> Committed:
        """Records a review; CC staff only, as it is the CC's fact."""
        on = c.on or ctx.today
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "report_facts", c.org_id)
            then = await orgs_on(conn, TREE, on, ctx.today)
        level = then.levels[c.org_id] if then.exists(c.org_id) else None
        review_id = new_id()
        events = reviews.decide_review(review_id, c.org_id, level, on, ctx.today, c.body, c.decision)
        return await self.store.append(
            f"review-{review_id}", events, expected_version=0, meta=ctx.meta, data={"review_id": review_id}
        )

    async def list_reviews(self, q: ListReviews, ctx: Context) -> list[dict[str, Any]]:
        """The org's reviews, newest first."""
        r = reviews_table.c
        async with self.engine.connect() as conn:
            (await orgs_on(conn, TREE, ctx.today, ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            rows = await conn.execute(select(reviews_table).where(r.org_id == q.org_id).order_by(r.on.desc(), r.review_id))
        return [{**row._mapping, "on": row.on.isoformat()} for row in rows]
