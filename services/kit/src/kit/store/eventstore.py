"""The event store's append, top to bottom. An append joins a queue; one writer task commits what is queued a group
at a time, in one transaction on a connection it keeps while appends keep coming:

1. check, in one round trip: BEGIN, the schema's append lock (so commit order is position order) and what the group
   must know: which of its command ids were done, where its streams stand, a position for each of its events;
2. decide, without IO (`plans`): a repeat or a stale version fails its own append; the others' events are stamped;
3. write, in a second round trip: each append's `also`, the inline read models, the events with the replies, COMMIT;
4. tell each caller, and the commit listeners (the relay), a run of commits together (`listeners`).

The one shortcut: a group whose checks the writer can foresee skips the first round trip, guarded (`forecast`). A
failed write is made again an append at a time, each in a savepoint, so only the failing append fails; a lost
connection fails its group. Reading streams is `Streams`; the values are in `records`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event

from .. import metrics
from ..errors import conflict
from ..locks import lock_key, pause
from ..projection import Inline, InlineProjection
from .connections import Statement, broken, connect, discard, roll_back, round_trip
from .forecast import Forecast
from .inserts import Rows, insert_rows
from .listeners import CommitListeners
from .plans import Also, Checked, Pending, Plan, Repeated, plan_group
from .reading import Streams
from .rebuild import Reset, rebuild_inline
from .records import Batch, Committed, Meta
from .statements import check_params, insert_params
from .tables import Ledger

NO_META = Meta()  # frozen, so one serves every call that gives none
GROUP_LIMIT, LINGER = 64, 1.0  # appends a group holds at most; seconds the writer outlives an empty queue


class EventStore(Streams):
    """Appends events to one schema's ledger, updating inline read models atomically, and reads streams back
    (`Streams`). Concurrent appends share a group commit, yet each succeeds or fails on its own."""

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        context: str,
        inline: Sequence[InlineProjection] = (),
        gather: float = 0.0,
        foresee: bool = True,
        wake_window: tuple[float, float] = (0.02, 0.2),
    ) -> None:
        super().__init__(engine, ledger)
        self.context = context
        self.inline: list[InlineProjection] = list(inline)
        """The read models updated in each append's transaction, in order."""
        self.on_commit = CommitListeners(wake_window)
        self._queue: list[Pending] = []
        self._more = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._conn: AsyncConnection | None = None  # the writer's, kept while appends keep coming
        self._gather_for, self._last_group = gather, 0
        self._lock_key = lock_key("append", str(ledger.metadata.schema))
        self._begin: list[Statement] = ["BEGIN", (self._sql.lock, (self._lock_key,))]
        self._forecast = Forecast(enabled=foresee)
        self._round_trip = functools.partial(round_trip, prepared=self._sql.prepared)

    async def append(
        self, stream_id: str, events: Sequence[Event], *, expected_version: int | None, meta: Meta = NO_META, data: Any = None
    ) -> Committed:
        """Appends the events at `expected_version` (None: wherever the stream is) in one transaction, with the command's
        reply, so that a repeat answers the same, and the inline read models, so that the service reads its own writes."""
        return await self.append_batch([Batch(stream_id, events, expected_version)], meta=meta, data=data)

    async def append_batch(
        self, batches: Sequence[Batch], *, meta: Meta = NO_META, data: Any = None, also: Also | None = None
    ) -> Committed:
        """Appends to several streams atomically, each at its expected version; `also` runs in the same transaction."""
        done: asyncio.Future[Committed] = asyncio.get_running_loop().create_future()
        self._queue.append(Pending(batches, meta, data, also, done))
        self._more.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())
        try:
            return await done
        except Repeated:
            reply = await self.first_reply(meta)
            if reply is None:
                raise conflict("this Idempotency-Key was already used for a different request") from None
            return Committed(reply=reply, repeated=True)

    async def rebuild(self, reset: Reset, chunk: int = 5000) -> int:
        """Empties the inline read models with `reset` and applies the whole ledger again, in one transaction."""
        applied = await rebuild_inline(self.engine, self._sql.everything, self._lock_key, self.inline, reset, chunk)
        self._cache.clear()
        return applied

    async def _write_queued(self) -> None:
        """Commits what is queued, a group at a time; appends that arrive meanwhile form the next group."""
        try:
            while True:
                if not self._queue:
                    self._more.clear()
                    if not await pause(self._more, LINGER) and not self._queue:
                        self._writer = None  # no await from the check to here: the next append starts a new writer
                        break
                    continue
                if self._gather_for and self._last_group > 1 and len(self._queue) < GROUP_LIMIT:
                    # under load a group waits a moment for appends other tasks are about to make, to share its commit
                    # with them; a lone append never waits
                    await asyncio.sleep(self._gather_for)
                group, self._queue = self._queue[:GROUP_LIMIT], self._queue[GROUP_LIMIT:]
                group = [p for p in group if not p.done.done()]  # a caller cancelled before its turn writes nothing
                self._last_group = len(group)
                if group:
                    await self._commit_group(group)
        finally:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _commit_group(self, group: list[Pending]) -> None:
        """Writes a group in one transaction, then tells the commit listeners and each caller how its append went."""
        try:
            outcomes = await self._write_group(group)
        except BaseException as e:
            # none of it stands, unless the connection was lost with the COMMIT on its way: a repeat tells which
            for p in group:
                p.tell(e)
            lost = not isinstance(e, Exception) or isinstance(e, OperationalError | InterfaceError)
            self._conn = await discard(self._conn, keep=not lost)
            if not isinstance(e, Exception):
                raise
            return
        metrics.APPENDED.labels(self.context).inc(sum(len(o.positions) for o in outcomes if isinstance(o, Committed)))
        if any(isinstance(o, Committed) for o in outcomes):
            self.on_commit.committed()
        for p, outcome in zip(group, outcomes, strict=True):
            p.tell(outcome)

    async def _write_group(self, group: list[Pending]) -> list[Committed | Exception]:
        """The group in one transaction on the writer's connection, foreseen or checked; the callers' outcomes."""
        if self._conn is None:
            self._conn = await connect(self.engine)
        conn = self._conn
        foreseen = self._forecast.foresee(group, self.inline, self.context)
        if foreseen is not None:
            try:
                await self._write(conn, foreseen.plan, then="COMMIT", first=[*self._begin, (self._sql.guard, foreseen.guard)])
            except Exception:
                # the forecast no longer held, a command id was used before, or an append failed: the checks tell which
                self._forecast.forget()
                if await broken(conn):
                    raise  # the group fails with its connection: whether its COMMIT landed, a repeat of its commands tells
                await roll_back(conn)
            else:
                self._forecast.wrote(foreseen.plan)
                await conn.commit()  # SQLAlchemy's bookkeeping only: the server committed at the end of the pipeline
                return foreseen.plan.outcomes
        # under the lock nobody else claims a command id or moves a stream until the group commits
        checked = await self._check(conn, group, first=self._begin)
        self._forecast.checked(checked, missed=foreseen)
        plan = plan_group(group, checked, self.context)
        try:
            await self._write(conn, plan, then="COMMIT")
        except (OperationalError, InterfaceError):
            raise  # the connection is gone, and the whole group with it
        except Exception:
            if len(group) == 1:
                raise
            await roll_back(conn)
            outcomes = await self._one_by_one(conn, group)
        else:
            self._forecast.wrote(plan)
            outcomes = plan.outcomes
        await conn.commit()
        return outcomes

    async def _check(self, conn: AsyncConnection, group: Sequence[Pending], *, first: Sequence[Statement]) -> Checked:
        """Which command ids were done, where the streams stand and positions for every event, in one round trip
        with what must come `first` (BEGIN and the append lock, or a savepoint)."""
        done, versions, positions, at = await self._round_trip(conn, [*first, (self._sql.check, check_params(group))])
        return Checked(frozenset(done), versions, sorted(positions or ()), at)

    async def _write(self, conn: AsyncConnection, plan: Plan, *, then: str, first: Sequence[Statement] = ()) -> None:
        """Runs the `also`s and the read models, then writes the events and replies and ends with `then`. What only
        writes goes in one pipeline with the events, after the statements `first`; what reads runs before, the `also`s
        first, so a read model may read what they wrote (a new person's key). No read model reads the ledger."""
        piped = [p for p in self.inline if isinstance(p, Inline) and p.pipelined(plan.everything)]
        readers = [p for p in self.inline if p not in piped]
        alsos = [p.also for p, _, _ in plan.written if p.also is not None]
        rows = [also for also in alsos if isinstance(also, Rows)]
        for also in alsos:
            if not isinstance(also, Rows):
                await also(conn)
        if rows and readers:
            await self._round_trip(conn, [], sending=lambda: insert_rows(conn, rows))
            rows = []
        for project in readers:
            await project(conn, plan.everything)

        async def sending() -> None:
            await insert_rows(conn, rows)
            for project in piped:
                await project(conn, plan.everything)

        def tail() -> list[Statement]:  # the events' rows, dumped while the statements before them are on their way
            return [(self._sql.insert, insert_params(plan.written)), then] if plan.written else [then]

        await self._round_trip(conn, tail, sending=sending, first=first)

    async def _one_by_one(self, conn: AsyncConnection, group: list[Pending]) -> list[Committed | Exception]:
        """The group again, each append in a savepoint, so that a failure undoes only its own writes; then COMMIT."""
        self._forecast.forget()  # each savepoint's checks draw positions of their own
        await self._round_trip(conn, self._begin)
        outcomes: list[Committed | Exception] = []
        for p in group:
            try:
                plan = plan_group([p], await self._check(conn, [p], first=["SAVEPOINT append"]), self.context)
                await self._write(conn, plan, then="RELEASE SAVEPOINT append")
                outcomes += plan.outcomes
            except (OperationalError, InterfaceError):
                raise
            except Exception as e:  # noqa: BLE001 - the append's own failure is its caller's to see, not the group's
                await self._round_trip(conn, ["ROLLBACK TO SAVEPOINT append"])
                outcomes.append(e)
        await self._round_trip(conn, ["COMMIT"])
        return outcomes
