"""Where a person belongs for access, read off their dated membership timeline (DESIGN.md §5): the registry mirror's
timeline against a real PostgreSQL (the rule itself: contracts/mirrors/tests/test_membership.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from contacts.projections.registry import RegistryMirror
from contacts.queries.membership import orgs_today
from contacts.tables import ledger, people
from sqlalchemy import select

from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonRegistered
from kit.crypto import KeyRing, generate_master_key
from kit.db import make_engine
from kit.projection import Delivered

D = date.fromisoformat
TODAY = D("2026-12-06")


def delivered(position: int, event: Any) -> Delivered:
    return Delivered(
        "registry", position, f"e{position}", event.person_id, event.org_id, event.ce_type(), event, datetime.now(UTC)
    )


async def test_the_mirror_keeps_a_dated_timeline_not_the_last_event_applied(database_url: str) -> None:
    engine = make_engine(database_url)
    mirror = RegistryMirror(KeyRing(ledger, generate_master_key()))
    soon = TODAY + timedelta(days=40)
    events = [
        PersonRegistered(person_id="moved", org_id="a", full_name="pd1:x"),
        MemberAdmitted(person_id="moved", org_id="a", since=D("2020-01-01")),
        MemberTransferred(person_id="moved", org_id="c", previous_org_id="a", effective_on=D("2024-03-01")),
        MemberTransferred(person_id="moved", org_id="b", previous_org_id="a", effective_on=D("2022-01-01")),  # back-filled
        PersonRegistered(person_id="leaving", org_id="a", full_name="pd1:y"),
        MemberAdmitted(person_id="leaving", org_id="a", since=D("2020-01-01")),
        MemberTransferred(person_id="leaving", org_id="d", previous_org_id="a", effective_on=soon),  # dated ahead
        PersonRegistered(person_id="gone", org_id="a", full_name="pd1:z"),
        MemberAdmitted(person_id="gone", org_id="a", since=D("2020-01-01")),
        MemberLeft(person_id="gone", org_id="a", effective_on=D("2025-06-30"), reason="retired"),
        PersonRegistered(person_id="editor", org_id="t", full_name="pd1:e"),
    ]
    try:
        async with engine.begin() as conn:
            for position, event in enumerate(events, 1):
                await mirror.apply(conn, delivered(position, event))
        async with engine.connect() as conn:
            who = ["moved", "leaving", "gone", "editor", "stranger"]
            now, then, later = [await orgs_today(conn, who, day) for day in (TODAY, D("2023-01-01"), soon)]
            recorded = dict((await conn.execute(select(people.c.person_id, people.c.org_id))).all())
    finally:
        await engine.dispose()
    assert now == {"moved": "c", "leaving": "a", "gone": "a", "editor": "t"}, "no 'stranger': the mirror doesn't know them"
    assert (then["moved"], later["leaving"]) == ("b", "d")
    assert recorded["moved"] == "a", "a transfer leaves the recording org as it was; the timeline alone places a member"
