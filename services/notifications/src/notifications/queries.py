"""Queries of the notifications service: the receipts about an org."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.notifications import ListNotifications
from kit.rpc import Context
from mirrors.treemirror import KeptTrees

from .tables import outbox


class Queries:
    """The query verbs."""

    def __init__(self, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.engine, self.trees = engine, trees

    async def list_notifications(self, q: ListNotifications, ctx: Context) -> list[dict[str, Any]]:
        """What was (or is to be) sent about an org, newest first; no addresses (they are never kept here)."""
        async with self.engine.connect() as conn:
            (await self.trees.today(ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            o = outbox.c
            rows = await conn.execute(select(outbox).where(o.org_id == q.org_id).order_by(o.created_at.desc()).limit(q.limit))
            return [
                {
                    "id": r.notification_id,
                    "trigger": r.trigger,
                    "recipient_id": r.recipient_id,
                    "channel": r.channel,
                    "status": r.status,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                    "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                }
                for r in rows
            ]
