"""Materials, decisions, deliveries, cascade runs, policies, parties and participation, applied inline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.exchange import (
    CascadeReleased,
    Content,
    DeliveryAcknowledged,
    DeliveryDelivered,
    MaterialApproved,
    MaterialCascaded,
    MaterialDrafted,
    MaterialEdited,
    MaterialPublished,
    MaterialRejected,
    MaterialSentUp,
    ParticipationReported,
    PartyRegistered,
    PolicySet,
    PublicationConfirmed,
    PublicationRequested,
    PublicationTakenDown,
)
from kit.store import Inserts, Recorded

from ..tables import cascade_runs, decisions, deliveries, materials, participation, parties, policies


def _content(c: Content) -> dict[str, Any]:
    return {
        **c.model_dump(include={"title", "body", "newsworthy", "for_publication", "campaign"}),
        "kind": c.kind.value,
        "topics": [t.value for t in c.topics],
        "needs_support": c.needs_support.value if c.needs_support else None,
    }


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the exchange's own events in the append's transaction."""
    rows = Inserts()
    for r in recorded:
        e = r.event
        if isinstance(e, DeliveryDelivered):
            rows.add(
                deliveries,
                **e.model_dump(
                    include={
                        "delivery_id",
                        "material_id",
                        "org_id",
                        "recipient_kind",
                        "from_org_id",
                        "cascade_id",
                        "held",
                        "print_sheet",
                    }
                ),
                route=e.route.value,
                delivered_at=r.recorded_at,
            )
            continue
        await rows.flush(conn)
        await _one(conn, r)
    await rows.flush(conn)


async def _one(conn: AsyncConnection, r: Recorded) -> None:
    m = materials.c
    at = r.recorded_at
    if type(r.event) in CONTROL:
        await _control(conn, r)
        return
    match r.event:
        case MaterialDrafted() as e:
            row = {"material_id": e.material_id, "org_id": e.org_id, "received_from": e.received_from, "moderation": "none"}
            await conn.execute(insert(materials).values(**row, **_content(e.content), drafted_at=at, updated_at=at))
        case MaterialEdited() as e:
            # a draft again after a refusal, as `domain.material.evolve` has it
            again = case((m.moderation.in_(("rejected", "taken_down")), "none"), else_=m.moderation)
            await conn.execute(
                update(materials)
                .where(m.material_id == e.material_id)
                .values(**_content(e.content), moderation=again, updated_at=at)
            )
        case MaterialSentUp() as e:
            await conn.execute(update(materials).where(m.material_id == e.material_id, m.sent_at.is_(None)).values(sent_at=at))
        case MaterialCascaded() as e:
            await conn.execute(update(materials).where(m.material_id == e.material_id, m.sent_at.is_(None)).values(sent_at=at))
            run = {
                "run_id": e.cascade_id,
                "cascade_id": e.cascade_id,
                "from_org_id": e.org_id,
                "to": e.to,
                "print_sheets": e.print_sheets,
            }
            await conn.execute(
                insert(cascade_runs).values(**run, material_id=e.material_id, on=e.on, created_at=at).on_conflict_do_nothing()
            )
        case CascadeReleased() as e:
            day = (await conn.execute(cascade_runs.select().where(cascade_runs.c.run_id == e.cascade_id))).first()
            run = {"run_id": f"{e.cascade_id}@{e.org_id}", "cascade_id": e.cascade_id, "from_org_id": e.org_id, "to": None}
            run["print_sheets"] = bool(day.print_sheets) if day else False
            on = day.on if day else at.date()
            await conn.execute(
                insert(cascade_runs).values(**run, material_id=e.material_id, on=on, created_at=at).on_conflict_do_nothing()
            )
        case DeliveryAcknowledged() as e:
            values = {"acknowledged_at": at, "acknowledged_by": e.by}
            await conn.execute(update(deliveries).where(deliveries.c.delivery_id == e.delivery_id).values(values))
        case PolicySet() as e:
            values = {"hold_for_review": e.hold_for_review, "moderates_publications": e.moderates_publications}
            stmt = insert(policies).values(org_id=e.org_id, **values)
            await conn.execute(stmt.on_conflict_do_update(index_elements=[policies.c.org_id], set_=values))
        case PartyRegistered() as e:
            await conn.execute(
                insert(parties).values(**e.model_dump(include={"party_id", "name", "email", "org_id"}), kind=e.kind.value)
            )
        case ParticipationReported() as e:
            values = {"on_site": e.on_site, "online": e.online, "reported_at": at}
            stmt = insert(participation).values(material_id=e.material_id, org_id=e.org_id, **values)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=[participation.c.material_id, participation.c.org_id], set_=values)
            )


CONTROL: dict[type, tuple[str, str]] = {
    PublicationRequested: ("requested", "pending"),
    MaterialApproved: ("approved", "approved"),
    MaterialRejected: ("rejected", "rejected"),
    MaterialPublished: ("published", "under_review"),
    PublicationConfirmed: ("confirmed", "confirmed"),
    PublicationTakenDown: ("taken_down", "taken_down"),
}
"""H2's events: the decision row each records, and the moderation state it leaves the material in."""


Control = (
    PublicationRequested | MaterialApproved | MaterialRejected | MaterialPublished | PublicationConfirmed | PublicationTakenDown
)


async def _control(conn: AsyncConnection, r: Recorded) -> None:
    e = r.event
    assert isinstance(e, Control)
    decision, state = CONTROL[type(e)]
    reason, by = getattr(e, "reason", None), getattr(e, "decided_by", None)
    await _decision(conn, r, e.material_id, decision, e.moderator_id, reason, by)
    values = {"moderation": state}
    if isinstance(e, PublicationRequested | MaterialPublished):  # who it waits on; a decision keeps that one
        values["moderator_id"] = e.moderator_id
    await conn.execute(update(materials).where(materials.c.material_id == e.material_id).values(values))


async def _decision(
    conn: AsyncConnection, r: Recorded, material_id: str, decision: str, moderator: str | None, reason: str | None, by: str | None
) -> None:
    row = {"material_id": material_id, "position": r.position, "decision": decision, "moderator_id": moderator}
    await conn.execute(insert(decisions).values(**row, reason=reason, decided_by=by, at=r.recorded_at))
