"""The event store: atomic, ordered, idempotent appends and stream reads over one service's ledger (its values
live in `records`, re-exported here)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Table, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event, decode_event
from contracts.envelope import Reply

from .. import ids, metrics
from ..db import Direct, wrapped
from ..errors import conflict
from ..locks import lock_key, pause
from .records import Batch, Committed, Fold, Meta, Recorded, VersionConflict, fingerprint
from .tables import Ledger

S = TypeVar("S")
T = TypeVar("T")
NO_META = Meta()
"""An append's metadata when the caller gives none (frozen, so one serves every call)."""
__all__ = ["Batch", "Committed", "EventStore", "Fold", "Meta", "Recorded", "VersionConflict", "fingerprint"]


class _Repeated(Exception):
    """The command id was already used; the first run's reply stands."""


_Statement = tuple[str, Any] | str
InlineProjection = Callable[[AsyncConnection, Sequence[Recorded]], Awaitable[None]]
"""Updates read models in the append's transaction; it may be given the events of several appends at once (a
group commit, a rebuild), in position order, and must not read the ledger, whose rows are written after it."""
Also = Callable[[AsyncConnection], Awaitable[None]]


@dataclass
class _Pending:
    """One append waiting for the next group commit, and where its outcome goes."""

    batches: Sequence[Batch]
    meta: Meta
    data: Any
    also: Also | None
    done: asyncio.Future[Committed] = field(repr=False)


