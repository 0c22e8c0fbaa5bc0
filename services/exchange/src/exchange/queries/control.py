"""The moderation queue (H2): what waits below an org for a decision on publication, before or after it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.exchange import ListModerationQueue
from kit.access import require
from kit.errors import not_found
from kit.rpc import Context
from mirrors.treemirror import KeptTrees

from ..domain import control
from ..tables import decisions, materials
from .materials import material_row


class ControlQueries:
    """The exchange's H2 query verbs."""

    def __init__(self, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.engine, self.trees = engine, trees

    async def list_moderation_queue(self, q: ListModerationQueue, ctx: Context) -> list[dict[str, Any]]:
        """Materials of the orgs below `org_id` today that wait for approval (`before_publication`) or were published and
        wait for review (`after_publication`), oldest first; `moderator_id` is the author's parent today. For the staff of
        the org and of the orgs above it (§5: moderation of materials of orgs strictly below the user's root)."""
        d = decisions.c
        since = (
            select(d.material_id, func.max(d.at).label("waiting_since"))
            .where(d.decision.in_(("requested", "published")))
            .group_by(d.material_id)
            .subquery()
        )
        stmt = (
            select(materials, since.c.waiting_since)
            .join(since, since.c.material_id == materials.c.material_id)
            .where(materials.c.moderation.in_(tuple(control.WAITING)))
            .order_by(since.c.waiting_since, materials.c.material_id)
        )
        async with self.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            if not orgs.exists(q.org_id):
                raise not_found(f"org on {ctx.today.isoformat()}", field="org_id")
            require(ctx.actor, "moderate", [control.BELOW, *orgs.reach(q.org_id)])
            rows = (await conn.execute(stmt)).all()
        queue = []
        for r in rows:
            lineage = orgs.reach(r.org_id)
            if control.in_queue_of(q.org_id, lineage):
                queue.append(
                    {
                        **material_row(r),
                        "review": control.review_of(r.moderation),
                        "moderator_id": control.moderator_of(lineage),
                        "waiting_since": r.waiting_since.isoformat(),
                    }
                )
        return queue
