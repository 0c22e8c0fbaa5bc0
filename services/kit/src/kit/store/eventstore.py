"""The event store: atomic, ordered, idempotent appends and stream reads over one service's ledger."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event, decode_event
from contracts.envelope import Reply

from .. import ids, metrics
from ..errors import conflict
from ..locks import lock_key
from .tables import Ledger

S = TypeVar("S")
T = TypeVar("T")


@dataclass(frozen=True)
class Fold(Generic[S]):
    """How a stream's events fold into a state, and whether to cache and snapshot that state."""

    initial: S
    evolve: Callable[[S, Event], S]
    encode: Callable[[S], Any] | None = None
    decode: Callable[[Any], S] | None = None
    snapshot_every: int = 200
    cached: bool = False


@dataclass(frozen=True)
class Meta:
    """Who asked and which command this is; travels with every append."""

    command_id: str | None = None
    fingerprint: str = ""
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Recorded:
    """An event as the ledger holds it."""

    position: int
    event_id: str
    stream_id: str
    version: int
    event: Event
    recorded_at: datetime
    correlation_id: str | None = None
    causation_id: str | None = None


@dataclass(frozen=True)
class Committed:
    """What an append (or the first run of a repeated command) answered."""

    reply: dict[str, Any]
    positions: tuple[int, ...] = ()
    version: int = 0
    repeated: bool = False


@dataclass(frozen=True)
class Batch:
    """Events for one stream, appended only if the stream is still at `expected_version` (None: anywhere)."""

    stream_id: str
    events: Sequence[Event]
    expected_version: int | None = None


class VersionConflict(Exception):
    """The stream moved on since it was read; the handler may load and decide again."""


class _Repeated(Exception):
    """The command id was already used; the first run's reply stands."""


InlineProjection = Callable[[AsyncConnection, Sequence[Recorded]], Awaitable[None]]


