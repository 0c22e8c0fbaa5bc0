"""Notifications keeps the registry's posts as the facts mirror does (migration 0006 keeps the rows learnt before): a
relief may come before its assignment, a youth council's post is not the org's, and a holder whose assignment is
projected after a delivery still gets its share of it (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alembic import command
from notifications.projections.sources import RegistrySource, holders
from notifications.tables import acknowledgements, outbox
from sqlalchemy import Connection, create_engine, insert, select, text

from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole
from kit.db import make_engine, sqlalchemy_url
from kit.migrate import config
from kit.projection import Delivered

TZ = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
OLD = (
    "INSERT INTO notifications.posts (officer_id, person_id, org_id, role, since) VALUES ('o1', 'p1', 'a', 'chair', '2020-01-01')"
)
POSTS = "SELECT officer_id, person_id, until, recorded_at, until_recorded_at FROM notifications.posts ORDER BY 1"


def delivered(position: int, event: Any, at: datetime = AT) -> Delivered:
    return Delivered("registry", position, f"e{position}", event.ce_subject, event.org_id, event.ce_type(), event, at)


def assigned(officer: str, person: str, council: str | None = None) -> OfficerAssigned:
    return OfficerAssigned(
        officer_id=officer, person_id=person, org_id="a", council_id=council, role=OfficerRole.INFO_WORKER, since=date(2026, 1, 1)
    )


async def test_posts_learnt_before_stay_and_the_mirror_takes_the_next(database_url: str) -> None:
    cfg = config("notifications", database_url)
    command.downgrade(cfg, "0005")
    sync = create_engine(sqlalchemy_url(database_url))
    with sync.begin() as conn:
        conn.execute(text(OLD))
    command.upgrade(cfg, "head")
    with sync.connect() as conn:
        assert _rows(conn, POSTS) == [("o1", "p1", None, None, None)]
    engine = make_engine(database_url)
    source = RegistrySource(["email"], TZ)
    try:
        async with engine.begin() as conn:
            made = {"delivery_id": "d1", "material_id": "m1", "org_id": "a", "delivered_at": AT + timedelta(hours=1)}
            await conn.execute(insert(acknowledgements).values(made))
            events = [
                OfficerRelieved(officer_id="o2", person_id="p2", org_id="a", until=date(2026, 7, 1)),
                assigned("o3", "p3", council="y"),
                assigned("o4", "p4"),
            ]
            for position, event in enumerate(events, start=10):
                await source.apply(conn, delivered(position, event))
            planned = sorted(r.recipient_id for r in await conn.execute(select(outbox.c.recipient_id)))
            holding = await holders(conn, "a", AT + timedelta(days=1), TZ)
    finally:
        await engine.dispose()
    assert planned == ["p4"], "a holder assigned before the delivery was projected hears of it; a council's post does not"
    assert holding == ["p1", "p4"]
    with sync.connect() as conn:
        assert _rows(conn, POSTS) == [
            ("o1", "p1", None, None, None),
            ("o2", None, date(2026, 7, 1), None, AT),
            ("o4", "p4", None, AT, None),
        ]
    command.downgrade(cfg, "0005")
    command.upgrade(cfg, "head")
    sync.dispose()


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]
