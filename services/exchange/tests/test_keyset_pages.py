"""Without a database: a page of a list starts after the cursor row's (date, id), in the list's own direction, and
the list's order settles ties on the date by the id, so rows of one instant keep one order from page to page."""

from __future__ import annotations

from datetime import UTC, datetime

from exchange.queries import pages
from exchange.tables import deliveries, materials
from sqlalchemy import select
from sqlalchemy.dialects import postgresql


def _sql(clause: object) -> str:
    return str(clause.compile(dialect=postgresql.dialect()))  # type: ignore[attr-defined]


def test_newest_first_goes_on_below_the_cursor_row_and_oldest_first_above_it() -> None:
    m, d, at = materials.c, deliveries.c, (datetime(2026, 3, 1, tzinfo=UTC), "x")
    newest = _sql(pages.after(m.drafted_at, m.material_id, at, newest_first=True))
    oldest = _sql(pages.after(d.delivered_at, d.org_id, at, newest_first=False))
    assert "(exchange.materials.drafted_at, exchange.materials.material_id) < (" in newest
    assert "(exchange.deliveries.delivered_at, exchange.deliveries.org_id) > (" in oldest


def test_the_order_settles_ties_by_the_id_and_reads_no_more_than_a_page() -> None:
    d = deliveries.c
    newest = _sql(pages.ordered(select(d.org_id), d.delivered_at, d.material_id, True, 3))
    oldest = _sql(pages.ordered(select(d.org_id), d.delivered_at, d.org_id, False, 3))
    assert "ORDER BY exchange.deliveries.delivered_at DESC, exchange.deliveries.material_id DESC" in newest
    assert "ORDER BY exchange.deliveries.delivered_at ASC, exchange.deliveries.org_id ASC" in oldest
    assert "LIMIT" in newest and "LIMIT" in oldest
