"""The event store's hot statements as plain SQL, and the parameters of its one insert of events and replies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from .. import ids
from .records import Batch, Meta, Recorded


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
        self.reply = f"SELECT fingerprint, reply FROM {s}.commands WHERE command_id = %s"
        self.snapshot = f"SELECT state, version FROM {s}.snapshots WHERE stream_id = %s"
        self.lock = "SELECT pg_advisory_xact_lock(%s)"
        # one statement for the events and the commands' replies, each column an array unnested; the arrays go in
        # binary (%b), which spares psycopg escaping every element of text arrays
        self.insert = (
            f"WITH command AS (INSERT INTO {s}.commands (command_id, fingerprint, reply) "
            "SELECT * FROM unnest(%(cids)b::text[], %(fps)b::text[], %(replies)b::jsonb[])) "
            f"INSERT INTO {s}.events (position, event_id, stream_id, version, type, subject, aggregate_id, org_id, data, "
            "recorded_at, command_id, correlation_id, causation_id, actor) "
            "SELECT * FROM unnest(%(positions)b::bigint[], %(event_ids)b::uuid[], %(streams)b::text[], %(versions)b::int[], "
            "%(types)b::text[], %(subjects)b::text[], %(aggregates)b::text[], %(orgs)b::text[], %(datas)b::jsonb[], "
            "%(ats)b::timestamptz[], %(commands)b::text[], %(corrs)b::text[], %(causes)b::text[], %(actors)b::text[])"
        )
        versions = (
            f"(SELECT coalesce(jsonb_object_agg(stream_id, v), '{{}}'::jsonb) FROM (SELECT stream_id, max(version) AS v "
            f"FROM {s}.events WHERE stream_id = ANY(%(streams)s::text[]) GROUP BY stream_id) m)"
        )
        drawn = f"SELECT nextval('{schema}.events_position_seq') AS p FROM generate_series(1, %(n)s::int)"
        # never before the last event's time, which may be a guessing writer's clock (see `guard`)
        last_at = f"(SELECT recorded_at FROM {s}.events ORDER BY position DESC LIMIT 1)"
        self.check = (
            f"SELECT (SELECT coalesce(array_agg(command_id), '{{}}') FROM {s}.commands "
            f"WHERE command_id = ANY(%(cids)s::text[])), {versions}, (SELECT array_agg(p) FROM ({drawn}) d), "
            f"greatest(clock_timestamp(), {last_at})"
        )
        # a division by zero unless the streams stand where the writer guessed and the next positions are the ones
        # it guessed (nobody else appended since its last group); the 1 / 0 is not folded away, as it depends on rows
        self.guard = (
            f"SELECT 1 / coalesce({versions} = %(versions)s::jsonb AND "
            f"(SELECT coalesce(array_agg(p ORDER BY p), '{{}}') FROM ({drawn}) d) = %(positions)s::bigint[], false)::int"
        )
        self.landed = f"SELECT 1 FROM {s}.events WHERE event_id = CAST(:event_id AS uuid)"


def stamp(batches: Sequence[Batch], current: dict[str, int], slots: Iterator[int], at: datetime, meta: Meta) -> list[Recorded]:
    """The events with their positions and stream versions, in order."""
    recorded = []
    for b in batches:
        version = current.get(b.stream_id, 0)
        for e in b.events:
            version += 1
            position = next(slots)
            recorded.append(Recorded(position, ids.new_id(), b.stream_id, version, e, at, meta.correlation_id, meta.causation_id))
        current[b.stream_id] = version
    return recorded


def insert_params(written: Sequence[tuple[Any, list[Recorded], dict[str, Any]]]) -> dict[str, Any]:
    """The insert's parameters: a list per column of the events, and of the commands."""
    commands = [(p.meta, reply) for p, _, reply in written if p.meta.command_id is not None]
    events = [(r, p.meta) for p, recorded, _ in written for r in recorded]
    return {
        "cids": [m.command_id for m, _ in commands],
        "fps": [m.fingerprint for m, _ in commands],
        "replies": [json.dumps(reply, separators=(",", ":"), ensure_ascii=False) for _, reply in commands],
        "positions": [r.position for r, _ in events],
        "event_ids": [r.event_id for r, _ in events],
        "streams": [r.stream_id for r, _ in events],
        "versions": [r.version for r, _ in events],
        "types": [r.event.ce_type() for r, _ in events],
        "subjects": [r.event.nats_subject() for r, _ in events],
        "aggregates": [r.event.ce_subject for r, _ in events],
        "orgs": [r.event.ce_org_id for r, _ in events],
        "datas": [r.event.model_dump_json() for r, _ in events],
        "ats": [r.recorded_at for r, _ in events],
        "commands": [m.command_id for _, m in events],
        "corrs": [m.correlation_id for _, m in events],
        "causes": [m.causation_id for _, m in events],
        "actors": [m.actor for _, m in events],
    }
