"""Migration 0003 on a database that holds history: the learnt facts are emptied for a replay, kpi's own rows take their
recording times from the kpi ledger, and targets and feedback times become one row per event (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from alembic import command
from sqlalchemy import Connection, create_engine, text

from contracts.base import Event
from contracts.kpi import FeedbackTimesReported, MediaMentionReported, Medium, PeriodClosed, TargetSet, Tone
from kit.db import sqlalchemy_url
from kit.migrate import config

AT = [datetime(2026, 11, day, 12, tzinfo=UTC) for day in range(1, 7)]
OF = {"org_id": "p", "period": "2026"}
EVENTS: list[Event] = [
    TargetSet(**OF, targets={"K2": Decimal("0.05")}),
    FeedbackTimesReported(report_id="p:2026", **OF, answered=10, average_hours=Decimal("20.5")),
    TargetSet(**OF, targets={"K2": Decimal("0.07"), "K9": Decimal(3)}),
    FeedbackTimesReported(report_id="p:2026", **OF, answered=12, average_hours=Decimal(18)),
    MediaMentionReported(
        mention_id="m",
        org_id="p",
        on=date(2026, 5, 1),
        outlet="Курьер",
        medium=Medium.PRINT,
        tone=Tone.POSITIVE,
        cites_leader=True,
    ),
    PeriodClosed(**OF, closed_on=date(2026, 11, 6), figures={}),
]
"""The kpi ledger, one event a day."""
ROWS = [
    """INSERT INTO kpi.targets (org_id, period, targets) VALUES ('p', '2026', '{"K2": "0.07", "K9": "3"}')""",
    "INSERT INTO kpi.feedback_times (org_id, period, answered, average_hours) VALUES ('p', '2026', 12, 18)",
    'INSERT INTO kpi.media_mentions (mention_id, org_id, "on", outlet, medium, tone, cites_leader) '
    "VALUES ('m', 'p', '2026-05-01', 'Курьер', 'print', 'positive', true)",
    "INSERT INTO kpi.closed_periods (org_id, period, closed_on, figures) VALUES ('p', '2026', '2026-11-06', '{}')",
    "INSERT INTO kpi.budgets (org_id, year, total, information, position) VALUES ('p', 2026, 100, 5, 3)",
    "INSERT INTO kpi.participation (org_id, material_id, first_on, on_site, online, position) "
    "VALUES ('p', 'x', '2026-05-01', 1, 2, 4)",
    "INSERT INTO kpi.checkpoints (consumer, source, position) VALUES ('kpi_registry', 'registry', 3)",
    "INSERT INTO kpi.checkpoints (consumer, source, position) VALUES ('kpi_exchange', 'exchange', 4)",
]
"""The read models as revision 0002 kept them."""


def test_the_migration_keeps_what_was_known_when(database_url: str) -> None:
    cfg = config("kpi", database_url)
    command.downgrade(cfg, "0002")
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        _ledger(conn)
        for sql in ROWS:
            conn.execute(text(sql))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        learnt = "SELECT (SELECT count(*) FROM kpi.budgets), (SELECT count(*) FROM kpi.participation)"
        assert _rows(conn, learnt) == [(0, 0)], "learnt facts are read again"
        assert _rows(conn, "SELECT count(*) FROM kpi.checkpoints") == [(0,)]
        assert _rows(conn, "SELECT position, targets, recorded_at FROM kpi.targets ORDER BY position") == [
            (1, {"K2": "0.05"}, AT[0]),
            (3, {"K2": "0.07", "K9": "3"}, AT[2]),
        ]
        assert _rows(conn, "SELECT position, answered, average_hours, recorded_at FROM kpi.feedback_times ORDER BY position") == [
            (2, 10, Decimal("20.50"), AT[1]),
            (4, 12, Decimal("18.00"), AT[3]),
        ]
        assert _rows(conn, "SELECT recorded_at FROM kpi.media_mentions") == [(AT[4],)]
        assert _rows(conn, "SELECT recorded_at FROM kpi.closed_periods") == [(AT[5],)]
    engine.dispose()


def _ledger(conn: Connection) -> None:
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
                "INSERT INTO kpi.events (position, event_id, stream_id, version, type, subject, aggregate_id, data, "
                "recorded_at) VALUES (:position, CAST(:id AS uuid), :aggregate || :position, 1, :type, :subject, "
                ":aggregate, CAST(:data AS jsonb), :at)"
            ),
            row,
        )


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]
