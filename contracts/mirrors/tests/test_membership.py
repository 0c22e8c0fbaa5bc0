"""The membership timeline contacts, appeals and kpi keep (DESIGN.md §5: a person belongs to the org of their
membership today): the rule without IO, and the table, its events and the query against a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Column, MetaData, Table, Text, select, text

from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonRegistered
from kit.db import make_engine
from kit.projection import Delivered
from mirrors.membership import Membership, apply_membership, member_today, membership_table, org_today, orgs_today

D = date.fromisoformat
TODAY = D("2026-12-06")


def test_the_membership_in_force_today_wins_over_the_last_one_recorded() -> None:
    back_filled = [Membership(D("2020-01-01"), 1, "a"), Membership(D("2024-03-01"), 2, "c"), Membership(D("2022-01-01"), 3, "b")]
    assert org_today(back_filled, TODAY) == "c", "a transfer recorded later but effective earlier flips nothing"
    assert org_today(back_filled, D("2023-01-01")) == "b"
    same_day = [Membership(D("2020-01-01"), 1, "a"), Membership(D("2020-01-01"), 2, "b")]
    assert org_today(same_day, TODAY) == "b", "of two steps valid the same day, the later recorded wins"


def test_a_future_step_counts_only_from_its_day() -> None:
    transfer_to_come = [Membership(D("2020-01-01"), 1, "a"), Membership(TODAY + timedelta(days=1), 2, "b")]
    assert org_today(transfer_to_come, TODAY) == "a"
    assert org_today(transfer_to_come, TODAY + timedelta(days=1)) == "b"
    assert org_today([Membership(TODAY + timedelta(days=9), 1, "f")], TODAY) == "f", "a future admission: its org"


def test_a_former_member_stays_with_the_last_org_before_today() -> None:
    left = [Membership(D("2020-01-01"), 1, "a"), Membership(D("2024-03-01"), 2, "b"), Membership(D("2025-06-30"), 3, None)]
    assert org_today(left, TODAY) == "b"
    assert org_today([], TODAY) is None


def test_a_member_today_is_one_whose_step_in_force_today_is_a_membership() -> None:
    left = [Membership(D("2020-01-01"), 1, "a"), Membership(D("2025-06-30"), 2, None)]
    assert member_today(left, TODAY) is None and member_today(left, D("2025-06-29")) == "a"
    admitted_tomorrow = [Membership(TODAY + timedelta(days=1), 1, "a")]
    assert member_today(admitted_tomorrow, TODAY) is None and member_today(admitted_tomorrow, TODAY + timedelta(days=1)) == "a"
    back_again = [*left, Membership(D("2026-01-01"), 3, "b")]
    assert member_today(back_again, TODAY) == "b"
    assert member_today([], TODAY) is None


def delivered(position: int, event: Any) -> Delivered:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=position)
    return Delivered("registry", position, f"e{position}", event.person_id, event.org_id, event.ce_type(), event, at)


async def test_the_timeline_takes_each_step_once_and_places_people_today(database_url: str) -> None:
    metadata = MetaData(schema="mirrored_members")
    plain, recorded = membership_table(metadata), membership_table(metadata, "memberships", recorded=True)
    people = Table("people", metadata, Column("person_id", Text, primary_key=True), Column("org_id", Text))
    events = [
        MemberAdmitted(person_id="p", org_id="a", since=D("2020-01-01")),
        MemberTransferred(person_id="p", org_id="c", previous_org_id="a", effective_on=D("2024-03-01")),
        MemberTransferred(person_id="p", org_id="b", previous_org_id="a", effective_on=D("2022-01-01")),
        MemberAdmitted(person_id="q", org_id="a", since=D("2020-01-01")),
        MemberLeft(person_id="q", org_id="a", effective_on=D("2025-06-30"), reason="retired"),
    ]
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE SCHEMA mirrored_members"))
            await conn.run_sync(metadata.create_all)
            await conn.execute(people.insert().values(person_id="officer", org_id="t"))
            for position, event in enumerate(events, start=1):
                for table in (plain, recorded):
                    assert await apply_membership(conn, table, delivered(position, event))
                    assert await apply_membership(conn, table, delivered(position, event)), "a redelivery"
            not_ours = PersonRegistered(person_id="x", org_id="a", full_name="pd1:x")
            assert not await apply_membership(conn, plain, delivered(9, not_ours))
            who = ["p", "q", "officer", "stranger"]
            today = await orgs_today(conn, plain, who, TODAY, people)
            then = await orgs_today(conn, recorded, who, D("2023-01-01"))
            steps = (await conn.execute(select(recorded.c.position, recorded.c.recorded_at))).all()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS mirrored_members CASCADE"))
        await engine.dispose()
    assert today == {"p": "c", "q": "a", "officer": "t"}, "a former member stays with their last org; no stranger"
    assert then == {"p": "b", "q": "a"}, "without `people`, only members are placed"
    assert len(steps) == 5 and all(at == delivered(pos, events[0]).recorded_at for pos, at in steps)
