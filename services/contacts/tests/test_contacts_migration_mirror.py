"""Migration 0007 on a database that holds contacts' own posts and headcounts: the rows stay, in the facts mirror's
shape, and the registry's next events land in them as in every other consumer's mirror (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from contacts.projections.registry import RegistryMirror
from contacts.tables import ledger
from sqlalchemy import Connection, create_engine, text

from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole
from contracts.registry import HeadcountReported
from kit.crypto import KeyRing, generate_master_key
from kit.db import make_engine, sqlalchemy_url
from kit.migrate import config
from kit.projection import Delivered

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
BEFORE = [
    "INSERT INTO contacts.posts (officer_id, person_id, org_id, role, since) VALUES ('o1', 'p1', 'a', 'chair', '2020-01-01')",
    "INSERT INTO contacts.headcounts (org_id, position, as_of, members) VALUES ('a', 3, '2026-01-01', 80)",
]
"""What revision 0006 kept."""
POSTS = "SELECT officer_id, person_id, role, since, until, recorded_at, until_recorded_at FROM contacts.posts ORDER BY 1"


def delivered(position: int, event: Any) -> Delivered:
    return Delivered("registry", position, f"e{position}", event.ce_subject, event.org_id, event.ce_type(), event, AT)


async def test_the_old_rows_stay_and_take_the_mirrors_events(database_url: str) -> None:
    cfg = config("contacts", database_url)
    command.downgrade(cfg, "0006")
    sync = create_engine(sqlalchemy_url(database_url))
    with sync.begin() as conn:
        for sql in BEFORE:
            conn.execute(text(sql))
    command.upgrade(cfg, "head")
    with sync.connect() as conn:
        assert _rows(conn, POSTS) == [("o1", "p1", "chair", date(2020, 1, 1), None, None, None)]
        headcount = _rows(conn, "SELECT org_id, members, recorded_at IS NOT NULL FROM contacts.headcounts")
        assert headcount == [("a", 80, True)], "a headcount learnt before is known from the migration on"
    await _apply(
        database_url,
        OfficerRelieved(officer_id="o1", person_id="p1", org_id="a", until=date(2026, 6, 1)),
        OfficerRelieved(officer_id="o2", person_id="p2", org_id="a", until=date(2026, 7, 1)),
        OfficerAssigned(
            officer_id="o3", person_id="p3", org_id="a", council_id="y", role=OfficerRole.CHAIR, since=date(2026, 1, 1)
        ),
        HeadcountReported(org_id="a", members=90, as_of=date(2026, 11, 1)),
    )
    with sync.connect() as conn:
        assert _rows(conn, POSTS) == [
            ("o1", "p1", "chair", date(2020, 1, 1), date(2026, 6, 1), None, AT),
            ("o2", None, None, None, date(2026, 7, 1), None, AT),
        ], "a relief before its assignment is kept; a youth council's post is not the org's"
        assert _rows(conn, "SELECT members FROM contacts.headcounts ORDER BY position") == [(80,), (90,)]
    command.downgrade(cfg, "0006")
    with sync.connect() as conn:
        old = "SELECT officer_id, person_id, until FROM contacts.posts"
        assert _rows(conn, old) == [("o1", "p1", date(2026, 6, 1))], "the old shape keeps no relief without its post"
    command.upgrade(cfg, "head")
    sync.dispose()


async def _apply(database_url: str, *events: Any) -> None:
    engine = make_engine(database_url)
    mirror = RegistryMirror(KeyRing(ledger, generate_master_key()))
    try:
        async with engine.begin() as conn:
            for position, event in enumerate(events, start=10):
                await mirror.apply(conn, delivered(position, event))
    finally:
        await engine.dispose()


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]
