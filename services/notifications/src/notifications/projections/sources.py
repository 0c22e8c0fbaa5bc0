"""What notifications learns from others: the tree and its post holders (REGISTRY), outside parties,
materials and deliveries (EXCHANGE). A delivery becomes outbox rows — one per person to tell — in the
consumer's own transaction, so a redelivered event plans nothing twice."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.exchange import DeliveryDelivered, MaterialDrafted, MaterialEdited, PartyRegistered
from contracts.officers import OfficerAssigned, OfficerRelieved
from kit.projector import Delivered
from kit.treemirror import apply_tree

from ..domain.plan import notification_id, post_holders
from ..tables import TREE, materials, outbox, parties, posts


async def from_registry(conn: AsyncConnection, d: Delivered) -> None:
    """The tree, and who holds which post where."""
    if await apply_tree(conn, TREE, d):
        return
    match d.event:
        case OfficerAssigned() as e:
            row = {
                "officer_id": e.officer_id,
                "person_id": e.person_id,
                "org_id": e.org_id,
                "role": e.role.value,
                "since": e.since,
            }
            await conn.execute(insert(posts).values(row).on_conflict_do_nothing())
        case OfficerRelieved() as e:
            await conn.execute(update(posts).where(posts.c.officer_id == e.officer_id).values(until=e.until))


async def from_exchange(conn: AsyncConnection, d: Delivered) -> None:
    """Parties, materials, and the outbox rows a delivery asks for."""
    match d.event:
        case PartyRegistered() as e:
            await conn.execute(insert(parties).values(party_id=e.party_id, name=e.name, email=e.email).on_conflict_do_nothing())
        case MaterialDrafted() | MaterialEdited() as e:
            c = e.content
            row = {"material_id": e.material_id, "org_id": e.org_id, "title": c.title, "kind": c.kind.value, "body": c.body}
            stmt = insert(materials).values(row)
            await conn.execute(stmt.on_conflict_do_update(index_elements=[materials.c.material_id], set_=row))
        case DeliveryDelivered() as e:
            await _plan(conn, e, d)


async def _plan(conn: AsyncConnection, e: DeliveryDelivered, d: Delivered) -> None:
    trigger = f"delivery:{e.delivery_id}"
    if e.recipient_kind == "party":
        recipients = [(e.org_id, "party")]
    else:
        day = d.recorded_at.date()
        held = await conn.execute(
            select(posts.c.person_id, posts.c.role).where(
                posts.c.org_id == e.org_id, posts.c.since <= day, or_(posts.c.until.is_(None), posts.c.until > day)
            )
        )
        recipients = [(person, "person") for person in post_holders((r.person_id, r.role) for r in held)]
    org = None if e.recipient_kind == "party" else e.org_id
    rows = [
        {
            "notification_id": notification_id(trigger, recipient),
            "trigger": trigger,
            "recipient_id": recipient,
            "recipient_kind": kind,
            "org_id": org,
            "material_id": e.material_id,
            "status": "pending",
            "next_attempt_at": d.recorded_at,
            "created_at": d.recorded_at,
        }
        for recipient, kind in recipients
    ]
    if rows:
        await conn.execute(insert(outbox).on_conflict_do_nothing(), rows)
