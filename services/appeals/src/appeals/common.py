"""What the handlers, queries and escalator share: the appeal's stream, the tree today, a member's org today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.errors import not_found
from kit.store import EventStore, Fold
from mirrors import membership, treemirror
from mirrors.treemirror import Orgs

from .domain import appeal
from .domain.appeal import Appeal
from .tables import TREE, member_orgs, people

APPEAL_FOLD = Fold(appeal.NOTHING, appeal.evolve)
CATALOGUE = "situations"
"""The one stream of the catalogue of life situations."""


def appeal_stream(appeal_id: str) -> str:
    return f"appeal-{appeal_id}"


async def load(store: EventStore, appeal_id: str) -> tuple[Appeal, int]:
    """The appeal and its version; 404 naming `appeal_id` if there is none."""
    found, version = await store.load(appeal_stream(appeal_id), APPEAL_FOLD)
    if not found.appeal_id:
        raise not_found("appeal", field="appeal_id")
    return found, version


async def tree_today(conn: AsyncConnection, today: date) -> Orgs:
    """Today's tree: the only one access is decided on (DESIGN.md §5)."""
    return await treemirror.orgs_on(conn, TREE, today, today)


async def member_today(conn: AsyncConnection, person_id: str, today: date) -> str | None:
    """The org the person is a member of today; None if they are not (left, admitted from a later day, never)."""
    m = member_orgs.c
    steps = await conn.execute(select(m.effective_on, m.position, m.org_id).where(m.person_id == person_id))
    return membership.member_today([membership.Membership(s.effective_on, s.position, s.org_id) for s in steps], today)


async def portal_org_today(conn: AsyncConnection, person_id: str, today: date) -> str | None:
    """The org a member reaches the union through in the portal: theirs today; None for anyone who is not a member
    today (left, never one — an officer only —, or erased), who has no org to read as a member."""
    erased = (await conn.execute(select(people.c.erased_at).where(people.c.person_id == person_id))).scalar()
    return None if erased is not None else await member_today(conn, person_id, today)


async def member_org_today(conn: AsyncConnection, person_id: str, today: date) -> str | None:
    """The person's org today: their membership's, else (never a member) the org that recorded them; None if unknown."""
    return (await membership.orgs_today(conn, member_orgs, [person_id], today, people)).get(person_id)