class EventStore:
    """Appends events to one schema's ledger and reads streams back, updating inline read models atomically.

    Concurrent appends of a service are committed in groups: one transaction, one append lock and one durable
    commit for every append waiting, each append in a savepoint of its own, so one that fails leaves the others.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        context: str,
        inline: Sequence[InlineProjection] = (),
        cache_size: int = 1024,
        group_limit: int = 64,
        linger: float = 1.0,
    ) -> None:
        self.engine, self.ledger, self.context = engine, ledger, context
        self.inline = list(inline)
        self.on_commit: list[Callable[[], None]] = []
        self.direct = Direct(engine)
        self._cache: OrderedDict[tuple[str, int], tuple[Any, int]] = OrderedDict()
        self._cache_size = cache_size
        self._snapshotted: dict[str, int] = {}
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._group_limit, self._linger = group_limit, linger
        self._more = asyncio.Event()
        schema = str(ledger.metadata.schema)
        # one lock key per schema: appends of a service are serialised, so commit order is position order
        self._lock_key = lock_key("append", schema)
        self._sql = _Sql(schema)

    async def load(self, stream_id: str, fold: Fold[S]) -> tuple[S, int]:
        """The stream's state and version, from the cache or a snapshot and then the events after it."""
        key = (stream_id, id(fold))
        start = self._cache.get(key) if fold.cached else None
        if start is None:
            start = await self._snapshot(stream_id, fold) or (fold.initial, 0)
            self._snapshotted.setdefault(stream_id, start[1])
        state, version = start
        for row_version, type_, data in await self.direct.fetch(self._sql.fold, (stream_id, version)):
            state, version = fold.evolve(state, decode_event(type_, data)), row_version
        if fold.cached:
            self._remember(key, state, version)
        if fold.encode is not None and version - self._snapshotted.get(stream_id, 0) >= fold.snapshot_every:
            await self._save_snapshot(stream_id, version, fold.encode(state))
            self._snapshotted[stream_id] = version
        return state, version

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Recorded]:
        """Every event of a stream after a version, decoded."""
        rows = await self.direct.fetch(self._sql.read, (stream_id, after_version))
        return [Recorded(p, str(e), s, v, decode_event(t, d), at, c, k) for p, e, s, v, t, d, at, c, k in rows]

    async def rebuild(self, reset: Callable[[AsyncConnection], Awaitable[None]], chunk: int = 5000) -> int:
        """Empties the inline read models with `reset` and applies the whole ledger again, in one transaction.
        The ledger is read through a server-side cursor of the same transaction, only the columns a projection sees."""
        applied = 0
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
            await reset(conn)
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.cursor(name="rebuild") as cur:
                await cur.execute(self._sql.everything)
                while rows := await cur.fetchmany(chunk):
                    recorded = [Recorded(p, str(e), s, v, decode_event(t, d), at, c, k) for p, e, s, v, t, d, at, c, k in rows]
                    for project in self.inline:
                        await project(conn, recorded)
                    applied += len(recorded)
        self._cache.clear()
        return applied

    async def stored_reply(self, command_id: str) -> tuple[str, dict[str, Any]] | None:
        """The fingerprint and reply of a command already done, if it was."""
        rows = await self.direct.fetch(self._sql.reply, (command_id,))
        return None if not rows or rows[0][1] is None else (rows[0][0], rows[0][1])

    async def append(
        self,
        stream_id: str,
        events: Sequence[Event],
        *,
        expected_version: int | None,
        meta: Meta = NO_META,
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
        meta: Meta = NO_META,
        data: Any = None,
        also: Also | None = None,
    ) -> Committed:
        """Appends to several streams atomically, each at its expected version; `also` runs in the same transaction."""
        try:
            return await self._enqueue(_Pending(batches, meta, data, also, asyncio.get_running_loop().create_future()))
        except _Repeated:
            stored = await self.stored_reply(meta.command_id or "")
            if stored is None or stored[0] != meta.fingerprint:
                raise conflict("this Idempotency-Key was already used for a different request") from None
            return Committed(reply=stored[1], repeated=True)

    async def _enqueue(self, pending: _Pending) -> Committed:
        """Queues an append for the writer and waits until its group has committed (or it failed)."""
        self._queue.append(pending)
        self._more.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())
        return await pending.done

    async def _write_queued(self) -> None:
        """Commits what is queued, a group at a time; appends that arrive meanwhile form the next group.
        The writer keeps its connection while appends keep coming, so each group skips a pool checkout."""
        conn: AsyncConnection | None = None
        try:
            while True:
                if not self._queue:
                    self._more.clear()
                    if not await pause(self._more, self._linger) and not self._queue:
                        self._writer = None  # no await from the check to here: the next append starts a new writer
                        break
                    continue
                group, self._queue = self._queue[: self._group_limit], self._queue[self._group_limit :]
                group = [p for p in group if not p.done.done()]  # a caller cancelled before its turn writes nothing
                if group:
                    conn = await self._commit_group(conn, group)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _commit_group(self, conn: AsyncConnection | None, group: list[_Pending]) -> AsyncConnection | None:
        """Writes a group in one transaction; returns the connection to keep (None if it was lost).

        The group is checked in one round trip, its read models are updated in one pass and its events written in
        one statement, pipelined with the COMMIT. Should a write fail, the group is written again one append at a
        time, each in a savepoint, so that only the failing append fails."""
        try:
            conn, checked = await self._locked(conn, group)
            try:
                outcomes = await self._write(conn, group, checked, then="COMMIT")
            except (OperationalError, InterfaceError):
                raise  # the connection is gone, and the whole group with it
            except Exception:
                if len(group) == 1:
                    raise
                await conn.rollback()
                outcomes = await self._one_by_one(conn, group)
            await conn.commit()  # nothing left to do when the pipeline committed; it ends SQLAlchemy's transaction
        except BaseException as e:
            # the transaction is lost (a lone append failed, the server went away, the commit failed): none was written
            for p in group:
                _settle(p.done, e)
            lost = not isinstance(e, Exception) or isinstance(e, OperationalError | InterfaceError)
            conn = await _discard(conn, keep=not lost)
            if not isinstance(e, Exception):
                raise
            return conn
        appended = sum(len(o.positions) for o in outcomes if isinstance(o, Committed))
        metrics.APPENDED.labels(self.context).inc(appended)
        if any(isinstance(o, Committed) for o in outcomes):
            for notify in self.on_commit:
                notify()
        for p, outcome in zip(group, outcomes, strict=True):
            _settle(p.done, outcome)
        return conn

    async def _locked(self, conn: AsyncConnection | None, group: list[_Pending]) -> tuple[AsyncConnection, _Checked]:
        """The connection in a transaction that holds the append lock, and the group's checks. A kept connection
        that died since its last group is replaced: nothing was written on it yet, as with a ping."""
        first: list[_Statement] = ["BEGIN", (self._sql.lock, (self._lock_key,))]
        if conn is not None:
            try:
                return conn, await self._check(conn, group, first=first)
            except (OperationalError, InterfaceError):
                await _discard(conn, keep=False)
        conn = await _connect(self.engine)
        try:
            return conn, await self._check(conn, group, first=first)
        except BaseException:
            await _discard(conn, keep=False)
            raise

    async def _one_by_one(self, conn: AsyncConnection, group: list[_Pending]) -> list[Committed | Exception]:
        """The group again, each append in a savepoint, so a failure undoes only its own writes."""
        await conn.begin()  # so that the caller's commit commits (SQLAlchemy ignores a commit outside its transaction)
        await self._raw(conn, ["BEGIN", (self._sql.lock, (self._lock_key,))])
        outcomes: list[Committed | Exception] = []
        for p in group:
            try:
                checked = await self._check(conn, [p], first=["SAVEPOINT append"])
                outcomes += await self._write(conn, [p], checked, then="RELEASE SAVEPOINT append")
            except (OperationalError, InterfaceError):
                raise
            except Exception as e:  # noqa: BLE001 - the append's own failure is its caller's to see, not the group's
                await self._raw(conn, ["ROLLBACK TO SAVEPOINT append"])
                outcomes.append(e)
        return outcomes

    async def _check(self, conn: AsyncConnection, group: Sequence[_Pending], *, first: Sequence[_Statement]) -> _Checked:
        """Which command ids were done, where the streams stand and positions for every event, in one round trip
        with what must come `first` (BEGIN and the append lock, or a savepoint). Under the lock nobody else claims
        a command id or moves a stream until the group commits, and positions drawn under it ascend in commit order."""
        if not conn.in_transaction():
            await conn.begin()  # SQLAlchemy's bookkeeping only: the BEGIN goes out in `first`
        params = {
            "cids": sorted({p.meta.command_id for p in group if p.meta.command_id is not None}),
            "streams": sorted({b.stream_id for p in group for b in p.batches}),
            "n": sum(len(b.events) for p in group for b in p.batches),
        }
        row = await self._raw(conn, [*first, (self._sql.check, params)])
        assert row is not None
        return _Checked(set(row[0]), dict(row[1]), sorted(row[2] or ()), row[3])

    async def _write(
        self, conn: AsyncConnection, group: Sequence[_Pending], checked: _Checked, then: str
    ) -> list[Committed | Exception]:
        """Decides each append (a repeat? a stale version?), updates the read models for those that stand in one pass,
        then writes their events and replies with `then` in one round trip. No read model reads the ledger, so the
        events may follow them inside the transaction."""
        outcomes: list[Committed | Exception] = []
        written: list[tuple[_Pending, list[Recorded], dict[str, Any]]] = []
        slots = iter(checked.positions)
        for p in group:
            try:
                recorded, committed = self._decide(p, checked, slots)
            except (_Repeated, VersionConflict) as e:
                outcomes.append(e)
                continue
            written.append((p, recorded, committed.reply))
            outcomes.append(committed)
        everything = [r for _, recorded, _ in written for r in recorded]
        for project in self.inline:
            if not getattr(project, "writes_only", False):
                await project(conn, everything)
        for p, _, _ in written:
            if p.also is not None:
                await p.also(conn)
        statements: list[tuple[str, Any]] = [(then, None)]
        if written:
            statements.insert(0, (self._sql.insert, _insert_params(written)))
        # read models that only write go out in the same round trip as the events and the COMMIT
        deferred = [project for project in self.inline if getattr(project, "writes_only", False)]
        await self._raw(conn, statements, before=lambda: _project_all(deferred, conn, everything))
        return outcomes

    def _decide(self, pending: _Pending, checked: _Checked, slots: Iterator[int]) -> tuple[list[Recorded], Committed]:
        """One append's events with positions and versions, and its reply; a repeat or a stale version raises."""
        batches, meta = pending.batches, pending.meta
        if meta.command_id is not None and meta.command_id in checked.done:
            raise _Repeated
        current = checked.versions
        for b in batches:
            if b.expected_version is not None and current.get(b.stream_id, 0) != b.expected_version:
                raise VersionConflict(f"{b.stream_id} is at version {current.get(b.stream_id, 0)}, not {b.expected_version}")
        if meta.command_id is not None:
            checked.done.add(meta.command_id)  # a later append of the group with the same id repeats this one
        recorded = _stamp(batches, current, slots, checked.at, meta)
        positions = tuple(r.position for r in recorded)
        reply = Reply(ok=True, data=pending.data, positions={self.context: positions[-1]} if positions else {})
        body = reply.model_dump(mode="json", exclude_none=True)
        version = current.get(batches[-1].stream_id, 0) if batches else 0
        return recorded, Committed(reply=body, positions=positions, version=version)

    async def _raw(
        self,
        conn: AsyncConnection,
        statements: Sequence[_Statement],
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> Any:
        """Runs statements on the transaction's psycopg connection in one pipeline (after whatever `before` sends
        through the same connection); the last one's first row."""
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        cur, sql = None, ""
        try:
            async with raw.pipeline():
                if before is not None:
                    await before()
                for statement in statements:
                    sql, params = (statement, None) if isinstance(statement, str) else statement
                    cur = await raw.execute(sql, params, prepare=params is not None)
            return await cur.fetchone() if cur is not None and cur.description else None
        except psycopg.Error as e:
            raise wrapped(sql, (), e) from e

    async def _snapshot(self, stream_id: str, fold: Fold[S]) -> tuple[S, int] | None:
        if fold.decode is None:
            return None
        rows = await self.direct.fetch(self._sql.snapshot, (stream_id,))
        return None if not rows else (fold.decode(rows[0][0]), rows[0][1])

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


class _Sql:
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
        # one statement for the events and the commands' replies, each column an array unnested
        self.insert = (
            f"WITH command AS (INSERT INTO {s}.commands (command_id, fingerprint, reply) "
            "SELECT * FROM unnest(%(cids)s::text[], %(fps)s::text[], %(replies)s::jsonb[])) "
            f"INSERT INTO {s}.events (position, event_id, stream_id, version, type, subject, aggregate_id, org_id, data, "
            "recorded_at, command_id, correlation_id, causation_id, actor) "
            "SELECT * FROM unnest(%(positions)s::bigint[], %(event_ids)s::uuid[], %(streams)s::text[], %(versions)s::int[], "
            "%(types)s::text[], %(subjects)s::text[], %(aggregates)s::text[], %(orgs)s::text[], %(datas)s::jsonb[], "
            "%(ats)s::timestamptz[], %(commands)s::text[], %(corrs)s::text[], %(causes)s::text[], %(actors)s::text[])"
        )
        self.check = (
            f"SELECT (SELECT coalesce(array_agg(command_id), '{{}}') FROM {s}.commands "
            "WHERE command_id = ANY(%(cids)s::text[])), "
            f"(SELECT coalesce(jsonb_object_agg(stream_id, v), '{{}}'::jsonb) FROM (SELECT stream_id, max(version) AS v "
            f"FROM {s}.events WHERE stream_id = ANY(%(streams)s::text[]) GROUP BY stream_id) m), "
            f"(SELECT array_agg(nextval('{schema}.events_position_seq')) FROM generate_series(1, %(n)s::int)), "
            "clock_timestamp()"
        )


@dataclass(frozen=True)
class _Checked:
    """What a group found under the lock: the command ids done, the streams' versions, positions and their time.
    Deciding the group's appends in order moves the versions and adds their command ids."""

    done: set[str]
    versions: dict[str, int]
    positions: list[int]
    at: datetime


def _stamp(batches: Sequence[Batch], current: dict[str, int], slots: Iterator[int], at: datetime, meta: Meta) -> list[Recorded]:
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


def _insert_params(written: Sequence[tuple[_Pending, list[Recorded], dict[str, Any]]]) -> dict[str, Any]:
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


def writes_only(project: InlineProjection) -> InlineProjection:
    """Marks an inline projection that only writes (never reads a result, not even a row count): the store may
    pipeline its statements with the append's own, saving a round trip per append."""
    project.writes_only = True  # type: ignore[attr-defined]
    return project


async def _project_all(projections: Sequence[InlineProjection], conn: AsyncConnection, recorded: list[Recorded]) -> None:
    for project in projections:
        await project(conn, recorded)


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    """A connection for the writer, in autocommit so that psycopg sends no BEGIN of its own: it would wait for
    that BEGIN's answer before anything else, a round trip; the writer sends BEGIN in its first pipeline instead.
    SQLAlchemy puts the connection back out of autocommit when it returns to the pool."""
    conn = await engine.connect()
    try:
        return await conn.execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        await _discard(conn, keep=False)
        raise


async def _discard(conn: AsyncConnection | None, *, keep: bool) -> AsyncConnection | None:
    """After a failed group: rolls back and keeps the connection if asked and it still works, else drops it."""
    if conn is None:
        return None
    if keep:
        with contextlib.suppress(Exception):
            await conn.rollback()
            raw = (await conn.get_raw_connection()).driver_connection
            if raw is not None:
                await raw.rollback()  # the pipelined statements may have begun a transaction SQLAlchemy never saw
            return conn
    with contextlib.suppress(Exception):
        await conn.invalidate()  # a connection that failed mid-group is not handed to anyone else
    with contextlib.suppress(Exception):
        await conn.close()
    return None


def _settle(done: asyncio.Future[Committed], outcome: Committed | BaseException) -> None:
    if done.done():
        return  # its caller stopped waiting
    if isinstance(outcome, Committed):
        done.set_result(outcome)
    elif isinstance(outcome, asyncio.CancelledError):
        done.cancel()
    else:
        done.set_exception(outcome)


def truncating(tables: Sequence[Table]) -> Callable[[AsyncConnection], Awaitable[None]]:
    """A `rebuild` reset that empties the given read-model tables."""
    names = ", ".join(f'"{t.schema}"."{t.name}"' for t in tables)

    async def reset(conn: AsyncConnection) -> None:
        if names:
            await conn.execute(text(f"TRUNCATE {names}"))

    return reset


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
