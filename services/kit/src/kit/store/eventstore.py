"""The event store: atomic, ordered, idempotent appends over one service's ledger, and its stream reads
(`streams`); its values live in `records`, re-exported here."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Table, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event, decode_event

from .. import metrics
from ..db import driver, wrapped
from ..errors import conflict
from ..locks import lock_key, pause
from .connections import broken, connect, discard
from .forecast import Checked, Forecast
from .inline import InlineProjection, deferrable, project_all, writes_only, writes_only_unless
from .plans import Also, Pending, Plan, Repeated, plan_group
from .records import Batch, Committed, Fold, Meta, Recorded, VersionConflict, fingerprint
from .statements import insert_params
from .streams import Streams
from .tables import Ledger

T = TypeVar("T")
NO_META = Meta()
"""An append's metadata when the caller gives none (frozen, so one serves every call)."""
__all__ = [
    "Batch",
    "Committed",
    "EventStore",
    "Fold",
    "InlineProjection",
    "Meta",
    "Recorded",
    "VersionConflict",
    "fingerprint",
    "writes_only",
    "writes_only_unless",
]


class _GuessLost(Exception):
    """The connection was lost while a guessed group, COMMIT and all, was in flight."""

    def __init__(self, plan: Plan, cause: Exception) -> None:
        super().__init__(str(cause))
        self.plan, self.cause = plan, cause


_Statement = tuple[str, Any] | str


