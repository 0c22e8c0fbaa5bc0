"""People, memberships, officers and trainings read models, applied in the append's transaction.

Names are kept sealed; a blind index of keyed word-prefix digests lets staff search them. An erasure
destroys the person's key in the same transaction as its event, so there is never a moment when the
event is recorded and the data still readable. A rebuild after an erasure finds no key and leaves the
fields erased rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerTrained
from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased, PersonRegistered
from kit.crypto import KeyRing, open_field
from kit.store import Inserts, Recorded

from ..tables import memberships, officers, people, person_search, trainings


class PeopleProjection:
    """Applies person, member and officer events; an inline projection that only writes, unless it must read the key
    of a person it registers (`reads_keys`): the event store then runs it before its pipeline."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def reads_keys(self, recorded: Sequence[Recorded]) -> bool:
        """Whether it reads keys for these: a registered person whose key this service did not just make (a rebuild)."""
        return any(isinstance(r.event, PersonRegistered) and not self.keyring.made(r.event.person_id) for r in recorded)

    async def apply(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        """Applies a batch of the registry's own events (others are ignored)."""
        registered = [r.event.person_id for r in recorded if isinstance(r.event, PersonRegistered)]
        keys = self.keyring.take_made(registered)
        if unknown := [p for p in registered if p not in keys]:
            keys |= await self.keyring.keys(conn, unknown)
        rows = Inserts()
        for r in recorded:
            at = {"position": r.position, "recorded_at": r.recorded_at}
            match r.event:
                case PersonRegistered() as e:
                    rows.add(
                        people,
                        person_id=e.person_id,
                        recorded_by=e.org_id,
                        full_name=e.full_name,
                        birth_date=e.birth_date,
                        position=e.position,
                        recorded_at=r.recorded_at,
                    )
                    name = open_field(keys.get(e.person_id), e.person_id, e.full_name)
                    for token in self.keyring.blind(name or ""):
                        rows.add(person_search, token=token, person_id=e.person_id)
                case MemberAdmitted() as e:
                    rows.add(memberships, person_id=e.person_id, effective_on=e.since, org_id=e.org_id, **at)
                case MemberTransferred() as e:
                    rows.add(memberships, person_id=e.person_id, effective_on=e.effective_on, org_id=e.org_id, **at)
                case MemberLeft() as e:
                    rows.add(memberships, person_id=e.person_id, effective_on=e.effective_on, org_id=None, **at)
                case OfficerAssigned() as e:
                    rows.add(
                        officers,
                        officer_id=e.officer_id,
                        person_id=e.person_id,
                        org_id=e.org_id,
                        council_id=e.council_id,
                        role=e.role.value,
                        since=e.since,
                        released=e.released,
                        recorded_at=r.recorded_at,
                    )
                case OfficerTrained() as e:
                    rows.add(
                        trainings,
                        **e.model_dump(
                            include={"training_id", "officer_id", "person_id", "org_id", "course", "provider", "on", "hours"}
                        ),
                        recorded_at=r.recorded_at,
                    )
                case OfficerRelieved() as e:
                    await rows.flush(conn)
                    await conn.execute(
                        update(officers)
                        .where(officers.c.officer_id == e.officer_id)
                        .values(until=e.until, relief_reason=e.reason, relieved_recorded_at=r.recorded_at)
                    )
                case PersonErased() as e:
                    await rows.flush(conn)
                    await self._erase(conn, e, r)
        await rows.flush(conn)

    async def _erase(self, conn: AsyncConnection, e: PersonErased, r: Recorded) -> None:
        await self.keyring.destroy(conn, e.person_id)
        await conn.execute(delete(person_search).where(person_search.c.person_id == e.person_id))
        await conn.execute(
            update(people)
            .where(people.c.person_id == e.person_id)
            .values(
                full_name=None,
                birth_date=None,
                position=None,
                erased_at=r.recorded_at,
                erasure_basis=e.basis,
                erasure_requested_by=e.requested_by,
            )
        )
