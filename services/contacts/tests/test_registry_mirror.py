"""Contacts' copy of the registry against a real PostgreSQL: where each person belongs, over time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from contacts.projections.registry import RegistryMirror
from contacts.queries.membership import orgs_today
from contacts.tables import ledger, member_orgs
from sqlalchemy import select

from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonRegistered
from kit.crypto import KeyRing, generate_master_key
from kit.db import make_engine
from kit.projection import Delivered


def delivered(position: int, event: Any) -> Delivered:
    return Delivered(
        "registry", position, f"e{position}", event.person_id, event.org_id, event.ce_type(), event, datetime.now(UTC)
    )


async def test_a_member_admitted_moved_and_gone_is_followed_by_org_and_membership_history(database_url: str) -> None:
    engine = make_engine(database_url)
    mirror = RegistryMirror(KeyRing(ledger, generate_master_key()))
    events = [
        PersonRegistered(person_id="p1", org_id="a", full_name="pd1:x"),
        MemberAdmitted(person_id="p1", org_id="a", since=date(2020, 1, 1)),
        MemberTransferred(person_id="p1", org_id="b", previous_org_id="a", effective_on=date(2024, 3, 1)),
        MemberLeft(person_id="p1", org_id="b", effective_on=date(2025, 6, 30), reason="retired"),
    ]
    try:
        async with engine.begin() as conn:
            for position, event in enumerate(events, 1):
                await mirror.apply(conn, delivered(position, event))
                if position == 3:
                    moved = await orgs_today(conn, ["p1"], date(2025, 1, 1))
        async with engine.connect() as conn:
            history = [
                tuple(r)
                for r in await conn.execute(
                    select(member_orgs.c.effective_on, member_orgs.c.org_id).order_by(member_orgs.c.position)
                )
            ]
            last = await orgs_today(conn, ["p1"], date(2026, 1, 1))
    finally:
        await engine.dispose()
    assert history == [(date(2020, 1, 1), "a"), (date(2024, 3, 1), "b"), (date(2025, 6, 30), None)]
    assert moved == {"p1": "b"} and last == {"p1": "b"}, "a former member stays with the org they were last in"
