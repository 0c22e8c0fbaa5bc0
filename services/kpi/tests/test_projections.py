"""kpi's consumers against a real PostgreSQL: idempotent, and indifferent to the order facts arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from kpi.projections import sources
from kpi.tables import budgets, channel_stats, participation, posts
from sqlalchemy import select

from contracts.base import Event
from contracts.contacts import ChannelStatsReported
from contracts.exchange import ParticipationReported
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole
from contracts.org_facts import BudgetAdopted
from kit.db import make_engine
from kit.projection import Delivered


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
            assert (await conn.execute(select(budgets.c.information))).scalar_one() == Decimal(7), "the later adoption wins"
            assert (await conn.execute(select(channel_stats.c.subscribers))).scalar_one() == 10
            row = (await conn.execute(select(participation))).one()
            assert (row.on_site, row.online, row.first_on) == (5, 5, date(2026, 8, 3)), "restated figures, first period"
    finally:
        await engine.dispose()
