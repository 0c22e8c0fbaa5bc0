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
from mirrors.treemirror import KeptTrees, names

from ..handlers.common import load, may_read
from ..tables import TREE, deliveries, materials
from .materials import material_row


def _not_printable(moderation: str) -> Refused:
    message = (
        "its moderator rejected or took down this publication: it is not printed or posted"
        if moderation in ("rejected", "taken_down")
        else "this publication waits for its moderator's approval: it is printed and posted once approved"
    )
    return Refused(ErrorCode.CONFLICT, message, [ErrorDetail(field="material_id", rule="H2", message=message)])


def printable(material: dict[str, Any]) -> bool:
    """H2: a notice board is one of the org's information resources, which the level above controls, so a material
    meant for publication is printed only once it stands published (approved, or published awaiting review, or
    confirmed); a rejected or taken-down one never, one not yet approved not yet."""
    if material["moderation"] in ("rejected", "taken_down"):
        return False
    return not material["for_publication"] or bool(material["published"])


def _not_the_orgs() -> Refused:
    message = "this material was neither written in nor sent to that org's part of the union"
    return Refused(ErrorCode.FORBIDDEN, message, [ErrorDetail(field="org_id", rule="access", message=message)])


class SheetQueries:
    """The query verb of printed sheets."""

    def __init__(self, store: EventStore, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.store, self.engine, self.trees = store, engine, trees

    async def get_sheet(self, q: GetSheet, ctx: Context) -> dict[str, Any]:
        """The material, the org's name and the name of the org it came from to that org (its author, for its own), and
        the day the org had it first (`received_on`: drafted in its subtree, or delivered to it or an org in it; a
        posting or print run is never dated before). The org has it when it was written in the org's subtree or
        delivered to an org in it, on today's tree; a publication not approved by its moderator is refused (H2)."""
        m, _ = await load(self.store, q.material_id)
        async with self.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
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
        had = [r.delivered_at for r in rows if r.org_id in within] + ([row.drafted_at] if m.org_id in within else [])
        material = material_row(row)
        if not printable(material):
            raise _not_printable(material["moderation"])
        return {
            "material": material,
            "received_on": min(had).astimezone(ctx.tz).date().isoformat(),
            "org": {"id": q.org_id, "name": known.get(q.org_id, "")},
            "from": {"id": sender, "name": known.get(sender, "")},
            "delivered_at": own.delivered_at.isoformat() if own is not None else None,
            "print_sheet": bool(own.print_sheet) if own is not None else False,
        }
