"""Who the members are, as K6 counts them — never who they are: the registry's dated membership timeline (admitted,
transferred, left: mirrors.membership) and erasures (how they can be reached is contacts' contact points:
mirrors.contactpoints). Every row keeps its source position and recording time, so a redelivery changes nothing and
`known_on` reads the state recorded by then."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.people import PersonErased
from kit.projection import Delivered
from mirrors.membership import MEMBERSHIP_EVENTS, apply_membership

from ..tables import erasures, memberships

MEMBER_EVENTS = (*MEMBERSHIP_EVENTS, PersonErased)
"""What `apply_members` takes."""


async def apply_members(conn: AsyncConnection, d: Delivered) -> bool:
    """A step of a person's membership (in an org from a day, or out of the union), or their erasure; False for others."""
    if await apply_membership(conn, memberships, d):
        return True
    match d.event:
        case PersonErased() as e:
            row = {"person_id": e.person_id, "recorded_at": d.recorded_at}
            await conn.execute(insert(erasures).values(row).on_conflict_do_nothing())
        case _:
            return False
    return True
