"""Commands about deliveries and outside parties: acknowledge, parties, participation (the policy: `control`)."""

from __future__ import annotations

from sqlalchemy import select

from contracts.exchange import (
    AcknowledgeDelivery,
    DeliveryAcknowledged,
    ParticipationReported,
    PartyRegistered,
    RegisterParty,
    ReportParticipation,
)
from kit.errors import RuleBroken, invalid, not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore
from mirrors.treemirror import KeptTrees

from ..domain import material
from ..tables import deliveries
from .common import delivery_id, load, recipients


class DeliveryHandlers:
    """Commands about deliveries, outside parties and campaign participation."""

    def __init__(self, store: EventStore, trees: KeptTrees) -> None:
        self.store, self.trees = store, trees

    async def acknowledge(self, c: AcknowledgeDelivery, ctx: Context) -> Committed:
        """The recipient org has read the material (once)."""
        key = delivery_id(c.material_id, c.org_id)
        async with self.store.engine.connect() as conn:
            (await self.trees.today(ctx.today)).require(ctx.actor, "acknowledge", c.org_id)
            row = (await conn.execute(select(deliveries.c.acknowledged_at).where(deliveries.c.delivery_id == key))).first()
        if row is None:
            raise not_found("delivery of this material to this org", field="org_id")
        if row.acknowledged_at is not None:
            raise invalid("org_id", f"already acknowledged at {row.acknowledged_at.isoformat()}", rule="acknowledged")
        event = DeliveryAcknowledged(delivery_id=key, material_id=c.material_id, org_id=c.org_id, by=ctx.actor.username)
        data = {"material_id": c.material_id, "org_id": c.org_id}
        return await self.store.append(f"delivery-{key}", [event], expected_version=1, meta=ctx.meta, data=data)

    async def register_party(self, c: RegisterParty, ctx: Context) -> Committed:
        """Adds an outside party; a territorial association belongs to its territorial org, others to the CC."""
        orgs = await self.trees.today(ctx.today)
        if c.kind.value == "territorial_association":
            if c.org_id is None or orgs.levels.get(c.org_id) != "territorial":
                raise RuleBroken("X2", "a territorial association serves a territorial org: give its org_id", field="org_id")
            orgs.require(ctx.actor, "report_facts", c.org_id)
        else:
            cc = orgs.central()
            if cc is None:
                raise RuleBroken("H1", "register the CC first", field="org_id")
            orgs.require(ctx.actor, "report_facts", cc)
        party_id = new_id()
        event = PartyRegistered(party_id=party_id, **c.model_dump())
        data = {"id": party_id, **c.model_dump(mode="json")}
        return await self.store.append(f"party-{party_id}", [event], expected_version=0, meta=ctx.meta, data=data)

    async def report_participation(self, c: ReportParticipation, ctx: Context) -> Committed:
        """K8: how many took part at one org, on site and online; a later report restates it."""
        m, _ = await load(self.store, c.material_id)
        material.check_campaign(m)
        async with self.store.engine.connect() as conn:
            (await self.trees.today(ctx.today)).require(ctx.actor, "report_facts", c.org_id)
            reached = c.org_id == m.org_id or c.org_id in await recipients(conn, m.material_id)
        if not reached:
            raise invalid("org_id", "the campaign did not reach this org", rule="K8")
        event = ParticipationReported(material_id=c.material_id, org_id=c.org_id, on_site=c.on_site, online=c.online)
        data = c.model_dump()
        return await self.store.append(f"campaign-{c.material_id}", [event], expected_version=None, meta=ctx.meta, data=data)
