"""Commands of H2, the control of public resources by the level above: ask to publish, approve or reject before
publication, confirm or take down after it, and the policy that says which (see `domain.control` for the reading)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event
from contracts.exchange import ConfirmPublication, Moderate, PolicySet, RequestPublication, SetPolicy, TakeDownPublication
from kit.access import require
from kit.rpc import Context
from kit.store import Batch, Committed, EventStore
from mirrors.treemirror import KeptTrees, Orgs

from ..domain import control, material
from ..domain.material import Material
from ..tables import materials
from .common import load, material_stream, moderates

Decide = Callable[[Material, str], list[Event]]
"""A decision on a loaded material, recorded for the deciding org."""


class ControlHandlers:
    """H2's commands: publication requests, decisions before and after publication, the moderation policy."""

    def __init__(self, store: EventStore, trees: KeptTrees) -> None:
        self.store, self.trees = store, trees

    async def request_publication(self, c: RequestPublication, ctx: Context) -> Committed:
        """H2: puts a material on the org's public resources under the parent's control, before or after publication."""
        m, version = await load(self.store, c.material_id)
        async with self.store.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            orgs.require(ctx.actor, "write_materials", m.org_id)
            moderator = control.moderator_of(orgs.reach(m.org_id))
            pre = await moderates(conn, moderator)
        events = material.decide_publication(m, moderator, pre)
        status = material.evolve(m, events[-1]).moderation  # pending, under_review, or approved (the CC's own)
        data = {"id": m.material_id, "moderator_id": moderator, "status": status}
        return await self.store.append(material_stream(m.material_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def moderate(self, c: Moderate, ctx: Context) -> Committed:
        """H2, before publication: approves or rejects; staff only for orgs strictly below their root today."""

        def decide(m: Material, moderator: str) -> list[Event]:
            return material.decide_moderation(m, moderator, c.approve, c.reason, ctx.actor.username)

        return await self._decide(c.material_id, ctx, decide, {"approved": c.approve})

    async def confirm_publication(self, c: ConfirmPublication, ctx: Context) -> Committed:
        """H2, after publication: lets a published material stand."""

        def decide(m: Material, moderator: str) -> list[Event]:
            return material.decide_review(m, moderator, True, None, ctx.actor.username)

        return await self._decide(c.material_id, ctx, decide, {"moderation": "confirmed"})

    async def take_down_publication(self, c: TakeDownPublication, ctx: Context) -> Committed:
        """H2, after publication: takes a published material down, with a reason; deliveries already made stand."""

        def decide(m: Material, moderator: str) -> list[Event]:
            return material.decide_review(m, moderator, False, c.reason, ctx.actor.username)

        return await self._decide(c.material_id, ctx, decide, {"moderation": "taken_down"})

    async def _decide(self, material_id: str, ctx: Context, decide: Decide, reply: dict[str, object]) -> Committed:
        m, version = await load(self.store, material_id)
        orgs = await self.trees.today(ctx.today)
        lineage = orgs.reach(m.org_id)
        require(ctx.actor, "moderate", lineage)
        moderator = control.deciding_org(ctx.actor.org_id, lineage)
        events = decide(m, moderator)
        data = {"id": m.material_id, "moderator_id": moderator, **reply}
        stream = material_stream(material_id)
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data=data)

    async def set_policy(self, c: SetPolicy, ctx: Context) -> Committed:
        """An org's forwarding (hold for review) and moderation (H2) policy; turning pre-moderation off moves what waits
        for the org's approval to review after publication, in the same transaction."""
        async with self.store.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            orgs.require(ctx.actor, "report_facts", c.org_id)
            waiting = [] if c.moderates_publications else await _pending_below(conn, orgs, c.org_id)
        event = PolicySet(org_id=c.org_id, hold_for_review=c.hold_for_review, moderates_publications=c.moderates_publications)
        batches = [Batch(f"policy-{c.org_id}", [event], expected_version=None)]
        for material_id in waiting:
            m, version = await load(self.store, material_id)
            lifted = material.decide_pre_moderation_lifted(m, c.org_id)
            if lifted:
                batches.append(Batch(material_stream(material_id), lifted, expected_version=version))
        data = {**c.model_dump(), "published_for_review": sorted(b.stream_id.removeprefix("material-") for b in batches[1:])}
        return await self.store.append_batch(batches, meta=ctx.meta, data=data)


async def _pending_below(conn: AsyncConnection, orgs: Orgs, org_id: str) -> list[str]:
    """Materials waiting for approval whose org sits directly under `org_id` today."""
    rows = await conn.execute(select(materials.c.material_id, materials.c.org_id).where(materials.c.moderation == "pending"))
    return sorted(r.material_id for r in rows if control.moderator_of(orgs.reach(r.org_id)) == org_id)
