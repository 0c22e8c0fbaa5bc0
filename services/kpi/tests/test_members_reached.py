"""K6's members and their addresses as kpi learns them and counts them on a day, against a real PostgreSQL: the org of
each member's membership that day, each address usable that day (consent in force for a personal one), erased or
merged addresses and erased people never, each member once — as known now or on a past day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from kpi.projections import sources
from kpi.queries.facts import load_scope
from kpi.tables import contact_points
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event
from contracts.contacts import (
    ConsentGranted,
    ConsentMethod,
    ConsentWithdrawn,
    ContactAdded,
    ContactErased,
    ContactKind,
    ContactMerged,
)
from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased
from kit.db import make_engine
from kit.projection import Delivered
from mirrors.treemirror import Orgs

EARLY, LATE = datetime(2027, 1, 5, 9, tzinfo=UTC), datetime(2027, 1, 20, 9, tzinfo=UTC)
"""When the sources recorded the facts below: most early in January, a few later."""
SINCE = date(2020, 1, 1)


def admitted(person: str, org: str = "p") -> MemberAdmitted:
    return MemberAdmitted(person_id=person, org_id=org, since=SINCE)


def added(contact: str, person: str, kind: ContactKind) -> ContactAdded:
    return ContactAdded(contact_id=contact, person_id=person, org_id="p", kind=kind, value="pd1:AAAA")


def consent(contact: str, person: str, on: date) -> ConsentGranted:
    return ConsentGranted(
        contact_id=contact, person_id=person, org_id="p", given_at=on, method=ConsentMethod.WRITTEN, recorded_by="staff"
    )


def withdrawn(contact: str, person: str, on: date) -> ConsentWithdrawn:
    return ConsentWithdrawn(contact_id=contact, person_id=person, org_id="p", at=on, recorded_by="staff")


REGISTRY: list[tuple[Event, datetime]] = [
    *((admitted(who), EARLY) for who in ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")),
    (MemberTransferred(person_id="cat", org_id="q", previous_org_id="p", effective_on=date(2026, 6, 1)), EARLY),
    (MemberLeft(person_id="eve", org_id="p", effective_on=date(2026, 3, 1), reason="retired"), EARLY),
    (PersonErased(person_id="dan", org_id="p", basis="заявление", requested_by="admin", requested_on=date(2027, 1, 20)), LATE),
]
WORK, HOME, MOBILE = ContactKind.WORK_EMAIL, ContactKind.PERSONAL_EMAIL, ContactKind.MOBILE
CONTACTS: list[tuple[Event, datetime]] = [
    (added("ann-work", "ann", WORK), EARLY),
    (added("ann-mobile", "ann", MOBILE), EARLY),
    (consent("ann-mobile", "ann", date(2026, 2, 1)), EARLY),
    (added("bob-home", "bob", HOME), EARLY),
    (consent("bob-home", "bob", date(2026, 4, 15)), EARLY),
    (withdrawn("bob-home", "bob", date(2026, 10, 1)), EARLY),
    (consent("bob-home", "bob", date(2026, 11, 15)), LATE),  # consent given again
    (added("cat-work", "cat", WORK), EARLY),
    (added("dan-work", "dan", WORK), EARLY),
    (added("eve-work", "eve", WORK), EARLY),
    (added("gus-work", "gus", WORK), EARLY),
    (ContactMerged(contact_id="gus-work", into_contact_id="ann-work", person_id="gus", org_id="p", recorded_by="s"), EARLY),
    (added("hal-home", "hal", HOME), EARLY),  # never consented to
    (added("hal-work", "hal", WORK), EARLY),
    (ContactErased(contact_id="hal-work", person_id="hal", org_id="p", reason="PD1"), LATE),
]
PARENTS: dict[str, str | None] = {"t": None, "p": "t", "q": "t"}
TREE = Orgs(date(2026, 12, 31), PARENTS, {"t": "territorial", "p": "primary", "q": "primary"}, {}, PARENTS)


def delivered(context: str, position: int, event: Event, at: datetime) -> Delivered:
    return Delivered(context, position, f"e{position}", event.ce_subject, event.ce_org_id, event.ce_type(), event, at)


async def learn(conn: AsyncConnection) -> None:
    for _ in range(2):  # a redelivery changes nothing
        for position, (event, at) in enumerate(REGISTRY, start=1):
            await sources.from_registry(conn, delivered("registry", position, event, at))
        for position, (event, at) in enumerate(CONTACTS, start=1):
            await sources.from_contacts(conn, delivered("contacts", position, event, at))


def kinds(*names: ContactKind) -> frozenset[str]:
    return frozenset(k.value for k in names)


NONE = frozenset[str]()


async def test_members_are_counted_by_their_addresses_usable_on_the_day(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await learn(conn)
            states = await conn.execute(select(func.count()).select_from(contact_points))
            assert states.scalar_one() == len(CONTACTS), "one state a contact point's event, a redelivery none"
            assert "value" not in contact_points.c, "the sealed address is never kept"

            async def on(day: date, known_by: datetime | None = None) -> tuple[dict[frozenset[str], int], ...]:
                scope = await load_scope(conn, replace(TREE, day=day, known_by=known_by), "t")
                return scope.facts["p"].addresses, scope.facts["q"].addresses

            # 31 Dec: ann by work e-mail and mobile; bob's personal e-mail again from 15 Nov; cat in q since June;
            # dan erased, eve gone, fay without an address, gus's merged away, hal's unconsented and erased
            p, q = await on(date(2026, 12, 31))
            assert p == {kinds(WORK, MOBILE): 1, kinds(HOME): 1, NONE: 4}
            assert q == {kinds(WORK): 1}, "a transferred member counts for the new org, not the old"
            # 31 Oct: bob's consent was withdrawn on 1 Oct
            assert (await on(date(2026, 10, 31)))[0] == {kinds(WORK, MOBILE): 1, NONE: 5}
            # 30 Sep: bob's consent of 15 Apr stands (the day before its withdrawal counts)
            assert (await on(date(2026, 9, 30)))[0] == {kinds(WORK, MOBILE): 1, kinds(HOME): 1, NONE: 4}
            # 31 Mar: before bob's consent; cat still in p; eve left on 1 Mar
            assert (await on(date(2026, 3, 31)))[0] == {kinds(WORK, MOBILE): 1, kinds(WORK): 1, NONE: 5}
            # 28 Feb: eve still a member; 31 Jan: ann's mobile not yet consented to
            assert (await on(date(2026, 2, 28)))[0] == {kinds(WORK, MOBILE): 1, kinds(WORK): 2, NONE: 5}
            assert (await on(date(2026, 1, 31)))[0] == {kinds(WORK): 3, NONE: 5}

            # as known on 10 January: bob's new consent, dan's erasure and hal's erased address not yet recorded
            known = datetime(2027, 1, 11, tzinfo=UTC)
            p, _ = await on(date(2026, 12, 31), known)
            assert p == {kinds(WORK, MOBILE): 1, kinds(WORK): 2, NONE: 3}
            assert await on(date(2026, 12, 31), datetime(2027, 1, 1, tzinfo=UTC)) == ({}, {}), "nothing recorded yet"
    finally:
        await engine.dispose()
