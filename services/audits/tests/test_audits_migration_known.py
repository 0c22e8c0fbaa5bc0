"""Migration 0006 on a database that holds history: the learnt facts are emptied for a replay, the audits' own rows take
their recording times from the audits ledger, and plans become one row per event (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import Connection, create_engine, text

from contracts.audits import AuditCompleted, AuditScheduled, PlanReported, PlanSubmitted
from contracts.base import Event
from kit.db import sqlalchemy_url
from kit.migrate import config

AT = [datetime(2026, 11, day, 12, tzinfo=UTC) for day in range(1, 6)]
Q2 = {"org_id": "p", "quarter": "2026-Q2"}
EVENTS: list[Event] = [
    AuditScheduled(audit_id="a", org_id="p", by_org_id="t", planned_on=date(2026, 3, 1)),
    PlanSubmitted(**Q2, submitted_on=date(2026, 4, 1), items=["стенд"]),
    AuditCompleted(audit_id="a", org_id="p", by_org_id="t", completed_on=date(2026, 3, 2), score=80),
    PlanReported(**Q2, reported_on=date(2026, 7, 1), summary="сделано"),
    PlanSubmitted(**Q2, submitted_on=date(2026, 4, 2), items=["стенд", "рассылка"]),
]
"""The audits ledger, one event a day."""


def test_the_migration_keeps_what_was_known_when(database_url: str) -> None:
    cfg = config("audits", database_url)
    command.downgrade(cfg, "0005")
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        _history_before(conn)
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert _rows(conn, "SELECT count(*) FROM audits.headcounts") == [(0,)], "learnt facts are read again"
        assert _rows(conn, "SELECT consumer FROM audits.checkpoints") == [("audits_other",)]
        audit = "SELECT recorded_at, started_recorded_at, completed_recorded_at FROM audits.audits"
        assert _rows(conn, audit) == [(AT[0], None, AT[2])]
        plans = "SELECT position, submitted_on, items, reported_on, recorded_at FROM audits.plans ORDER BY position"
        assert _rows(conn, plans) == [
            (2, date(2026, 4, 1), ["стенд"], None, AT[1]),
            (4, date(2026, 4, 1), ["стенд"], date(2026, 7, 1), AT[3]),
            (5, date(2026, 4, 2), ["стенд", "рассылка"], date(2026, 7, 1), AT[4]),
        ]
    engine.dispose()


def _history_before(conn: Connection) -> None:
    """The ledger and the read models as revision 0005 kept them."""
    for position, (event, at) in enumerate(zip(EVENTS, AT, strict=True), start=1):
        row = {
            "position": position,
            "id": f"00000000-0000-0000-0000-00000000000{position}",
            "type": event.ce_type(),
            "subject": event.nats_subject(),
            "aggregate": event.ce_subject,
            "data": event.model_dump_json(),
            "at": at,
        }
        conn.execute(
            text(
                "INSERT INTO audits.events (position, event_id, stream_id, version, type, subject, aggregate_id, data, "
                "recorded_at) VALUES (:position, CAST(:id AS uuid), :aggregate, :position, :type, :subject, :aggregate, "
                "CAST(:data AS jsonb), :at)"
            ),
            row,
        )
    conn.execute(
        text(
            "INSERT INTO audits.audits (audit_id, org_id, by_org_id, planned_on, completed_on, score) "
            "VALUES ('a', 'p', 't', '2026-03-01', '2026-03-02', 80)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO audits.plans (org_id, quarter, submitted_on, items, reported_on, summary) "
            """VALUES ('p', '2026-Q2', '2026-04-02', '["стенд", "рассылка"]', '2026-07-01', 'сделано')"""
        )
    )
    conn.execute(text("INSERT INTO audits.headcounts (org_id, position, as_of, members) VALUES ('p', 9, '2026-01-01', 600)"))
    checkpoint = text("INSERT INTO audits.checkpoints (consumer, source, position) VALUES (:c, 'registry', 9)")
    for consumer in ("audits_registry-facts", "audits_contacts-facts", "audits_other"):
        conn.execute(checkpoint, {"c": consumer})


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]
