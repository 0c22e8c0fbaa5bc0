"""Who the members are and how they can be reached, as K6 counts them — never who they are: the registry's dated
membership timeline (admitted, transferred, left) and erasures, and each contact point's kind, consent and end as
contacts' events left it (the sealed values are never kept). Every row keeps its source position and recording time,
so a redelivery changes nothing and `known_on` reads the state recorded by then."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ConsentGranted, ConsentWithdrawn, ContactAdded, ContactErased, ContactMerged
from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased
from kit.projection import Delivered

from ..tables import contact_points, erasures, memberships

MEMBER_EVENTS = (MemberAdmitted, MemberTransferred, MemberLeft, PersonErased)
"""What `apply_members` takes."""
CONTACT_POINT_EVENTS = (ContactAdded, ConsentGranted, ConsentWithdrawn, ContactErased, ContactMerged)
"""What `apply_contact_points` takes."""


async def apply_members(conn: AsyncConnection, d: Delivered) -> bool:
    """A step of a person's membership (in an org from a day, or out of the union), or their erasure; False for others."""
    match d.event:
        case MemberAdmitted() as e:
            await _step(conn, d, e.person_id, e.since, e.org_id)
        case MemberTransferred() as e:
            await _step(conn, d, e.person_id, e.effective_on, e.org_id)
        case MemberLeft() as e:
            await _step(conn, d, e.person_id, e.effective_on, None)
        case PersonErased() as e:
            row = {"person_id": e.person_id, "recorded_at": d.recorded_at}
            await conn.execute(insert(erasures).values(row).on_conflict_do_nothing())
        case _:
            return False
    return True


async def _step(conn: AsyncConnection, d: Delivered, person_id: str, on: date, org_id: str | None) -> None:
    row = {"person_id": person_id, "position": d.position, "effective_on": on, "org_id": org_id, "recorded_at": d.recorded_at}
    await conn.execute(insert(memberships).values(row).on_conflict_do_nothing())


async def apply_contact_points(conn: AsyncConnection, d: Delivered) -> bool:
    """A contact point's state after one of its events (kind and consent only); False for other events."""
    at = (d.position, d.recorded_at)
    match d.event:
        case ContactAdded() as e:
            row = {"contact_id": e.contact_id, "position": d.position, "person_id": e.person_id, "kind": e.kind.value}
            await conn.execute(insert(contact_points).values({**row, "recorded_at": d.recorded_at}).on_conflict_do_nothing())
        case ConsentGranted() as e:
            await _carry(conn, e.contact_id, *at, {"consent_from": e.given_at, "consent_until": None})
        case ConsentWithdrawn() as e:
            await _carry(conn, e.contact_id, *at, {"consent_until": e.at})
        case ContactErased() | ContactMerged() as e:
            await _carry(conn, e.contact_id, *at, {"gone": True})
        case _:
            return False
    return True


async def _carry(conn: AsyncConnection, contact_id: str, position: int, at: datetime, changes: dict[str, Any]) -> None:
    """Adds the state after the event at `position`: the latest earlier state with `changes` (none earlier: nothing,
    as a contact point's events come in order after its addition)."""
    c = contact_points.c
    values = {"position": position, "recorded_at": at, **changes}
    columns = [col.name for col in contact_points.columns]
    earlier = (
        select(*[literal(values[n], type_=c[n].type) if n in values else c[n] for n in columns])
        .where(c.contact_id == contact_id, c.position < position)
        .order_by(c.position.desc())
        .limit(1)
    )
    await conn.execute(insert(contact_points).from_select(columns, earlier).on_conflict_do_nothing())