def fingerprint(*parts: object) -> str:
    """A digest of a request, so a reused idempotency key with another request is refused."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


class EventStore:
    """Appends events to one schema's ledger and reads streams back, updating inline read models atomically."""

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        context: str,
        inline: Sequence[InlineProjection] = (),
        cache_size: int = 1024,
    ) -> None:
        self.engine, self.ledger, self.context = engine, ledger, context
        self.inline = list(inline)
        self.on_commit: list[Callable[[], None]] = []
        self._cache: OrderedDict[tuple[str, int], tuple[Any, int]] = OrderedDict()
        self._cache_size = cache_size
        self._snapshotted: dict[str, int] = {}
        # one lock key per schema: appends of a service are serialised, so commit order is position order
        self._lock_key = lock_key("append", str(ledger.metadata.schema))

    async def load(self, stream_id: str, fold: Fold[S]) -> tuple[S, int]:
        """The stream's state and version, from the cache or a snapshot and then the events after it."""
        key = (stream_id, id(fold))
        start = self._cache.get(key) if fold.cached else None
        if start is None:
            start = await self._snapshot(stream_id, fold) or (fold.initial, 0)
            self._snapshotted.setdefault(stream_id, start[1])
        state, version = start
        events = self.ledger.events
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(events.c.version, events.c.type, events.c.data)
                .where(events.c.stream_id == stream_id, events.c.version > version)
                .order_by(events.c.version)
            )
            for row in rows:
                state, version = fold.evolve(state, decode_event(row.type, row.data)), row.version
        if fold.cached:
            self._remember(key, state, version)
        if fold.encode is not None and version - self._snapshotted.get(stream_id, 0) >= fold.snapshot_every:
            await self._save_snapshot(stream_id, version, fold.encode(state))
            self._snapshotted[stream_id] = version
        return state, version

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Recorded]:
        """Every event of a stream after a version, decoded."""
        events = self.ledger.events
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(events).where(events.c.stream_id == stream_id, events.c.version > after_version).order_by(events.c.version)
            )
            return [_recorded(r) for r in rows]

    async def rebuild(self, reset: Callable[[AsyncConnection], Awaitable[None]], chunk: int = 2000) -> int:
        """Empties the inline read models with `reset` and applies the whole ledger again, in one transaction."""
        events = self.ledger.events
        applied = 0
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
            await reset(conn)
            rows = await conn.stream(select(events).order_by(events.c.position))
            async for part in rows.partitions(chunk):
                recorded = [_recorded(r) for r in part]
                for project in self.inline:
                    await project(conn, recorded)
                applied += len(recorded)
        self._cache.clear()
        return applied

    async def stored_reply(self, command_id: str) -> tuple[str, dict[str, Any]] | None:
        """The fingerprint and reply of a command already done, if it was."""
        commands = self.ledger.commands
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(commands.c.fingerprint, commands.c.reply).where(commands.c.command_id == command_id))
            ).first()
        return None if row is None or row.reply is None else (row.fingerprint, row.reply)

    async def append(
        self,
        stream_id: str,
        events: Sequence[Event],
        *,
        expected_version: int | None,
        meta: Meta = Meta(),
        data: Any = None,
    ) -> Committed:
        """Appends the events at `expected_version` (None: wherever the stream is) in one transaction.

        The command id is stored with the reply, so a repeat answers the same; the service's inline
        read models are updated in the same transaction, so the service always reads its own writes.
        """
        return await self.append_batch([Batch(stream_id, events, expected_version)], meta=meta, data=data)

    async def append_batch(
        self,
        batches: Sequence[Batch],
        *,
        meta: Meta = Meta(),
        data: Any = None,
        also: Callable[[AsyncConnection], Awaitable[None]] | None = None,
    ) -> Committed:
        """Appends to several streams in one transaction, each at its expected version; `also` runs inside it."""
        try:
            return await self._append(batches, meta, data, also)
        except _Repeated:
            stored = await self.stored_reply(meta.command_id or "")
            if stored is None or stored[0] != meta.fingerprint:
                raise conflict("this Idempotency-Key was already used for a different request") from None
            return Committed(reply=stored[1], repeated=True)

    async def _append(
        self,
        batches: Sequence[Batch],
        meta: Meta,
        data: Any,
        also: Callable[[AsyncConnection], Awaitable[None]] | None,
    ) -> Committed:
        ledger = self.ledger
        async with self.engine.begin() as conn:
            if meta.command_id is not None:
                # the claim and the append lock in one round trip; the versions are read by the next statement,
                # whose snapshot is taken after the lock is held
                claim = (
                    pg_insert(ledger.commands)
                    .values(command_id=meta.command_id, fingerprint=meta.fingerprint)
                    .on_conflict_do_nothing()
                    .returning(ledger.commands.c.command_id)
                    .cte("claim")
                )
                locked = select(select(claim.c.command_id).scalar_subquery(), func.pg_advisory_xact_lock(self._lock_key))
                if (await conn.execute(locked)).scalar() is None:
                    raise _Repeated
            else:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
            current = await self._versions(conn, [b.stream_id for b in batches])
            for b in batches:
                if b.expected_version is not None and current.get(b.stream_id, 0) != b.expected_version:
                    raise VersionConflict(f"{b.stream_id} is at version {current.get(b.stream_id, 0)}, not {b.expected_version}")
            recorded = await self._insert(conn, batches, current, meta)
            for project in self.inline:
                await project(conn, recorded)
            if also is not None:
                await also(conn)
            positions = tuple(r.position for r in recorded)
            reply = Reply(ok=True, data=data, positions={self.context: positions[-1]} if positions else {})
            body = reply.model_dump(mode="json", exclude_none=True)
            if meta.command_id is not None:
                await conn.execute(
                    ledger.commands.update().where(ledger.commands.c.command_id == meta.command_id).values(reply=body)
                )
        metrics.APPENDED.labels(self.context).inc(len(recorded))
        for notify in self.on_commit:
            notify()
        last = batches[-1] if batches else None
        version = current.get(last.stream_id, 0) + len(last.events) if last else 0
        return Committed(reply=body, positions=positions, version=version)

    async def _versions(self, conn: AsyncConnection, stream_ids: list[str]) -> dict[str, int]:
        events = self.ledger.events
        rows = await conn.execute(
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(sorted(set(stream_ids))))
            .group_by(events.c.stream_id)
        )
        return {r[0]: r[1] for r in rows}

    async def _insert(
        self, conn: AsyncConnection, batches: Sequence[Batch], current: dict[str, int], meta: Meta
    ) -> list[Recorded]:
        count = sum(len(b.events) for b in batches)
        if not count:
            return []
        # positions are drawn under the lock, so they ascend in commit order
        drawn = await conn.execute(
            text("SELECT nextval(:seq) AS pos, clock_timestamp() AS at FROM generate_series(1, :n)"),
            {"seq": f"{self.ledger.metadata.schema}.events_position_seq", "n": count},
        )
        slots = iter(sorted((r.pos, r.at) for r in drawn))
        recorded = []
        for b in batches:
            version = current.get(b.stream_id, 0)
            for e in b.events:
                position, at = next(slots)
                version += 1
                recorded.append(
                    Recorded(position, ids.new_id(), b.stream_id, version, e, at, meta.correlation_id, meta.causation_id)
                )
            current[b.stream_id] = version
        await conn.execute(
            insert(self.ledger.events),
            [
                {
                    "position": r.position,
                    "event_id": r.event_id,
                    "stream_id": r.stream_id,
                    "version": r.version,
                    "type": r.event.ce_type(),
                    "subject": r.event.nats_subject(),
                    "aggregate_id": r.event.ce_subject,
                    "org_id": r.event.ce_org_id,
                    "data": r.event.model_dump(mode="json"),
                    "recorded_at": r.recorded_at,
                    "command_id": meta.command_id,
                    "correlation_id": meta.correlation_id,
                    "causation_id": meta.causation_id,
                    "actor": meta.actor,
                }
                for r in recorded
            ],
        )
        return recorded

    async def _snapshot(self, stream_id: str, fold: Fold[S]) -> tuple[S, int] | None:
        if fold.decode is None:
            return None
        snapshots = self.ledger.snapshots
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(snapshots.c.state, snapshots.c.version).where(snapshots.c.stream_id == stream_id))
            ).first()
        return None if row is None else (fold.decode(row.state), row.version)

    async def _save_snapshot(self, stream_id: str, version: int, state: Any) -> None:
        snapshots = self.ledger.snapshots
        stmt = pg_insert(snapshots).values(stream_id=stream_id, version=version, state=state)
        stmt = stmt.on_conflict_do_update(
            index_elements=[snapshots.c.stream_id],
            set_={"version": stmt.excluded.version, "state": stmt.excluded.state, "taken_at": func.now()},
            where=snapshots.c.version < stmt.excluded.version,
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    def _remember(self, key: tuple[str, int], state: Any, version: int) -> None:
        self._cache[key] = (state, version)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def truncating(tables: Sequence[Table]) -> Callable[[AsyncConnection], Awaitable[None]]:
    """A `rebuild` reset that empties the given read-model tables."""
    names = ", ".join(f'"{t.schema}"."{t.name}"' for t in tables)

    async def reset(conn: AsyncConnection) -> None:
        if names:
            await conn.execute(text(f"TRUNCATE {names}"))

    return reset


def _recorded(row: Any) -> Recorded:
    return Recorded(
        position=row.position,
        event_id=str(row.event_id),
        stream_id=row.stream_id,
        version=row.version,
        event=decode_event(row.type, row.data),
        recorded_at=row.recorded_at,
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
    )


async def retrying(attempt: Callable[[], Awaitable[T]], tries: int = 8) -> T:
    """Runs load -> decide -> append again when another writer moved the stream first."""
    for _ in range(tries - 1):
        try:
            return await attempt()
        except VersionConflict:
            continue
    try:
        return await attempt()
    except VersionConflict as e:
        raise conflict(str(e)) from None
