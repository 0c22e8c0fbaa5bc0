"""The event store: atomic, ordered, idempotent appends over one service's ledger, and its stream reads
(`streams`); its values live in `records`, re-exported here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event, decode_event

from .. import metrics
from ..errors import conflict
from ..locks import lock_key, pause
from .connections import discard
from .inline import InlineProjection, writes_only, writes_only_unless
from .plans import Also, Pending, Repeated
from .records import Batch, Committed, Fold, Meta, Recorded, VersionConflict, fingerprint
from .retries import retrying
from .streams import Streams
from .tables import Ledger
from .writer import GroupWriter

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
    "retrying",
    "writes_only",
    "writes_only_unless",
]


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
        gather: float = 0.0,
    ) -> None:
        super().__init__(engine, ledger, cache_size)
        self.context = context
        self.on_commit: list[Callable[[], None]] = []
        self._queue: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._group_limit, self._linger, self._gather_for = group_limit, linger, gather
        self._more = asyncio.Event()
        self._last_group = 0
        # one lock key per schema: appends of a service are serialised, so commit order is position order
        self._lock_key = lock_key("append", str(ledger.metadata.schema))
        self._groups = GroupWriter(engine, self._sql, self._lock_key, context, inline)

    @property
    def inline(self) -> list[InlineProjection]:
        """The read models updated in each append's transaction, in order."""
        return self._groups.inline

    @inline.setter
    def inline(self, projections: list[InlineProjection]) -> None:
        self._groups.inline = projections

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
            reply = await self.first_reply(meta)
            if reply is None:
                raise conflict("this Idempotency-Key was already used for a different request") from None
            return Committed(reply=reply, repeated=True)

    async def first_reply(self, meta: Meta) -> dict[str, Any] | None:
        """The reply of the command's first run, if it was done; a `conflict` if it was done for another request."""
        stored = await self.stored_reply(meta.command_id) if meta.command_id is not None else None
        if stored is not None and stored[0] != meta.fingerprint:
            raise conflict("this Idempotency-Key was already used for a different request")
        return None if stored is None else stored[1]

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
                await self._gather()
                group, self._queue = self._queue[: self._group_limit], self._queue[self._group_limit :]
                group = [p for p in group if not p.done.done()]  # a caller cancelled before its turn writes nothing
                self._last_group = len(group)
                if group:
                    conn = await self._commit_group(conn, group)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _gather(self) -> None:
        """Under load (the last group had company), waits a moment for the appends other tasks are about to make:
        a group then shares its commit, lock and statements among more appends. A lone append never waits."""
        if self._gather_for and self._last_group > 1 and len(self._queue) < self._group_limit:
            await asyncio.sleep(self._gather_for)

    async def _commit_group(self, conn: AsyncConnection | None, group: list[Pending]) -> AsyncConnection | None:
        """Writes a group in one transaction; returns the connection to keep (None if it was lost)."""
        learnt: dict[str, int] = {}
        held = [conn]
        try:
            outcomes = await self._groups.write(held, group, learnt)
            assert held[0] is not None
            if held[0].in_transaction():
                await held[0].commit()  # the COMMIT after one by one; after a pipeline's own, bookkeeping only
        except BaseException as e:
            # the transaction is lost (a lone append failed, the server went away, the commit failed): none was written
            for p in group:
                _settle(p.done, e)
            lost = not isinstance(e, Exception) or isinstance(e, OperationalError | InterfaceError)
            conn = await discard(held[0], keep=not lost)
            if not isinstance(e, Exception):
                raise
            return conn
        self._groups.forecast.wrote(learnt)
        appended = sum(len(o.positions) for o in outcomes if isinstance(o, Committed))
        metrics.APPENDED.labels(self.context).inc(appended)
        if any(isinstance(o, Committed) and p.wake for p, o in zip(group, outcomes, strict=True)):
            for notify in self.on_commit:
                notify()
        for p, outcome in zip(group, outcomes, strict=True):
            _settle(p.done, outcome)
        return held[0]


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
