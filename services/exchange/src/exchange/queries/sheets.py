"""What a printed sheet of a material shows for one org (P1, P2, D2): the gateway renders it, the exchange decides
whether the org has the material and whether the caller may read it there (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.envelope import ErrorCode, ErrorDetail
from contracts.exchange import GetSheet
from kit.errors import Refused, not_found
from kit.rpc import Context
from kit.store import EventStore
from mirrors.treemirror import names

from ..handlers.common import load, may_read, orgs_on
from ..tables import TREE, deliveries, materials
from .materials import material_row


def _not_the_orgs() -> Refused:
    message = "this material was neither written in nor sent to that org's part of the union"
    return Refused(ErrorCode.FORBIDDEN, message, [ErrorDetail(field="org_id", rule="access", message=message)])


class SheetQueries:
    """The query verb of printed sheets."""

    def __init__(self, store: EventStore, engine: AsyncEngine) -> None:
        self.store, self.engine = store, engine

    async def get_sheet(self, q: GetSheet, ctx: Context) -> dict[str, Any]:
        """The material, the org's name and the name of the org it came from to that org (its author, for its own).
        The org has it when it was written in the org's subtree or delivered to an org in it, on today's tree."""
        m, _ = await load(self.store, q.material_id)
        async with self.engine.connect() as conn:
            orgs = await orgs_on(conn, ctx.today)
            await may_read(conn, ctx.actor, m, orgs)
            orgs.require(ctx.actor, "read_material", q.org_id)
            d = deliveries.c
            rows = (
                await conn.execute(
                    select(d.org_id, d.from_org_id, d.delivered_at, d.print_sheet).where(
                        d.material_id == q.material_id, d.recipient_kind == "org"
                    )
                )
            ).all()
            within = set(orgs.subtree(q.org_id))
            if m.org_id not in within and not any(r.org_id in within for r in rows):
                raise _not_the_orgs()
            own = next((r for r in rows if r.org_id == q.org_id), None)
            sender = own.from_org_id if own is not None else m.org_id
            row = (await conn.execute(select(materials).where(materials.c.material_id == q.material_id))).first()
            known = await names(conn, TREE, [q.org_id, sender])
        if row is None:
            raise not_found("material", field="material_id")
        return {
            "material": material_row(row),
            "org": {"id": q.org_id, "name": known.get(q.org_id, "")},
            "from": {"id": sender, "name": known.get(sender, "")},
            "delivered_at": own.delivered_at.isoformat() if own is not None else None,
            "print_sheet": bool(own.print_sheet) if own is not None else False,
        }
