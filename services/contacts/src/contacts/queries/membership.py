"""People's orgs for access, from this service's copy of the registry's membership timeline (DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from kit.errors import not_found
from mirrors import membership

from ..tables import member_orgs, people


async def orgs_today(conn: AsyncConnection, person_ids: Collection[str], today: date) -> dict[str, str]:
    """Each known person's org today: their membership's, else (never a member) the org that recorded them."""
    return await membership.orgs_today(conn, member_orgs, person_ids, today, people)


async def org_today_of(conn: AsyncConnection, person_id: str, today: date) -> str:
    """The person's org today; 404 naming `person_id` if this service does not know them."""
    org = (await orgs_today(conn, [person_id], today)).get(person_id)
    if org is None:
        raise not_found("person", field="person_id")
    return org
