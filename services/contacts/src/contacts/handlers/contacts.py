"""Commands about contact points: record, consent, withdrawal, merge, and the PD1 sweep of withdrawn ones."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import AddContactPoint, EraseWithdrawn, GrantConsent, MergeContacts, WithdrawConsent
from kit import clock, logs
from kit.access import require
from kit.crypto import KeyRing
from kit.errors import RuleBroken, forbidden, not_found
from kit.ids import new_id
from kit.locks import pause
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold, Meta
from kit.tokens import Role

from ..domain import contacts
from ..domain.addresses import normalise
from ..domain.contacts import Contact
from ..queries.membership import org_today_of, orgs_today
from ..queries.mirror import Orgs, orgs_on
from ..tables import contact_points, people

CONTACT_FOLD = Fold(contacts.NOTHING, contacts.evolve)
log = logs.get("contacts")
SWEEPER = Meta(actor="contacts")
"""Who the periodic sweep's erasures are recorded as."""


def contact_stream(contact_id: str) -> str:
    return f"contact-{contact_id}"


class ContactHandlers:
    """Commands about people's contact points."""

    def __init__(self, store: EventStore, keyring: KeyRing, grace_days: int) -> None:
        self.store, self.keyring, self.grace_days = store, keyring, grace_days

    async def _check(self, conn: AsyncConnection, person_id: str, ctx: Context) -> tuple[Orgs, str]:
        """Today's tree and the person's org today; refuses unless the caller may report facts there (§5)."""
        tree, org_id = await orgs_on(conn, ctx.today, ctx.today), await org_today_of(conn, person_id, ctx.today)
        require(ctx.actor, "report_facts", tree.reach(org_id))
        return tree, org_id

    async def add_contact_point(self, c: AddContactPoint, ctx: Context) -> Committed:
        """Records a person's address, normalised, sealed with its own key; says which ones it duplicates."""
        value = normalise(c.kind, c.value)
        contact_id = new_id()
        consent = (c.consent.given_at, c.consent.method) if c.consent else None
        if consent is not None:  # checked before anything is sealed or kept
            contacts.consent_given(consent[0], ctx.today, "consent.given_at")
        async with self.store.engine.begin() as conn:
            person = (await conn.execute(select(people).where(people.c.person_id == c.person_id))).first()
            if person is None:
                raise not_found("person", field="person_id")
            if person.erased_at is not None:
                raise RuleBroken("PD1", "this person's data was erased; nothing new may be kept", field="person_id")
            tree, org_id = await self._check(conn, c.person_id, ctx)
            sealed = (await self.keyring.seal_many(conn, {contact_id: {"value": value}}))[contact_id]["value"]
            duplicates = await self._duplicates(conn, tree, self.keyring.blind_value(value), ctx)
        assert sealed is not None
        events = contacts.decide_add(contact_id, c.person_id, org_id, c.kind, sealed, consent, ctx.actor.username)
        data = {"id": contact_id, "person_id": c.person_id, "kind": c.kind.value, "duplicates": duplicates}
        return await self.store.append(contact_stream(contact_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def _duplicates(self, conn: AsyncConnection, tree: Orgs, digest: str, ctx: Context) -> list[str]:
        """Live addresses equal to this one, of people whose personal data the caller may read today: no more."""
        cp = contact_points.c
        same = (
            await conn.execute(select(cp.contact_id, cp.person_id).where(cp.digest == digest, cp.merged_into.is_(None)))
        ).all()
        owners = await orgs_today(conn, [r.person_id for r in same], ctx.today)
        seen = {p for p, org in owners.items() if tree.may(ctx.actor, "read_personal_data", org)}
        return [r.contact_id for r in same if r.person_id in seen]

    async def _contact(self, contact_id: str, ctx: Context, field: str = "contact_id") -> tuple[Contact, int]:
        contact, version = await self.store.load(contact_stream(contact_id), CONTACT_FOLD)
        if not contact.contact_id:
            raise not_found("contact point", field=field)
        async with self.store.engine.connect() as conn:
            await self._check(conn, contact.person_id, ctx)
        return contact, version

    async def grant_consent(self, c: GrantConsent, ctx: Context) -> Committed:
        """Records the owner's consent to use an address."""
        contact, version = await self._contact(c.contact_id, ctx)
        contacts.consent_given(c.given_at, ctx.today, "given_at")
        events = contacts.decide_grant(contact, c.given_at, c.method, ctx.actor.username)
        data = {"id": c.contact_id, "consent_since": c.given_at.isoformat()}
        return await self.store.append(contact_stream(c.contact_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def withdraw_consent(self, c: WithdrawConsent, ctx: Context) -> Committed:
        """Records a withdrawal; the very next request for usable addresses leaves this one out."""
        at = c.at or ctx.today
        contact, version = await self._contact(c.contact_id, ctx)
        events = contacts.decide_withdraw(contact, at, ctx.actor.username, ctx.today)
        erase_on = at + timedelta(days=self.grace_days)
        data = {"id": c.contact_id, "withdrawn_on": at.isoformat(), "erased_by": erase_on.isoformat()}
        return await self.store.append(contact_stream(c.contact_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def merge_contacts(self, c: MergeContacts, ctx: Context) -> Committed:
        """Merges a duplicate into a contact point with the same normalised address."""
        duplicate, version = await self._contact(c.contact_id, ctx)
        into, _ = await self._contact(c.into_contact_id, ctx, field="into_contact_id")
        async with self.store.engine.connect() as conn:
            rows = await conn.execute(
                select(contact_points.c.digest).where(contact_points.c.contact_id.in_([c.contact_id, c.into_contact_id]))
            )
            digests = [r.digest for r in rows]
        same = len(digests) == 2 and digests[0] is not None and digests[0] == digests[1]
        events = contacts.decide_merge(duplicate, into, same, ctx.actor.username)
        data = {"id": c.contact_id, "into_contact_id": c.into_contact_id}
        return await self.store.append(contact_stream(c.contact_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def erase_withdrawn(self, c: EraseWithdrawn, ctx: Context) -> dict[str, Any]:
        """The PD1 sweep on demand (admins and services)."""
        if ctx.actor.role not in (Role.ADMIN, Role.SERVICE):
            raise forbidden("only an admin may run the erasure sweep")
        # each address's erasure is an append of its own: under the command's id all but the first would be repeats
        return {"erased": await self.sweep(c.today or ctx.today, replace(ctx.meta, command_id=None))}

    async def sweep(self, today: date, meta: Meta = SWEEPER) -> list[str]:
        """Erases every address whose consent was withdrawn at least the grace period before `today`."""
        cp = contact_points.c
        due = today - timedelta(days=self.grace_days)
        async with self.store.engine.connect() as conn:
            rows = await conn.execute(
                select(cp.contact_id).where(cp.withdrawn_on <= due, cp.consent_since.is_(None), cp.erased_at.is_(None))
            )
            candidates = [r.contact_id for r in rows]
        erased = []
        for contact_id in candidates:
            contact, version = await self.store.load(contact_stream(contact_id), CONTACT_FOLD)
            if events := contacts.decide_erase_withdrawn(contact, today, self.grace_days):
                await self.store.append(contact_stream(contact_id), events, expected_version=version, meta=meta)
                erased.append(contact_id)
        return erased

    async def sweep_now_and_then(self, stop: asyncio.Event, every: float, tz: ZoneInfo) -> None:
        """Runs the sweep at start and then every `every` seconds until stopped."""
        while not stop.is_set():
            try:
                if erased := await self.sweep(clock.today(tz)):
                    log.info("erased addresses whose consent was withdrawn", count=len(erased))
            except Exception:
                log.exception("the erasure sweep failed; it runs again later")
            await pause(stop, every)
