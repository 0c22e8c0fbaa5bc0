"""Contacts' contact points as another service keeps them, fed from the CONTACTS stream: each point's kind, its consent
and whether it is gone, as each of its events left it, with the source's position and recording time, so the state
recorded by a past day can be read (DESIGN.md §3, `known_on`); a state with both consent dates is a consent that
ended. Never the address: the sealed values stay with contacts (DESIGN.md §4). Integration plumbing shared by the
consumers that count the people they can reach (audits' C2, kpi's K6); what makes an address usable stays there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, MetaData, Table, Text, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ConsentGranted, ConsentWithdrawn, ContactAdded, ContactErased, ContactMerged
from kit.projection import Delivered

from .factmirror import RECORDED


def contact_point_table(metadata: MetaData) -> Table:
    """Declares `contact_points` in the service's schema."""
    return Table(
        "contact_points",
        metadata,
        Column("contact_id", Text, primary_key=True),
        Column("position", BigInteger, primary_key=True, comment="Contacts ledger position of the event that left it so"),
        Column("person_id", Text, nullable=False, index=True),
        Column("kind", Text, nullable=False),
        Column("consent_from", Date, comment="Personal addresses: usable from the consent's date"),
        Column("consent_until", Date, comment="…until the day it was withdrawn"),
        Column("gone", Boolean, nullable=False, server_default="false", comment="Erased or merged into another"),
        Column("recorded_at", DateTime(timezone=True), nullable=False, comment=RECORDED),
        comment="A contact point as each of its events left it (consent is given and withdrawn again and again): "
        "the latest recorded by `known_on` stands",
    )


CONTACT_POINT_EVENTS = (ContactAdded, ConsentGranted, ConsentWithdrawn, ContactErased, ContactMerged)
"""What `apply_contact_points` takes."""


async def apply_contact_points(conn: AsyncConnection, points: Table, d: Delivered) -> bool:
    """A contact point's state after one of its events (idempotently, by source position); False for other events."""
    at = (d.position, d.recorded_at)
    match d.event:
        case ContactAdded() as e:
            row = {"contact_id": e.contact_id, "position": d.position, "person_id": e.person_id, "kind": e.kind.value}
            await conn.execute(insert(points).values({**row, "recorded_at": d.recorded_at}).on_conflict_do_nothing())
        case ConsentGranted() as e:
            await _carry(conn, points, e.contact_id, *at, {"consent_from": e.given_at, "consent_until": None})
        case ConsentWithdrawn() as e:
            await _carry(conn, points, e.contact_id, *at, {"consent_until": e.at})
        case ContactErased() | ContactMerged() as e:
            await _carry(conn, points, e.contact_id, *at, {"gone": True})
        case _:
            return False
    return True


async def _carry(
    conn: AsyncConnection, points: Table, contact_id: str, position: int, at: datetime, changes: dict[str, Any]
) -> None:
    """Adds the state after the event at `position`: the latest earlier state with `changes` (none earlier: nothing,
    as a contact point's events come in order after its addition)."""
    c = points.c
    values = {"position": position, "recorded_at": at, **changes}
    columns = [col.name for col in points.columns]
    earlier = (
        select(*[literal(values[n], type_=c[n].type) if n in values else c[n] for n in columns])
        .where(c.contact_id == contact_id, c.position < position)
        .order_by(c.position.desc())
        .limit(1)
    )
    await conn.execute(insert(points).from_select(columns, earlier).on_conflict_do_nothing())
