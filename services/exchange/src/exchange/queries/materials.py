"""Queries about materials, deliveries (X6), inboxes, parties, attachments and campaign participation."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.exchange import (
    GetAttachment,
    GetMaterial,
    Inbox,
    ListDeliveries,
    ListMaterials,
    ListParticipation,
    ListParties,
    PartyKind,
)
from kit.access import permits
from kit.errors import forbidden, not_found
from kit.rpc import Context
from kit.store import EventStore
from kit.tokens import Role
from mirrors.treemirror import KeptTrees, Orgs

from ..domain import control
from ..handlers.common import load, may_read
from ..tables import attachments, cascade_runs, decisions, deliveries, materials, participation, parties, postings
from . import pages, progress


class MaterialQueries:
    """The exchange's query verbs."""

    def __init__(self, store: EventStore, engine: AsyncEngine, acknowledge_within_days: int, trees: KeptTrees) -> None:
        self.store, self.engine, self.within = store, engine, timedelta(days=acknowledge_within_days)
        self.trees = trees

    async def _today(self, ctx: Context) -> Orgs:
        return await self.trees.today(ctx.today)

    async def _readable(self, material_id: str, ctx: Context) -> Any:
        m, version = await load(self.store, material_id)
        async with self.engine.connect() as conn:
            await may_read(conn, ctx.actor, m, await self._today(ctx))
        return m, version

    async def get_material(self, q: GetMaterial, ctx: Context) -> dict[str, Any]:
        """A material with its state, attachments and moderation history."""
        _, version = await self._readable(q.material_id, ctx)
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(materials).where(materials.c.material_id == q.material_id))).first()
            files = (
                await conn.execute(
                    select(
                        attachments.c.attachment_id, attachments.c.filename, attachments.c.content_type, attachments.c.size
                    ).where(attachments.c.material_id == q.material_id)
                )
            ).all()
            history = (
                await conn.execute(
                    select(decisions).where(decisions.c.material_id == q.material_id).order_by(decisions.c.position)
                )
            ).all()
        if row is None:
            raise not_found("material", field="material_id")
        return {
            **material_row(row),
            "version": version,
            "attachments": [
                {"id": f.attachment_id, "filename": f.filename, "content_type": f.content_type, "size": f.size} for f in files
            ],
            "moderation_history": [
                {
                    "decision": d.decision,
                    "moderator_id": d.moderator_id,
                    "reason": d.reason,
                    "by": d.decided_by,
                    "at": d.at.isoformat(),
                }
                for d in history
            ],
        }

    async def list_materials(self, q: ListMaterials, ctx: Context) -> list[dict[str, Any]]:
        """Materials an org authored, newest first, a page after the material `cursor`."""
        m = materials.c
        async with self.engine.connect() as conn:
            (await self._today(ctx)).require(ctx.actor, "read_material", q.org_id)
            stmt = select(materials).where(m.org_id == q.org_id)
            if q.cursor is not None:
                found = select(m.drafted_at, m.material_id).where(m.org_id == q.org_id, m.material_id == q.cursor)
                at = await pages.place(conn, found, "this org's materials")
                stmt = stmt.where(pages.after(m.drafted_at, m.material_id, at, newest_first=True))
            rows = await conn.execute(pages.ordered(stmt, m.drafted_at, m.material_id, True, q.limit))
            return [material_row(r) for r in rows]

    async def list_deliveries(self, q: ListDeliveries, ctx: Context) -> dict[str, Any]:
        """A page of the recipients the caller may see (`progress.mine`), with delivered and acknowledged times, and how
        far the material got among all of them (X6)."""
        m, _ = await self._readable(q.material_id, ctx)
        async with self.engine.connect() as conn:
            runs = (
                await conn.execute(
                    select(cascade_runs).where(
                        cascade_runs.c.material_id == q.material_id, cascade_runs.c.run_id == cascade_runs.c.cascade_id
                    )
                )
            ).all()
            sent = (await conn.execute(select(materials.c.sent_at).where(materials.c.material_id == q.material_id))).scalar()
            orgs = await self._today(ctx)
            seen = progress.mine(orgs, ctx.actor)
            rows = await progress.recipients(conn, q, seen)
            counted = await progress.figures(conn, q.material_id, seen)
            expected = await progress.expected(self.trees, ctx.actor, orgs, runs)
        return progress.summary(m.material_id, rows, counted, expected, sent)

    async def inbox(self, q: Inbox, ctx: Context) -> list[dict[str, Any]]:
        """What reached an org, newest first, a page after the material `cursor`; `overdue`: not acknowledged within the
        allowed days."""
        async with self.engine.connect() as conn:
            (await self._today(ctx)).require(ctx.actor, "read_material", q.org_id)
            d, release = deliveries.c, cascade_runs.alias("release")
            posted = (
                select(func.max(postings.c.posted_on))
                .where(postings.c.org_id == d.org_id, postings.c.material_id == d.material_id)
                .scalar_subquery()
            )
            stmt = (
                select(
                    d.material_id,
                    materials.c.title,
                    d.from_org_id,
                    d.route,
                    d.held,
                    d.delivered_at,
                    d.acknowledged_at,
                    d.print_sheet,
                    posted.label("posted_on"),
                    release.c.created_at.label("released_at"),
                )
                .join(materials, materials.c.material_id == d.material_id)
                # a held cascade, once released, runs on as `<cascade>@<the holding org>`
                .outerjoin(release, release.c.run_id == func.concat(d.cascade_id, "@", d.org_id))
                .where(d.org_id == q.org_id)
            )
            if q.cursor is not None:  # looked up in the whole inbox: a row read since still marks the place
                found = select(d.delivered_at, d.material_id).where(d.org_id == q.org_id, d.material_id == q.cursor)
                at = await pages.place(conn, found, "this org's inbox")
                stmt = stmt.where(pages.after(d.delivered_at, d.material_id, at, newest_first=True))
            if q.overdue:
                stmt = stmt.where(d.acknowledged_at.is_(None), d.delivered_at < ctx.now - self.within)
            rows = await conn.execute(pages.ordered(stmt, d.delivered_at, d.material_id, True, q.limit))
            return [
                {
                    "material_id": r.material_id,
                    "title": r.title,
                    "from_org_id": r.from_org_id,
                    "route": r.route,
                    "held_for_review": r.held,
                    "released_at": r.released_at.isoformat() if r.released_at else None,
                    "delivered_at": r.delivered_at.isoformat(),
                    "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                    "print_sheet": r.print_sheet and r.posted_on is None,  # asked to print, until it is posted
                    "posted_on": r.posted_on.isoformat() if r.posted_on else None,
                }
                for r in rows
            ]

    async def list_parties(self, _q: ListParties, ctx: Context) -> list[dict[str, Any]]:
        """The register of outside parties; an address only to those who may send to the party (DESIGN.md §5)."""
        if ctx.actor.role is Role.MEMBER:  # staff's register: a member reaches only their own records (§5)
            raise forbidden("the register of outside parties is for the union's staff")
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(parties).order_by(parties.c.kind, parties.c.name))).all()
            orgs = await self._today(ctx)
        cc = orgs.central()

        def sender(r: Any) -> str | None:
            # an association hears from its territorial org (X2, X3), every other party from the CC
            return r.org_id if r.kind == PartyKind.TERRITORIAL_ASSOCIATION else cc

        def address(r: Any) -> str | None:
            org = sender(r)
            may = orgs.may(ctx.actor, "write_materials", org) if org else permits(ctx.actor, "write_materials", [])
            return r.email if may else None

        return [{"id": r.party_id, "kind": r.kind, "name": r.name, "email": address(r), "org_id": r.org_id} for r in rows]

    async def get_attachment(self, q: GetAttachment, ctx: Context) -> dict[str, Any]:
        """One attachment's bytes (base64), for a reader of its material."""
        await self._readable(q.material_id, ctx)
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(attachments).where(
                        attachments.c.attachment_id == q.attachment_id, attachments.c.material_id == q.material_id
                    )
                )
            ).first()
        if row is None:
            raise not_found("attachment", field="attachment_id")
        return {
            "filename": row.filename,
            "content_type": row.content_type,
            "data_base64": base64.b64encode(row.data).decode(),
            "sha256": row.sha256,
        }

    async def list_participation(self, q: ListParticipation, ctx: Context) -> dict[str, Any]:
        """Participation in a campaign per org, and the totals (K8)."""
        await self._readable(q.material_id, ctx)
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(participation).where(participation.c.material_id == q.material_id).order_by(participation.c.org_id)
                )
            ).all()
            orgs = await self._today(ctx)
        shown = [r for r in rows if orgs.may(ctx.actor, "read_orgs", r.org_id)]
        if rows and not shown:
            raise forbidden("no org of your part of the union reported on this campaign")
        return {
            "material_id": q.material_id,
            "orgs": [{"org_id": r.org_id, "on_site": r.on_site, "online": r.online} for r in shown],
            "on_site": sum(r.on_site for r in shown),
            "online": sum(r.online for r in shown),
        }


def material_row(r: Any) -> dict[str, Any]:
    """A material as the API shows it; `published`: it stands on its org's public resources now (H2: approved, or
    published and under review or confirmed; a taken-down one no longer does, whatever it reached)."""
    status = "draft" if r.sent_at is None else "sent"
    return {
        "id": r.material_id,
        "org_id": r.org_id,
        "title": r.title,
        "body": r.body,
        "kind": r.kind,
        "topics": r.topics,
        "newsworthy": r.newsworthy,
        "needs_support": r.needs_support,
        "for_publication": r.for_publication,
        "campaign": r.campaign,
        "received_from": r.received_from,
        "status": status,
        "moderation": r.moderation,
        "moderator_id": r.moderator_id,
        "published": r.moderation in control.PUBLISHED,
        "drafted_at": r.drafted_at.isoformat(),
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
    }
