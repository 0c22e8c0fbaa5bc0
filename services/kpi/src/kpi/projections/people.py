"""Who the members are, as K6 counts them — never who they are: the registry's dated membership timeline (admitted,
transferred, left) and erasures (how they can be reached is contacts' contact points: mirrors.contactpoints). Every row
keeps its source position and recording time, so a redelivery changes nothing and `known_on` reads the state recorded
by then."""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased
from kit.projection import Delivered

from ..tables import erasures, memberships

MEMBER_EVENTS = (MemberAdmitted, MemberTransferred, MemberLeft, PersonErased)
"""What `apply_members` takes."""


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
