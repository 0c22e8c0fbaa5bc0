"""The contacts service's copy of the registry: orgs and their parents over time, people and the org that recorded
them, the dated timeline of their memberships (which decides where they belong today: queries/membership.py), posts
and headcounts — and the erasure of a person, which destroys their addresses' keys."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.officers import OfficerAssigned, OfficerRelieved
from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased, PersonRegistered
from contracts.registry import HeadcountReported
from kit.crypto import KeyRing
from kit.db import Compiled
from kit.projection import Delivered, Projection
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..tables import TREE, contact_points, headcounts, member_orgs, people, posts

REGISTRY_EVENTS = (
    *TREE_EVENTS,
    HeadcountReported,
    PersonRegistered,
    MemberAdmitted,
    MemberTransferred,
    MemberLeft,
    OfficerAssigned,
    OfficerRelieved,
    PersonErased,
)
"""What `RegistryMirror` takes."""


class RegistryMirror:
    """Applies the registry's events that contacts needs; every write is idempotent by source position."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring
        # the statements of every admission, built once: building and keying one per event cost more than running it
        person = insert(people).values(person_id=bindparam("person_id"), org_id=bindparam("org_id"))
        self._person = Compiled(person.on_conflict_do_nothing())
        # a membership step is only ever added: the timeline, not the last step applied, says where a person belongs
        self._step = Compiled(
            insert(member_orgs).values(
                person_id=bindparam("person_id"),
                effective_on=bindparam("effective_on"),
                org_id=bindparam("org_id"),
                position=bindparam("position"),
            )
        )

    def projection(self) -> Projection:
        """The mirror's consumer; it reads nothing back but for an erasure, which looks up the person's addresses."""
        return Projection("registry-mirror", "registry", self.apply, REGISTRY_EVENTS, reads=(PersonErased,))

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        at = {"position": d.position}
        if await apply_tree(conn, TREE, d):
            return
        match d.event:
            case HeadcountReported() as e:
                await conn.execute(insert(headcounts).values(org_id=e.org_id, as_of=e.as_of, members=e.members, **at))
            case PersonRegistered() as e:
                await self._person.run(conn, {"person_id": e.person_id, "org_id": e.org_id})
            case MemberAdmitted() as e:
                await self._membership(conn, e.person_id, e.since, e.org_id, d.position)
            case MemberTransferred() as e:
                await self._membership(conn, e.person_id, e.effective_on, e.org_id, d.position)
            case MemberLeft() as e:
                await self._membership(conn, e.person_id, e.effective_on, None, d.position)
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
            case PersonErased() as e:
                await self._erase(conn, e.person_id, d)

    async def _membership(self, conn: AsyncConnection, person_id: str, day: object, org_id: str | None, position: int) -> None:
        await self._step.run(conn, {"person_id": person_id, "effective_on": day, "org_id": org_id, "position": position})

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
