"""People's orgs for access, from this service's copy of the registry's membership timeline (DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.errors import not_found

from ..domain.membership import Membership, org_today
from ..tables import member_orgs, people


async def orgs_today(conn: AsyncConnection, person_ids: Collection[str], today: date) -> dict[str, str]:
    """Each known person's org today: their membership's, else (never a member) the org that recorded them."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    m = member_orgs.c
    steps = await conn.execute(select(m.person_id, m.effective_on, m.position, m.org_id).where(m.person_id.in_(ids)))
    timelines: dict[str, list[Membership]] = {}
    for s in steps:
        timelines.setdefault(s.person_id, []).append(Membership(s.effective_on, s.position, s.org_id))
    recorded = await conn.execute(select(people.c.person_id, people.c.org_id).where(people.c.person_id.in_(ids)))
    found = {r.person_id: r.org_id for r in recorded}
    for person_id, timeline in timelines.items():
        if (org := org_today(timeline, today)) is not None:
            found[person_id] = org
    return found


async def org_today_of(conn: AsyncConnection, person_id: str, today: date) -> str:
    """The person's org today; 404 naming `person_id` if this service does not know them."""
    org = (await orgs_today(conn, [person_id], today)).get(person_id)
    if org is None:
        raise not_found("person", field="person_id")
    return org
