"""The member portal's reads of materials (D1): what the union has on a life situation's topics (X4) that reached the
member's org, and one such material to read. A member reaches no org of §5; the portal asks with a short-lived member
token the gateway signs naming the member's org today (which appeals, keeper of the membership mirror, told it), so a
member reads what was delivered to or sent by their own org, or what is published, and nothing else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.exchange import GetMemberMaterial, ListMemberMaterials
from kit.errors import forbidden, not_found
from kit.rpc import Context
from kit.tokens import Role
from mirrors import treemirror

from ..domain import control
from ..tables import TREE, deliveries, materials

SCANNED = 500
"""Newest materials of the org looked through for the topics asked (topics are a JSON list, matched here)."""


def member_org(ctx: Context) -> str:
    """The org the member's token names; anyone else is refused (these reads are the portal's)."""
    if ctx.actor.role is not Role.MEMBER or not ctx.actor.org_id:
        raise forbidden("only the member portal reads materials this way, for the member's own org")
    return ctx.actor.org_id


class MemberQueries:
    """Materials as a member of an org may read them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def list_member_materials(self, q: ListMemberMaterials, ctx: Context) -> list[dict[str, Any]]:
        """Materials on any of the topics that reached the member's org or that it sent, newest first."""
        org = member_org(ctx)
        m, d = materials.c, deliveries.c
        reached = select(d.material_id).where(d.org_id == org, d.recipient_kind == "org")
        stmt = (
            select(m.material_id, m.org_id, m.title, m.kind, m.topics, m.sent_at)
            .where(or_(m.material_id.in_(reached), (m.org_id == org) & m.sent_at.is_not(None)))
            .order_by(m.sent_at.desc().nulls_last(), m.material_id)
            .limit(SCANNED)
        )
        wanted = {t.value for t in q.topics}
        async with self.engine.connect() as conn:
            rows = [r for r in await conn.execute(stmt) if wanted & set(r.topics or [])][: q.limit]
            named = await treemirror.names(conn, TREE, list({r.org_id for r in rows}))
        return [
            {
                "id": r.material_id,
                "title": r.title,
                "kind": r.kind,
                "topics": r.topics,
                "org_id": r.org_id,
                "org_name": named.get(r.org_id),
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }
            for r in rows
        ]

    async def get_member_material(self, q: GetMemberMaterial, ctx: Context) -> dict[str, Any]:
        """A material delivered to or sent by the member's org, or published; any other is not even said to exist."""
        org = member_org(ctx)
        m, d = materials.c, deliveries.c
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(materials).where(m.material_id == q.material_id))).first()
            reached = select(d.material_id).where(d.material_id == q.material_id, d.org_id == org, d.recipient_kind == "org")
            delivered = row is not None and (await conn.execute(reached)).first() is not None
            ours = row is not None and row.org_id == org and row.sent_at is not None
            if row is None or not (delivered or ours or row.moderation in control.PUBLISHED):
                raise not_found("material", field="material_id")
            named = await treemirror.names(conn, TREE, [row.org_id])
        return {
            "id": row.material_id,
            "title": row.title,
            "body": row.body,
            "kind": row.kind,
            "topics": row.topics,
            "org_id": row.org_id,
            "org_name": named.get(row.org_id),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        }
