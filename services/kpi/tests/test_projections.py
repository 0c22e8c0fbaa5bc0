"""kpi's consumers against a real PostgreSQL: idempotent, and indifferent to the order facts arrive in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from kpi.domain.facts import OrgFacts
from kpi.domain.periods import parse_period
from kpi.projections import sources
from kpi.projections.own import apply_own
from kpi.queries.facts import load_scope
from kpi.queries.figures import compute
from kpi.tables import posts
from sqlalchemy import select

from contracts.base import Event
from contracts.contacts import ChannelClosed, ChannelOpened, ChannelStatsReported
from contracts.contacts.events import ChannelKind
from contracts.exchange import ParticipationReported
from contracts.kpi import PeriodClosed, TargetSet
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole
from contracts.org_facts import BudgetAdopted
from kit.db import make_engine
from kit.projection import Delivered
from kit.store import Recorded
from mirrors.treemirror import Orgs

ONE_ORG = Orgs(date(2026, 12, 31), {"p": None}, {"p": "primary"}, {"p": date(2000, 1, 1)}, {"p": None})


def delivered(context: str, position: int, event: Event, at: datetime | None = None) -> Delivered:
    at = at or datetime(2026, 8, 3, 9, tzinfo=UTC)
    return Delivered(context, position, f"e{position}", event.ce_subject, event.ce_org_id, event.ce_type(), event, at)


async def test_facts_apply_once_whatever_order_they_come_in(database_url: str) -> None:
    engine = make_engine(database_url)
    relieved = OfficerRelieved(officer_id="o1", person_id="ann", org_id="p", until=date(2026, 9, 1))
    assigned = OfficerAssigned(officer_id="o1", person_id="ann", org_id="p", role=OfficerRole.INFO_WORKER, since=date(2020, 1, 1))
    newer = BudgetAdopted(org_id="p", year=2026, total=Decimal(100), information=Decimal(7))
    older = BudgetAdopted(org_id="p", year=2026, total=Decimal(100), information=Decimal(3))
    stats = ChannelStatsReported(channel_id="c", org_id="p", period="2026-Q3", subscribers=10)
    first = ParticipationReported(material_id="m", org_id="p", on_site=1, online=2)
    restated = ParticipationReported(material_id="m", org_id="p", on_site=5, online=5)
    exchange = sources.ExchangeSource(UTC)
    try:
        async with engine.begin() as conn:
            for _ in range(2):  # a redelivery changes nothing
                await sources.from_registry(conn, delivered("registry", 9, relieved))
                await sources.from_registry(conn, delivered("registry", 5, assigned))
                await sources.from_registry(conn, delivered("registry", 8, newer))
                await sources.from_registry(conn, delivered("registry", 7, older))
                await sources.from_contacts(conn, delivered("contacts", 3, stats))
                await exchange.apply(conn, delivered("exchange", 2, first))
                await exchange.apply(conn, delivered("exchange", 4, restated, datetime(2026, 10, 2, tzinfo=UTC)))
            post = (await conn.execute(select(posts))).one()
            assert (post.role, post.since, post.until) == ("info_worker", date(2020, 1, 1), date(2026, 9, 1))
            facts = (await load_scope(conn, ONE_ORG, "p")).facts["p"]
            assert facts.budgets[2026].information == Decimal(7), "the later adoption wins"
            assert [s.subscribers for s in facts.stats] == [10]
            [row] = facts.participation
            assert (row.on_site, row.online, row.on) == (5, 5, date(2026, 8, 3)), "restated figures, first period"
    finally:
        await engine.dispose()


def known(tree: Orgs, day: int | None) -> Orgs:
    """The tree read as known at the end of that August day (UTC here), or as known now."""
    return replace(tree, known_by=None if day is None else datetime(2026, 8, day + 1, tzinfo=UTC))


def budget(information: int) -> BudgetAdopted:
    return BudgetAdopted(org_id="p", year=2026, total=Decimal(100), information=Decimal(information))


def stats(subscribers: int) -> ChannelStatsReported:
    return ChannelStatsReported(channel_id="c", org_id="p", period="2026", subscribers=subscribers)


def joined(on_site: int) -> ParticipationReported:
    return ParticipationReported(material_id="m", org_id="p", on_site=on_site, online=on_site)


PAGE = ChannelOpened(channel_id="c", org_id="p", kind=ChannelKind.SOCIAL_PAGE, name="ВК", since=date(2020, 1, 1))
LEARNT = [
    ("registry", 3, budget(3)),
    ("registry", 10, budget(7)),
    ("contacts", 3, PAGE),
    ("contacts", 10, ChannelClosed(channel_id="c", org_id="p", effective_on=date(2026, 5, 1))),
    ("contacts", 4, stats(10)),
    ("contacts", 10, stats(30)),
    ("exchange", 5, joined(1)),
    ("exchange", 10, joined(5)),
]
"""(context, August day recorded, event): a budget restated, a page closed, figures restated, each on the 10th."""
OWN = [
    (3, TargetSet(org_id="p", period="2026", targets={"K2": Decimal("0.05")})),
    (10, TargetSet(org_id="p", period="2026", targets={"K2": Decimal("0.08")})),
    (20, PeriodClosed(org_id="p", period="2026", closed_on=date(2027, 1, 10), figures={})),
]


async def test_as_known_on_a_day_a_later_restatement_or_change_is_not_seen(database_url: str) -> None:
    engine = make_engine(database_url)
    exchange = sources.ExchangeSource(UTC)
    apply = {"registry": sources.from_registry, "contacts": sources.from_contacts, "exchange": exchange.apply}
    try:
        async with engine.begin() as conn:
            for position, (context, day, event) in enumerate(LEARNT, start=1):
                await apply[context](conn, delivered(context, position, event, datetime(2026, 8, day, 9, tzinfo=UTC)))
            for position, (day, event) in enumerate(OWN, start=1):
                await apply_own(conn, [Recorded(position, f"k{position}", "s", 1, event, datetime(2026, 8, day, 9, tzinfo=UTC))])

            async def facts(day: int | None) -> OrgFacts:
                return (await load_scope(conn, known(ONE_ORG, day), "p")).facts["p"]

            then, now, before = await facts(9), await facts(None), await facts(2)
            assert (then.budgets[2026].information, now.budgets[2026].information) == (Decimal(3), Decimal(7))
            assert before.budgets == {} and before.channels == [] and before.stats == []
            assert ([c.closed_on for c in then.channels], [c.closed_on for c in now.channels]) == ([None], [date(2026, 5, 1)])
            assert ([s.subscribers for s in then.stats], [s.subscribers for s in now.stats]) == ([10], [30])
            assert [(w.on, w.on_site) for w in then.participation] == [(date(2026, 8, 5), 1)]
            assert [(w.on, w.on_site) for w in now.participation] == [(date(2026, 8, 5), 5)], "dated by the first report"
            year = parse_period("2026")
            targets = {d: (await compute(conn, known(ONE_ORG, d), "p", year)).targets for d in (2, 9, 10)}
            assert targets == {2: {}, 9: {"p": {"K2": Decimal("0.05")}}, 10: {"p": {"K2": Decimal("0.08")}}}
            closed = {d: (await compute(conn, known(ONE_ORG, d), "p", year)).closed for d in (19, 20)}
            assert (closed[19], list(closed[20])) == ({}, ["p"]), "a period closed later shows its live figures before"
    finally:
        await engine.dispose()
