"""Commands about materials: draft, edit, receive, attach and remove files, send up, cascade, release (publication:
`control`)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event
from contracts.exchange import (
    AddAttachment,
    AttachmentAdded,
    CascadeMaterial,
    Content,
    DeliveryDelivered,
    DraftMaterial,
    EditMaterial,
    MaterialCascaded,
    MaterialDrafted,
    MaterialSentUp,
    ReceiveMaterial,
    ReleaseCascade,
    RemoveAttachment,
    Route,
    SendUp,
)
from kit.errors import RuleBroken, invalid, not_found, too_large
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Batch, Committed, EventStore
from mirrors.treemirror import KeptTrees

from ..config import ExchangeSettings
from ..domain import material, routing
from ..domain.routing import Parties
from ..tables import attachments, deliveries, parties
from .common import delivery_id, load, material_stream, recipients, routing_tree


class MaterialHandlers:
    """Commands about materials and their routing."""

    def __init__(self, store: EventStore, settings: ExchangeSettings, trees: KeptTrees) -> None:
        self.store, self.settings, self.trees = store, settings, trees

    async def _allowed(self, org_id: str, ctx: Context, action: str = "write_materials") -> None:
        (await self.trees.today(ctx.today)).require(ctx.actor, action, org_id)

    async def draft_material(self, c: DraftMaterial, ctx: Context) -> Committed:
        """Drafts a material of an org."""
        await self._allowed(c.org_id, ctx)
        material_id = new_id()
        content = Content.model_validate(c.model_dump(exclude={"org_id"}))
        events = [MaterialDrafted(material_id=material_id, org_id=c.org_id, content=content)]
        data = {"id": material_id, "org_id": c.org_id}
        return await self.store.append(material_stream(material_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def edit_material(self, c: EditMaterial, ctx: Context) -> Committed:
        """Replaces a draft's content."""
        m, version = await load(self.store, c.material_id)
        await self._allowed(m.org_id, ctx)
        events = material.decide_edit(m, Content.model_validate(c.model_dump(exclude={"material_id"})))
        data = {"id": c.material_id}
        return await self.store.append(material_stream(c.material_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def receive_material(self, c: ReceiveMaterial, ctx: Context) -> Committed:
        """X1: records a material from an outside party and passes it on to the whole subtree at once."""
        await self._allowed(c.org_id, ctx)
        async with self.store.engine.connect() as conn:
            if (await conn.execute(select(parties.c.party_id).where(parties.c.party_id == c.party_id))).first() is None:
                raise not_found("outside party", field="party_id")
            level = (await self.trees.today(ctx.today)).levels.get(c.org_id)
        if level == "primary":
            raise RuleBroken("X1", "the CC and territorial orgs receive materials from outside parties", field="org_id")
        material_id, cascade_id = new_id(), new_id()
        content = Content.model_validate(c.model_dump(exclude={"org_id", "party_id"}))
        events: list[Event] = [
            MaterialDrafted(material_id=material_id, org_id=c.org_id, content=content, received_from=c.party_id),
            MaterialCascaded(material_id=material_id, org_id=c.org_id, cascade_id=cascade_id, on=ctx.today),
        ]
        data = {"id": material_id, "org_id": c.org_id, "cascade_id": cascade_id}
        return await self.store.append(material_stream(material_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def add_attachment(self, c: AddAttachment, ctx: Context) -> Committed:
        """Attaches a file to a draft: the bytes go to their table in the same transaction as the event."""
        try:
            data = base64.b64decode(c.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("data_base64", "not base64", rule="base64") from None
        if len(data) > self.settings.max_attachment_bytes:
            raise too_large("file", f"larger than {self.settings.max_attachment_bytes} bytes")
        attachment_id, digest = new_id(), hashlib.sha256(data).hexdigest()
        m, version = await load(self.store, c.material_id)
        await self._allowed(m.org_id, ctx)
        material.check_draft(m)  # attachments, like edits, only while a draft
        event = AttachmentAdded(
            material_id=c.material_id,
            org_id=m.org_id,
            attachment_id=attachment_id,
            filename=c.filename,
            content_type=c.content_type,
            size=len(data),
            sha256=digest,
        )
        row = {
            **event.model_dump(include={"attachment_id", "material_id", "filename", "content_type", "size", "sha256"}),
            "data": data,
        }

        async def store_bytes(conn: AsyncConnection) -> None:
            await conn.execute(insert(attachments).values(row))

        reply = {"id": attachment_id, "size": len(data), "sha256": digest}
        batch = [Batch(material_stream(c.material_id), [event], expected_version=version)]
        return await self.store.append_batch(batch, meta=ctx.meta, data=reply, also=store_bytes)

    async def remove_attachment(self, c: RemoveAttachment, ctx: Context) -> Committed:
        """Takes a file off a draft: the event and the deletion of its bytes in one transaction."""
        m, version = await load(self.store, c.material_id)
        await self._allowed(m.org_id, ctx)
        events = material.decide_remove_attachment(m, c.attachment_id, ctx.actor.username)

        async def drop_bytes(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(attachments).where(
                    attachments.c.attachment_id == c.attachment_id, attachments.c.material_id == c.material_id
                )
            )

        reply = {"id": c.attachment_id, "material_id": c.material_id}
        batch = [Batch(material_stream(c.material_id), events, expected_version=version)]
        return await self.store.append_batch(batch, meta=ctx.meta, data=reply, also=drop_bytes)

    async def send_up(self, c: SendUp, ctx: Context) -> Committed:
        """X2, X3: routes a material up from its author, or from an org it reached (forwarding)."""
        m, version = await load(self.store, c.material_id)
        content = material.exists(m)
        sender = c.org_id or m.org_id
        async with self.store.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            orgs.require(ctx.actor, "write_materials", sender)
            if sender != m.org_id and sender not in await recipients(conn, m.material_id):
                raise invalid("org_id", "an org forwards only materials that reached it", rule="forward")
            outside = await _parties(conn)
            done = await _delivered(conn, m.material_id)
        to_orgs, to_parties = routing.route_up(
            routing_tree(orgs),
            sender,
            content.newsworthy,
            content.needs_support is not None,
            outside,
            self.settings.copy_parent_on_support,
        )
        if sender != m.org_id:
            to_orgs = {o: Route.FORWARD for o in to_orgs}
            to_parties = {p: Route.FORWARD for p in to_parties}
        new = {**{(o, "org"): r for o, r in to_orgs.items()}, **{(p, "party"): r for p, r in to_parties.items()}}
        new = {k: r for k, r in new.items() if k[0] not in done}
        if not new:
            raise invalid("material_id", "every recipient this route names already has it", rule="sent")
        sent = MaterialSentUp(material_id=m.material_id, org_id=sender, on=ctx.today, recipients=to_orgs, parties=to_parties)
        batches = [Batch(material_stream(m.material_id), [sent], expected_version=version)]
        batches += [
            Batch(
                f"delivery-{delivery_id(m.material_id, r)}",
                [
                    DeliveryDelivered(
                        delivery_id=delivery_id(m.material_id, r),
                        material_id=m.material_id,
                        org_id=r,
                        recipient_kind=kind,
                        from_org_id=sender,
                        route=route,
                    )
                ],
                expected_version=0,
            )
            for (r, kind), route in sorted(new.items())
        ]
        data = {"id": m.material_id, "recipients": sorted(r for r, _ in new)}
        return await self.store.append_batch(batches, meta=ctx.meta, data=data)

    async def cascade(self, c: CascadeMaterial, ctx: Context) -> Committed:
        """X1: sends a material down; the cascade runner delivers it to each org, holders first."""
        cascade_id = new_id()
        m, version = await load(self.store, c.material_id)
        material.exists(m)
        sender = c.org_id or m.org_id
        async with self.store.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            orgs.require(ctx.actor, "write_materials", sender)
            delivered = await recipients(conn, m.material_id)
            if sender != m.org_id and sender not in delivered:
                raise invalid("org_id", "an org passes on only materials that reached it", rule="forward")
        chosen = routing.cascade_targets(orgs, sender, c.to)
        targets = len(chosen)
        if not targets:
            raise invalid("to", "there is no org under the sender to cascade to", rule="X1")
        had = [t for t in chosen if t in delivered and orgs.levels.get(t) == "primary"]
        if c.print_sheets and had:  # a delivery asks for print when it is made; one made already is not made again
            message = (
                f"{len(had)} of the primary orgs it reaches already have this material, and a cascade asks to print only "
                "where it delivers: they print it from the material's print page, or cascade without print_sheets"
            )
            raise invalid("print_sheets", message, rule="X1")
        event = MaterialCascaded(
            material_id=m.material_id, org_id=sender, cascade_id=cascade_id, on=ctx.today, to=c.to, print_sheets=c.print_sheets
        )
        data = {"id": m.material_id, "cascade_id": cascade_id, "targets": targets}
        return await self.store.append(
            material_stream(m.material_id), [event], expected_version=version, meta=ctx.meta, data=data
        )

    async def release_cascade(self, c: ReleaseCascade, ctx: Context) -> Committed:
        """Releases the cascades an org holds for review to its part of the subtree."""
        m, version = await load(self.store, c.material_id)
        await self._allowed(c.org_id, ctx)
        async with self.store.engine.connect() as conn:
            held = (
                await conn.execute(
                    select(deliveries.c.cascade_id).where(
                        deliveries.c.delivery_id == delivery_id(m.material_id, c.org_id), deliveries.c.held
                    )
                )
            ).scalar()
        if held is None:
            raise invalid("org_id", "this org holds no cascade of the material", rule="X1")
        events = material.decide_release(m, held, c.org_id)
        data = {"id": m.material_id, "cascade_id": held, "org_id": c.org_id}
        return await self.store.append(material_stream(m.material_id), events, expected_version=version, meta=ctx.meta, data=data)


async def _parties(conn: AsyncConnection) -> Parties:
    rows = (await conn.execute(select(parties))).all()
    first = {kind: next((r.party_id for r in rows if r.kind == kind), None) for kind in ("fnpr", "solidarnost")}
    associations = {r.org_id: r.party_id for r in rows if r.kind == "territorial_association" and r.org_id}
    return Parties(first["fnpr"], first["solidarnost"], associations)


async def _delivered(conn: AsyncConnection, material_id: str) -> set[str]:
    rows = await conn.execute(select(deliveries.c.org_id).where(deliveries.c.material_id == material_id))
    return {r.org_id for r in rows}
