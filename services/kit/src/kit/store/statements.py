"""The event store's hot statements as plain SQL, and the parameters of its one insert of events and replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .inserts import to_json
from .records import Recorded


class Sql:
    """The store's hot statements as plain SQL, so the reads skip the ORM layer and are prepared once."""

    def __init__(self, schema: str) -> None:
        s = f'"{schema}"'
        self.fold = f"SELECT version, type, data FROM {s}.events WHERE stream_id = %s AND version > %s ORDER BY version"
        self.read = (
            "SELECT position, event_id, stream_id, version, type, data, recorded_at, correlation_id, causation_id "
            f"FROM {s}.events WHERE stream_id = %s AND version > %s ORDER BY version"
        )
        self.everything = self.read.split(" WHERE ")[0] + " ORDER BY position"
        self.replies = f"SELECT command_id, fingerprint, reply FROM {s}.commands WHERE command_id = ANY(%s::text[])"
        self.snapshot = f"SELECT state, version FROM {s}.snapshots WHERE stream_id = %s"
        self.lock = "SELECT pg_advisory_xact_lock(%s)"
        self.end = f"SELECT coalesce(max(position), 0) FROM {s}.events"
        # one statement for the events and the commands' replies, each row a JSON array in one parameter: the
        # client dumps one string (in C) instead of an array per column, and the server unpacks it
        self.insert = (
            f"WITH command AS (INSERT INTO {s}.commands (command_id, fingerprint, reply) "
            "SELECT c->>0, c->>1, (c->>2)::jsonb FROM jsonb_array_elements(%(commands)s::jsonb) c) "
            f"INSERT INTO {s}.events (position, event_id, stream_id, version, type, subject, aggregate_id, org_id, data, "
            "recorded_at, command_id, correlation_id, causation_id, actor) "
            "SELECT (e->>0)::bigint, (e->>1)::uuid, e->>2, (e->>3)::int, e->>4, e->>5, e->>6, e->>7, (e->>8)::jsonb, "
            "(e->>9)::timestamptz, e->>10, e->>11, e->>12, e->>13 FROM jsonb_array_elements(%(events)s::jsonb) e"
        )
        # each stream's last version from the top of its index: a max() grouped by stream reads every event of the
        # streams, and a group decided on the tree reads the tree's whole history
        last_version = f"(SELECT version FROM {s}.events WHERE stream_id = w ORDER BY version DESC LIMIT 1)"
        versions = (
            f"(SELECT coalesce(jsonb_object_agg(w, v), '{{}}'::jsonb) FROM (SELECT w, {last_version} AS v "
            f"FROM unnest(%(streams)s::text[]) w) m WHERE v IS NOT NULL)"
        )
        drawn = f"SELECT nextval('{schema}.events_position_seq') AS p FROM generate_series(1, %(n)s::int)"
        # never before the last event's time, which may be a foreseeing writer's clock (forecast.py)
        last_at = f"(SELECT recorded_at FROM {s}.events ORDER BY position DESC LIMIT 1)"
        self.check = (
            f"SELECT (SELECT coalesce(array_agg(command_id), '{{}}') FROM {s}.commands "
            f"WHERE command_id = ANY(%(cids)s::text[])), {versions}, (SELECT array_agg(p) FROM ({drawn}) d), "
            f"greatest(clock_timestamp(), {last_at})"
        )
        # the foreseen write's guard (forecast.py): 1 / 0 unless the streams stand at the versions foreseen and the next
        # positions are the ones foreseen; the division depends on rows, so the server cannot fold it away unrun
        self.guard = (
            f"SELECT 1 / coalesce({versions} = %(versions)s::jsonb AND "
            f"(SELECT coalesce(array_agg(p ORDER BY p), '{{}}') FROM ({drawn}) d) = %(positions)s::bigint[], false)::int"
        )
        # planned for their streams each time: a plan kept from when the ledger was small scans every event, and
        # nothing makes the server plan a kept statement again until it next analyses the table
        self._planned_each_time = {self.check, self.guard}

    def prepared(self, sql: str, params: object) -> bool:
        """Whether a statement is prepared once and its plan kept (those with parameters, but for the checks and the guard)."""
        return params is not None and sql not in self._planned_each_time


def check_params(group: Sequence[Any]) -> dict[str, Any]:
    """The checks' parameters: the group's command ids and streams, and how many positions to draw."""
    return {
        "cids": sorted({p.meta.command_id for p in group if p.meta.command_id is not None}),
        "streams": sorted({b.stream_id for p in group for b in p.batches}),
        "n": sum(len(b.events) for p in group for b in p.batches),
    }


def insert_params(written: Sequence[tuple[Any, list[Recorded], dict[str, Any]]]) -> dict[str, str]:
    """The insert's parameters: the events, and the commands with their replies, as JSON arrays of rows."""
    commands = [
        (p.meta.command_id, p.meta.fingerprint, to_json(reply)) for p, _, reply in written if p.meta.command_id is not None
    ]
    events = [
        (
            r.position,
            r.event_id,
            r.stream_id,
            r.version,
            r.event.ce_type(),
            r.event.nats_subject(),
            r.event.ce_subject,
            r.event.ce_org_id,
            r.event.model_dump_json(),
            r.recorded_at.isoformat(),
            p.meta.command_id,
            p.meta.correlation_id,
            p.meta.causation_id,
            p.meta.actor,
        )
        for p, recorded, _ in written
        for r in recorded
    ]
    return {"commands": to_json(commands), "events": to_json(events)}
