"""Compliance's facts as known on a past day (DESIGN.md §3, `known_on`), against a real PostgreSQL: the audits' read
models fed with events recorded on different days, then read as known at the end of each day. Written from §3's text:
only what was recorded by then counts, a change recorded later is as if not made, a restatement recorded later does
not replace what was known then, and access stays on today's tree as known now (§5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from audits.projections import own
from audits.projections.facts import from_contacts, from_registry
from audits.queries.facts import gather
from audits.tables import TREE
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.audits import AuditCompleted, AuditScheduled, AuditStarted, PlanReported, PlanSubmitted
from contracts.base import Event
from contracts.contacts import ChannelClosed, ChannelOpened, ConsentGranted, ConsentWithdrawn, ContactAdded
from contracts.contacts.events import Audience, ChannelKind, ConsentMethod, ContactKind
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole
from contracts.org_facts import BudgetAdopted
from contracts.registry import HeadcountReported, Level, OrgDissolved, OrgMoved, OrgRegistered
from kit.db import make_engine
from kit.projection import Delivered
from kit.store import Recorded
from mirrors.treemirror import Orgs, orgs_on

DAY, TODAY = date(2026, 6, 15), date(2026, 12, 1)


def on(day: int) -> datetime:
    """Noon (UTC) of a recording day in November 2026."""
    return datetime(2026, 11, day, 12, tzinfo=UTC)


def end_of(day: int) -> datetime:
    """`known_on` = that November day: recorded before the next midnight (UTC here)."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(days=1)