class EventStore(Streams):
    """Appends events to one schema's ledger, updating inline read models atomically, and reads streams back
    (`Streams`).

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
        super().__init__(engine, ledger, cache_size)
        self.context = context
        self.inline = list(inline)
        self.on_commit: list[Callable[[], None]] = []
        self._queue: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._group_limit, self._linger = group_limit, linger
        self._more = asyncio.Event()
        # one lock key per schema: appends of a service are serialised, so commit order is position order
        self._lock_key = lock_key("append", str(ledger.metadata.schema))
        self._forecast = Forecast()

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
        wake: bool = True,
    ) -> Committed:
        """Appends to several streams atomically, each at its expected version; `also` runs in the same transaction.
        `wake=False` leaves the commit listeners (the relay) to find the events when they next look, so that appends
        made one after another in quick succession are published together rather than one by one."""
        try:
            done = asyncio.get_running_loop().create_future()
            return await self._enqueue(Pending(batches, meta, data, also, done, wake))
        except Repeated:
            stored = await self.stored_reply(meta.command_id or "")
            if stored is None or stored[0] != meta.fingerprint:
                raise conflict("this Idempotency-Key was already used for a different request") from None
            return Committed(reply=stored[1], repeated=True)

    async def _enqueue(self, pending: Pending) -> Committed:
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

    async def _commit_group(self, conn: AsyncConnection | None, group: list[Pending]) -> AsyncConnection | None:
        """Writes a group in one transaction; returns the connection to keep (None if it was lost)."""
        learnt: dict[str, int] = {}
        held = [conn]
        try:
            outcomes = await self._on_connection(held, group, learnt)
            assert held[0] is not None
            if held[0].in_transaction():
                await held[0].commit()  # `_one_by_one`'s COMMIT; after a pipeline's own, SQLAlchemy's bookkeeping only
        except BaseException as e:
            # the transaction is lost (a lone append failed, the server went away, the commit failed): none was written
            for p in group:
                _settle(p.done, e)
            lost = not isinstance(e, Exception) or isinstance(e, OperationalError | InterfaceError)
            conn = await discard(held[0], keep=not lost)
            if not isinstance(e, Exception):
                raise
            return conn
        self._forecast.wrote(learnt)
        appended = sum(len(o.positions) for o in outcomes if isinstance(o, Committed))
        metrics.APPENDED.labels(self.context).inc(appended)
        if any(isinstance(o, Committed) and p.wake for p, o in zip(group, outcomes, strict=True)):
            for notify in self.on_commit:
                notify()
        for p, outcome in zip(group, outcomes, strict=True):
            _settle(p.done, outcome)
        return held[0]

    async def _on_connection(
        self, held: list[AsyncConnection | None], group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group written on the kept connection (`held`), or on a new one, put in `held`, if the kept one died
        since its last group: nothing was written on it yet, as with a ping; or, if it died on a guess (whose
        pipeline ends in COMMIT), the ledger tells whether the guess committed."""
        landed: Plan | None = None
        if held[0] is not None:
            try:
                return await self._write_group(held[0], group, learnt)
            except _GuessLost as e:
                held[0] = await discard(held[0], keep=False)
                landed = e.plan if await self._landed(e.plan) else None
            except (OperationalError, InterfaceError):
                held[0] = await discard(held[0], keep=False)
        held[0] = fresh = await connect(self.engine)
        if landed is not None:
            learnt.update(landed.versions)
            return landed.outcomes
        try:
            return await self._write_group(fresh, group, learnt)
        except _GuessLost as e:
            raise e.cause from None  # a new connection that fails at once is the server's failure, not a rest's

    async def _write_group(
        self, conn: AsyncConnection, group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group in one round trip when the writer can foresee the checks (see `_guessed`); else checked in one
        round trip and written, with the COMMIT, in a second. Should that write fail, the group is written again one
        append at a time, each in a savepoint, so that only the failing append fails."""
        first: list[_Statement] = ["BEGIN", (self._sql.lock, (self._lock_key,))]
        foreseen = self._foresee(group)
        if foreseen is not None:
            try:
                return await self._guessed(conn, foreseen, first, learnt)
            except _GuessLost:
                raise
            except Exception:  # noqa: BLE001 - a wrong guess, or an append that fails: the checks below tell which
                first = ["ROLLBACK", *first]
        checked = await self._check(conn, group, first=first)
        if foreseen is not None and foreseen.guess is not None:
            self._forecast.missed(foreseen.guess, checked)
        try:
            plan = plan_group(group, checked, self.context)
            await self._send(conn, plan, then="COMMIT")
        except (OperationalError, InterfaceError):
            raise  # the connection is gone, and the whole group with it
        except Exception:
            if len(group) == 1:
                raise
            await conn.rollback()
            await (await driver(conn)).rollback()  # the pipeline's BEGIN, which SQLAlchemy never saw
            return await self._one_by_one(conn, group, learnt)
        learnt.update(plan.versions)
        return plan.outcomes

    def _foresee(self, group: list[Pending]) -> Plan | None:
        """The group's plan on the writer's forecast, if it has one and every append stands on it, with events,
        read models that only write and nothing else to run in the transaction."""
        if any(p.also is not None for p in group):
            return None
        guess = self._forecast.guess(b for p in group for b in p.batches)
        if guess is None:
            return None
        try:
            plan = plan_group(group, guess.checked, self.context, strict=True)
        except (Repeated, VersionConflict):
            return None
        if not plan.everything or not all(deferrable(project, plan.everything) for project in self.inline):
            return None
        plan.guess = guess
        return plan

    async def _guessed(
        self, conn: AsyncConnection, plan: Plan, first: list[_Statement], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """Writes a foreseen group in one round trip: BEGIN, the lock, a guard that fails unless the server finds what
        the writer foresaw (the streams' versions, the next positions), the read models, events, replies and COMMIT.
        A stale version the guard misses, or a command id already used, fails the insert; either way nothing stays."""
        guess = plan.guess
        assert guess is not None
        params = {
            "n": len(guess.checked.positions),
            "positions": guess.checked.positions,
            "streams": guess.streams,
            "versions": json.dumps(guess.versions),
        }
        try:
            await self._send(conn, plan, then="COMMIT", first=[*first, (self._sql.guard, params)])
        except BaseException as e:
            self._forecast.forget()
            # psycopg reports statements skipped after a failed one as an OperationalError too: only a broken
            # connection means the COMMIT's fate is unknown
            if isinstance(e, OperationalError | InterfaceError) and await broken(conn):
                raise _GuessLost(plan, e) from e
            raise
        self._forecast.drew(guess.checked)
        learnt.update(plan.versions)
        return plan.outcomes

    async def _landed(self, plan: Plan) -> bool:
        """Whether a group whose connection was lost with its COMMIT in flight committed anyway (if the ledger cannot
        be asked, the group fails: writing it again might write it twice). The append lock is taken first, so a
        transaction of the lost connection still finishing is waited for."""
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
            found = await conn.execute(text(self._sql.landed), {"event_id": plan.everything[0].event_id})
            return found.first() is not None

    async def _one_by_one(
        self, conn: AsyncConnection, group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group again, each append in a savepoint, so a failure undoes only its own writes."""
        await conn.begin()  # so that the caller's commit commits (SQLAlchemy ignores a commit outside its transaction)
        await self._raw(conn, ["BEGIN", (self._sql.lock, (self._lock_key,))])
        outcomes: list[Committed | Exception] = []
        for p in group:
            try:
                checked = await self._check(conn, [p], first=["SAVEPOINT append"])
                plan = plan_group([p], checked, self.context)
                await self._send(conn, plan, then="RELEASE SAVEPOINT append")
                outcomes += plan.outcomes
                learnt.update(plan.versions)
            except (OperationalError, InterfaceError):
                raise
            except Exception as e:  # noqa: BLE001 - the append's own failure is its caller's to see, not the group's
                await self._raw(conn, ["ROLLBACK TO SAVEPOINT append"])
                outcomes.append(e)
        return outcomes

    async def _check(self, conn: AsyncConnection, group: Sequence[Pending], *, first: Sequence[_Statement]) -> Checked:
        """Which command ids were done, where the streams stand and positions for every event, in one round trip
        with what must come `first` (BEGIN and the append lock, or a savepoint). Under the lock nobody else claims
        a command id or moves a stream until the group commits, and positions drawn under it ascend in commit order."""
        params = {
            "cids": sorted({p.meta.command_id for p in group if p.meta.command_id is not None}),
            "streams": sorted({b.stream_id for p in group for b in p.batches}),
            "n": sum(len(b.events) for p in group for b in p.batches),
        }
        row = await self._raw(conn, [*first, (self._sql.check, params)])
        assert row is not None
        checked = Checked(set(row[0]), dict(row[1]), sorted(row[2] or ()), row[3])
        self._forecast.drew(checked)
        return checked

    async def _send(self, conn: AsyncConnection, plan: Plan, then: str, first: Sequence[_Statement] = ()) -> None:
        """Runs each append's `also`, updates the read models in one pass, then writes the events and replies with
        `then`. Read models that only write go out in the pipeline with the events; the others run before. No read
        model reads the ledger, so the events may follow them inside the transaction."""
        everything = plan.everything
        deferred = [project for project in self.inline if deferrable(project, everything)]
        # first, so that a read model may read what they wrote (a new person's key); those that only write go in
        # one pipeline, a round trip for the group rather than one each
        alsos = [p.also for p, _, _ in plan.written if p.also is not None]
        piped = [also for also in alsos if getattr(also, "writes_only", False)]
        for also in alsos:
            if also not in piped:
                await also(conn)
        if piped:
            await self._raw(conn, (), between=lambda: _run_all(piped, conn))
        for project in self.inline:
            if project not in deferred:
                await project(conn, everything)

        def tail() -> list[_Statement]:
            # built once the checks are on their way: the server works through them while the client dumps the rows
            insert: list[_Statement] = [(self._sql.insert, insert_params(plan.written))] if plan.written else []
            return [*insert, (then, None)]

        await self._raw(conn, first, between=lambda: project_all(deferred, conn, everything), tail=tail)

    async def _raw(
        self,
        conn: AsyncConnection,
        statements: Sequence[_Statement],
        between: Callable[[], Awaitable[None]] | None = None,
        tail: Callable[[], Sequence[_Statement]] = tuple,
    ) -> Any:
        """Runs statements on the transaction's psycopg connection in one pipeline, with whatever `between` sends
        through the same connection, then the statements `tail` builds; the last statement's first row."""
        raw = await driver(conn)
        cur, sql = raw.cursor(), ""  # one cursor for every statement: it keeps the last one's result
        try:
            async with raw.pipeline():
                for statement in statements:
                    sql, params = (statement, None) if isinstance(statement, str) else statement
                    await cur.execute(sql, params, prepare=self._sql.prepared(sql, params))
                if between is not None:
                    await between()
                for statement in tail():
                    sql, params = (statement, None) if isinstance(statement, str) else statement
                    await cur.execute(sql, params, prepare=self._sql.prepared(sql, params))
            return await cur.fetchone() if cur.description else None
        except psycopg.Error as e:
            raise wrapped(sql, (), e) from e


async def _run_all(alsos: Sequence[Also], conn: AsyncConnection) -> None:
    for also in alsos:
        await also(conn)


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
