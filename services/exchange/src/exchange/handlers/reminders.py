"""Reminding the orgs that have not read a material: the sender's staff, once a day, through notifications."""

from __future__ import annotations

from sqlalchemy import select

from contracts.exchange import RemindUnread
from kit.errors import invalid
from kit.rpc import Context
from kit.store import Committed, EventStore
from mirrors.treemirror import KeptTrees

from ..domain import material
from ..tables import deliveries
from .common import load, material_stream, recipients


class ReminderHandlers:
    """The reminder to the orgs a sender's deliveries reached that have not acknowledged them."""

    def __init__(self, store: EventStore, trees: KeptTrees) -> None:
        self.store, self.trees = store, trees

    async def remind_unread(self, c: RemindUnread, ctx: Context) -> Committed:
        """Whoever may cascade for the sending org (§5) reminds its unread recipients; notifications writes to them."""
        m, version = await load(self.store, c.material_id)
        material.exists(m)
        sender = c.org_id or m.org_id
        async with self.store.engine.connect() as conn:
            (await self.trees.today(ctx.today)).require(ctx.actor, "write_materials", sender)
            if sender != m.org_id and sender not in await recipients(conn, m.material_id):
                raise invalid("org_id", "an org reminds only of materials that reached it and it passed on", rule="forward")
            d = deliveries.c
            rows = await conn.execute(
                select(d.org_id).where(
                    d.material_id == m.material_id,
                    d.from_org_id == sender,
                    d.recipient_kind == "org",  # outside parties never acknowledge
                    d.acknowledged_at.is_(None),
                )
            )
            unread = [r.org_id for r in rows]
        events = material.decide_remind_unread(m, sender, unread, ctx.today)
        reminded = events[0].org_ids  # type: ignore[attr-defined]
        data = {
            "id": m.material_id,
            "org_id": sender,
            "reminded": len(reminded),
            "org_ids": reminded,
            "reminded_on": ctx.today.isoformat(),
        }
        return await self.store.append(material_stream(m.material_id), events, expected_version=version, meta=ctx.meta, data=data)