class World:
    """Feeds the projections as the streams and the audits ledger would, each event at its own recording time."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn, self.position = conn, 0

    async def registry(self, day: int, event: Event) -> None:
        await from_registry(self.conn, self._delivered("registry", day, event))

    async def contacts(self, day: int, event: Event) -> None:
        await from_contacts(self.conn, self._delivered("contacts", day, event))

    async def audits(self, day: int, event: Event) -> None:
        self.position += 1
        await own.apply(self.conn, [Recorded(self.position, f"a{self.position}", "s", 1, event, on(day))])

    def _delivered(self, context: str, day: int, event: Event) -> Delivered:
        self.position += 1
        p = self.position
        return Delivered(context, p, f"e{p}", event.ce_subject, event.ce_org_id, event.ce_type(), event, on(day))

    async def facts(self, org_id: str, known: int | None, day: date = DAY) -> Any:
        tree = await self.tree(day, known)
        return (await gather(self.conn, tree, [org_id]))[org_id]

    async def tree(self, day: date, known: int | None) -> Orgs:
        return await orgs_on(self.conn, TREE, day, TODAY, None if known is None else end_of(known))


ORGS = [("cc", Level.CENTRAL, None, 1), ("t", Level.TERRITORIAL, "cc", 1), ("u", Level.TERRITORIAL, "cc", 1)]
ORGS += [("p", Level.PRIMARY, "t", 2)]
"""The union: a primary org p under t, recorded on 2 November; the rest on the 1st."""


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            w = World(conn)
            for org_id, level, parent_id, day in ORGS:
                registered = OrgRegistered(
                    org_id=org_id, name=org_id, level=level, parent_id=parent_id, registered_on=date(1995, 1, 1)
                )
                await w.registry(day, registered)
            yield w
    finally:
        await engine.dispose()


async def test_an_org_and_a_move_count_from_their_recording(world: World) -> None:
    assert not (await world.tree(DAY, 1)).exists("p"), "registered on the 2nd"
    assert (await world.tree(DAY, 2)).parents["p"] == "t"
    await world.registry(5, OrgMoved(org_id="p", parent_id="u", previous_parent_id="t", effective_on=date(2026, 1, 1)))
    before, after = await world.tree(DAY, 4), await world.tree(DAY, 5)
    assert (before.parents["p"], after.parents["p"]) == ("t", "u")
    assert before.places["p"] == after.places["p"] == "u", "who may see it is decided on today's tree as known now"
    assert before.known_by == end_of(4) and (await world.tree(DAY, None)).known_by is None


async def test_a_dissolution_recorded_later_is_as_if_not_made(world: World) -> None:
    await world.registry(6, OrgDissolved(org_id="p", effective_on=date(2026, 1, 1), reason="ликвидация"))
    assert (await world.tree(DAY, 5)).exists("p") and not (await world.tree(DAY, 6)).exists("p")
    assert not (await world.tree(DAY, None)).exists("p")


async def test_a_headcount_counts_from_its_recording_and_a_later_one_does_not_replace_it_before(world: World) -> None:
    await world.registry(3, HeadcountReported(org_id="p", members=600, as_of=date(2026, 1, 1)))
    await world.registry(8, HeadcountReported(org_id="p", members=450, as_of=date(2026, 1, 1)))
    assert not (await world.facts("p", 2)).members.reported
    assert (await world.facts("p", 3)).members.known == 600
    assert (await world.facts("p", 8)).members.known == 450
    assert (await world.facts("t", 7)).members.known == 600, "a territorial org sums what was known of its primaries"


async def test_a_closure_a_relief_and_a_restated_budget_recorded_later_are_not_seen_before(world: World) -> None:
    page = ChannelOpened(
        channel_id="c", org_id="p", kind=ChannelKind.SOCIAL_PAGE, name="ВК", audience=Audience.PUBLIC, since=date(2020, 1, 1)
    )
    await world.contacts(3, page)
    await world.contacts(9, ChannelClosed(channel_id="c", org_id="p", effective_on=date(2026, 1, 1), reason="закрыта"))
    chair = OfficerAssigned(officer_id="o", person_id="x", org_id="p", role=OfficerRole.CHAIR, since=date(2020, 1, 1))
    await world.registry(3, chair)
    await world.registry(9, OfficerRelieved(officer_id="o", person_id="x", org_id="p", until=date(2026, 1, 1)))
    await world.registry(3, BudgetAdopted(org_id="p", year=2026, total=Decimal(1000), information=Decimal(60)))
    await world.registry(9, BudgetAdopted(org_id="p", year=2026, total=Decimal(1000), information=Decimal(40)))
    then, now = await world.facts("p", 8), await world.facts("p", None)
    assert [r.kind for r in then.resources] == ["social_page"] and now.resources == ()
    assert [p.role for p in then.posts] == ["chair"] and now.posts == ()
    assert (then.budget.information, now.budget.information) == (Decimal(60), Decimal(40))
    assert (await world.facts("p", 2)).budget is None, "nothing was adopted yet"


async def test_an_audit_completed_later_is_not_done_before(world: World) -> None:
    await world.audits(3, AuditScheduled(audit_id="a", org_id="p", by_org_id="t", planned_on=date(2026, 3, 1)))
    await world.audits(3, AuditStarted(audit_id="a", org_id="p", by_org_id="t", started_on=date(2026, 3, 1), checklist=[]))
    await world.audits(10, AuditCompleted(audit_id="a", org_id="p", by_org_id="t", completed_on=date(2026, 3, 2), score=80))
    assert [c.last_audit for c in (await world.facts("t", 9)).children] == [None]
    assert [c.last_audit for c in (await world.facts("t", 10)).children] == [date(2026, 3, 2)]


async def test_a_replaced_plan_and_its_report_as_each_was_known(world: World) -> None:
    q2 = {"org_id": "p", "quarter": "2026-Q2"}
    await world.audits(3, PlanSubmitted(**q2, submitted_on=date(2026, 4, 1), items=["стенд"]))
    await world.audits(5, PlanSubmitted(**q2, submitted_on=date(2026, 6, 20), items=["стенд", "рассылка"]))
    assert (await world.facts("p", 2)).plans.current is False
    assert (await world.facts("p", 4)).plans.current is True, "the first plan, adopted before the day"
    assert (await world.facts("p", 5)).plans.current is False, "replaced by one adopted after the day"
    await world.audits(6, PlanReported(**q2, reported_on=date(2026, 7, 5), summary="сделано"))
    july = date(2026, 7, 10)
    assert (await world.facts("p", 5, july)).plans.previous_reported is False
    assert (await world.facts("p", 6, july)).plans.previous_reported is True


async def test_consent_withdrawn_later_still_reaches_before(world: World) -> None:
    chair = OfficerAssigned(officer_id="o", person_id="x", org_id="p", role=OfficerRole.CHAIR, since=date(2020, 1, 1))
    await world.registry(3, chair)
    point = {"contact_id": "k", "person_id": "x", "org_id": "p"}
    await world.contacts(3, ContactAdded(**point, kind=ContactKind.MOBILE, value="pd1:sealed"))
    given = ConsentGranted(**point, given_at=date(2020, 1, 1), method=ConsentMethod.WRITTEN, recorded_by="staff")
    await world.contacts(4, given)
    await world.contacts(7, ConsentWithdrawn(**point, at=date(2026, 1, 1), recorded_by="staff"))
    reached = {k: (await world.facts("cc", k)).contact_base for k in (3, 4, 7)}
    assert [(r.org_id, r.reached) for r in reached[3] if r.org_id == "p"] == [("p", 0)], "no consent yet"
    assert [(r.org_id, r.reached) for r in reached[4] if r.org_id == "p"] == [("p", 1)]
    assert [(r.org_id, r.reached) for r in reached[7] if r.org_id == "p"] == [("p", 0)]
