"""Migration 0004 on a database that holds learnt facts: the registry's and contacts' are emptied with their consumers'
checkpoints, so both streams are read again into the new membership and contact-point tables; exchange's stay."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, create_engine, text

from kit.db import sqlalchemy_url
from kit.migrate import config

ROWS = [
    "INSERT INTO kpi.headcounts (org_id, position, as_of, members, recorded_at) VALUES ('p', 3, '2026-01-01', 80, now())",
    "INSERT INTO kpi.channels (channel_id, org_id, kind, audience, since, recorded_at) "
    "VALUES ('c', 'p', 'chat', 'members', '2020-01-01', now())",
    "INSERT INTO kpi.acts (org_id, material_id, kind, \"on\", recorded_at) VALUES ('p', 'm', 'sent_up', '2026-05-01', now())",
    *(
        f"INSERT INTO kpi.checkpoints (consumer, source, position) VALUES ('kpi_{source}', '{source}', 4)"
        for source in ("registry", "contacts", "exchange")
    ),
]


def test_the_migration_replays_the_registry_and_contacts_into_the_members_tables(database_url: str) -> None:
    cfg = config("kpi", database_url)
    command.downgrade(cfg, "0003")
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        for sql in ROWS:
            conn.execute(text(sql))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert _counts(conn, "headcounts", "channels", "acts") == [0, 0, 1], "exchange's acts stay"
        assert [r.consumer for r in conn.execute(text("SELECT consumer FROM kpi.checkpoints"))] == ["kpi_exchange"]
        assert _counts(conn, "memberships", "contact_points", "erasures") == [0, 0, 0]
    engine.dispose()


def _counts(conn: Connection, *tables: str) -> list[int]:
    return [conn.execute(text(f"SELECT count(*) FROM kpi.{table}")).scalar_one() for table in tables]
