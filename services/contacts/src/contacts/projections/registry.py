"""The contacts service's copy of the registry: orgs and their parents over time, people and the org that recorded
them, the dated timeline of their memberships (which decides where they belong today: queries/membership.py), posts
and headcounts — and the erasure of a person, which destroys their addresses' keys."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.people import PersonErased, PersonRegistered
from kit.crypto import KeyRing
from kit.projection import Delivered, Projection
from mirrors.factmirror import HEADCOUNT_EVENTS, POST_EVENTS, apply_headcounts, apply_posts
from mirrors.membership import MEMBERSHIP_EVENTS, apply_membership
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..tables import TREE, contact_points, headcounts, member_orgs, people, posts

REGISTRY_EVENTS = (
    *TREE_EVENTS,
    *HEADCOUNT_EVENTS,
    *POST_EVENTS,
    *MEMBERSHIP_EVENTS,
    PersonRegistered,
    PersonErased,
)
"""What `RegistryMirror` takes."""


class RegistryMirror:
    """Applies the registry's events that contacts needs; every write is idempotent by source position."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def projection(self) -> Projection:
        """The mirror's consumer; it reads nothing back but for an erasure, which looks up the person's addresses."""
        return Projection("registry-mirror", "registry", self.apply, REGISTRY_EVENTS, reads=(PersonErased,))

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        if await apply_tree(conn, TREE, d) or await apply_membership(conn, member_orgs, d):
            return
        if await apply_headcounts(conn, headcounts, d) or await apply_posts(conn, posts, d):
            return
        match d.event:
            case PersonRegistered() as e:
                row = {"person_id": e.person_id, "org_id": e.org_id}
                await conn.execute(insert(people).values(row).on_conflict_do_nothing())
            case PersonErased() as e:
                await self._erase(conn, e.person_id, d)

    async def _erase(self, conn: AsyncConnection, person_id: str, d: Delivered) -> None:
        """DESIGN.md §4: every owner destroys the person's keys; the addresses stay as erased rows."""
        owned = await conn.execute(select(contact_points.c.contact_id).where(contact_points.c.person_id == person_id))
        for (contact_id,) in owned:
            await self.keyring.destroy(conn, contact_id)
        await conn.execute(
            update(contact_points)
            .where(contact_points.c.person_id == person_id)
            .values(value=None, digest=None, erased_at=d.recorded_at)
        )
        await conn.execute(update(people).where(people.c.person_id == person_id).values(erased_at=d.recorded_at))
