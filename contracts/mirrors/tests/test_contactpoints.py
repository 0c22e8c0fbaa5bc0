"""The contact-point mirror audits and kpi keep: each state as an event left it, kind and consent only (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import MetaData, select, text

from contracts.contacts import ChannelRefreshed, ConsentGranted, ConsentWithdrawn, ContactAdded, ContactKind, ContactMerged
from kit.db import make_engine
from kit.projection import Delivered
from mirrors.contactpoints import apply_contact_points, contact_point_table

metadata = MetaData(schema="mirrored")
points = contact_point_table(metadata)
ID = {"contact_id": "c1", "person_id": "p1", "org_id": "o"}


def delivered(position: int, event: Any) -> Delivered:
    at = datetime(2026, 1, position, tzinfo=UTC)
    return Delivered("contacts", position, f"e{position}", event.ce_subject, event.org_id, event.ce_type(), event, at)


def given(on: date) -> ConsentGranted:
    return ConsentGranted(**ID, given_at=on, method="written", recorded_by="staff")


async def test_each_event_leaves_a_state_and_a_redelivery_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    events = [
        ContactAdded(**ID, kind=ContactKind.PERSONAL_EMAIL, value="pd1:sealed"),
        given(date(2026, 1, 2)),
        ConsentWithdrawn(**ID, at=date(2026, 2, 1), recorded_by="staff"),
        given(date(2026, 3, 1)),
        ContactMerged(**ID, into_contact_id="c2", recorded_by="staff"),
    ]
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE SCHEMA mirrored"))
            await conn.run_sync(metadata.create_all)
            early = ConsentGranted(**{**ID, "contact_id": "c9"}, given_at=date(2026, 1, 1), method="written", recorded_by="s")
            assert await apply_contact_points(conn, points, delivered(1, early)), "taken, though nothing is known of c9 yet"
            for position, event in enumerate(events, start=2):
                assert await apply_contact_points(conn, points, delivered(position, event))
                assert await apply_contact_points(conn, points, delivered(position, event)), "a redelivery"
            refreshed = ChannelRefreshed(channel_id="ch", org_id="o", at=date(2026, 1, 1))
            assert not await apply_contact_points(conn, points, delivered(9, refreshed)), "not a contact point's event"
            c = points.c
            rows = [
                tuple(r)
                for r in await conn.execute(
                    select(c.contact_id, c.position, c.kind, c.consent_from, c.consent_until, c.gone).order_by(c.position)
                )
            ]
    finally:
        await engine.dispose()
    kind, jan, feb, mar = "personal_email", date(2026, 1, 2), date(2026, 2, 1), date(2026, 3, 1)
    assert rows == [
        ("c1", 2, kind, None, None, False),
        ("c1", 3, kind, jan, None, False),
        ("c1", 4, kind, jan, feb, False),
        ("c1", 5, kind, mar, None, False),
        ("c1", 6, kind, mar, None, True),
    ], "no address is kept, and a consent given again starts afresh"
