"""Advisory locks that make one relay, one projector per consumer and one migrator active at a time, and the turns
that make the writers of a hot stream decide one at a time across processes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import logs
from .db import driver, hung_up

log = logs.get("locks")
ACTIVE = pq.TransactionStatus.ACTIVE


def lock_key(*parts: str) -> int:
    """A stable 64-bit advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big", signed=True)


async def try_lock(conn: AsyncConnection, key: int) -> bool:
    """Takes a session-level lock if free; it lasts as long as the connection does."""
    got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar_one()
    await conn.commit()
    return bool(got)


@contextlib.asynccontextmanager
async def holding(engine: AsyncEngine, key: int) -> AsyncIterator[AsyncConnection | None]:
    """A connection holding a session-level lock, or None if another session holds it. The lock is let go on leaving:
    a pooled connection that kept it would hold it for good, and every later try, on another connection, would fail.

    Should the lock's session end while the holder does not use it (a failover, a terminated backend), the holder is
    interrupted and `LostLock` raised from the block: a holder waiting on something else (a projector between fetches)
    would otherwise carry on as if it led, while another process may hold the lock on the new primary."""
    async with engine.connect() as conn:
        if not await try_lock(conn, key):
            yield None
            return
        watch: _Watch | None = None
        try:
            watch = _Watch(await driver(conn))
            yield conn
        except asyncio.CancelledError:
            if watch is None or not watch.fired or watch.task.uncancel() > 0:  # a cancel of the holder's own goes on
                raise
            raise LostLock("the lock's session ended") from None
        finally:
            if watch is not None:
                watch.stop()
            try:
                await conn.rollback()  # a failed transaction would refuse the unlock
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()
            except Exception:  # noqa: BLE001 - closing the session lets the lock go as well
                with contextlib.suppress(Exception):
                    await conn.invalidate()


WATCH_EVERY = 0.5
"""Seconds between two looks at a held lock's connection: how long a holder may go on after its session ended."""


class _Watch:
    """Interrupts the holder's task once the lock's session has ended, which it sees without a round trip (`hung_up`)
    whenever the holder is not using the connection: a failure while it is, the holder sees itself."""

    def __init__(self, raw: psycopg.AsyncConnection[Any]) -> None:
        self.raw, self.fired = raw, False
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self._looking = asyncio.get_running_loop().create_task(self._look())

    async def _look(self) -> None:
        while not self._ended():
            await asyncio.sleep(WATCH_EVERY)
        log.warning("a held lock's session ended; its holder is stopped")
        self.fired = True
        self.task.cancel()

    def _ended(self) -> bool:
        try:
            pg = self.raw.pgconn
            # in use (a statement under way, a pipeline's results waiting to be read): readable, and alive
            if self.raw.lock.locked() or pg.pipeline_status != pq.PipelineStatus.OFF or pg.transaction_status == ACTIVE:
                return False
        except psycopg.Error:
            return True
        return hung_up(self.raw)

    def stop(self) -> None:
        self._looking.cancel()


async def pause(event: asyncio.Event, seconds: float) -> bool:
    """Waits for the event at most `seconds`; True if it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
        return True
    return False


class LostLock(Exception):
    """The session that held a single-active lock is gone (a failover, a dropped connection, a terminated backend)."""


class Fence:
    """Proof, asked for before each side effect, that this process still holds its single-active lock.

    A session-level advisory lock lasts exactly as long as its session, so the session answering at all is the proof:
    once its backend is terminated another process may take the lock, and this one must stop before it acts again."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def check(self) -> None:
        """Returns if the lock is still held; raises `LostLock` otherwise."""
        try:
            await self._conn.exec_driver_sql("SELECT 1")
            await self._conn.rollback()
        except Exception as e:  # noqa: BLE001 - whatever broke the session, the lock went with it
            raise LostLock(str(e)) from None


async def run_singly(
    engine: AsyncEngine, key: int, stop: asyncio.Event, work: Callable[[Fence], Awaitable[None]], name: str
) -> None:
    """Runs `work` (which loops until `stop`) only while this process holds the lock; one active anywhere. `work` is
    handed the lock's `Fence` to check before each side effect. A failure (a lost lock included) is logged and the
    lock taken again, so a passing fault never stops the job for good."""
    while not stop.is_set():
        try:
            async with holding(engine, key) as conn:
                if conn is None:
                    await pause(stop, 1.0)
                    continue
                await work(Fence(conn))
        except Exception:
            log.exception("a singly run job failed; it starts again", job=name)
            await pause(stop, 1.0)


TURN_WAIT = 10.0
"""Seconds a taker waits for a turn another process holds before it gives up (`OperationalError`: unavailable), as a
request is answered in about as long: a holder that hangs stops its turn's writers, never for good."""
HAND_ON = 16
"""Takers of one process a held turn passes to in a row, while they wait, before it is let go for other processes."""


class _Turn:
    """One process's side of a turn: its takers queue on `lock`, and the connection whose transaction holds the turn
    is handed from one to the next while some wait, which saves each the round trips of taking and letting it go."""

    def __init__(self) -> None:
        self.lock, self.waiting, self.run = asyncio.Lock(), 0, 0
        self.conn: AsyncConnection | None = None
        self.owed: list[asyncio.Future[Any]] = []


class Held:
    """A turn as its holder sees it."""

    def __init__(self, local: _Turn, handed: bool) -> None:
        self._local, self.handed = local, handed
        """Whether a holder of this process handed the turn on: nothing outside this process wrote since it was taken."""

    def owes(self, write: asyncio.Future[Any]) -> None:
        """A write of this holder's still under way, which the holders after it may build on: the turn is not let go to
        other processes until it has ended, so that what they read is what this process wrote."""
        self._local.owed = [w for w in self._local.owed if not w.done()] + [write]


_turns: weakref.WeakValueDictionary[tuple[asyncio.AbstractEventLoop, AsyncEngine, int], _Turn] = weakref.WeakValueDictionary()
"""Per event loop, engine and key, this process's side of a turn (two services in one process, as in a test, take turns
as two processes do); one nobody holds or waits for goes away."""


def _local_turn(engine: AsyncEngine, key: int) -> _Turn:
    place = (asyncio.get_running_loop(), engine, key)
    local = _turns.get(place)
    if local is None:
        local = _turns[place] = _Turn()
    return local


@contextlib.asynccontextmanager
async def turn(engine: AsyncEngine, *names: str) -> AsyncIterator[Held]:
    """Runs the block while no other holder of the named turn, in this process or any other on the same database, runs
    its own: for a read -> decide -> write that should not lose a race to another (a hot stream's writers), where
    optimistic retries would mostly redo work that loses again.

    The turn is a transaction-level advisory lock: it ends with its transaction, or with its session should the process
    die, so nothing is left held in a pooled connection. This process's takers queue on a lock of their own first, so one
    connection at most waits for the others' turns, and the held transaction is handed on to the next taker of this
    process while one waits (`HAND_ON` in a row at most, then the other processes' turn). A holder may leave with a
    write under way that it `owes`: the turn is let go once those have ended. The turn spares races, it does not replace
    the append's version check: should its session end unseen, writers race again, and that check decides."""
    key = lock_key("turn", *names)
    local = _local_turn(engine, key)
    local.waiting += 1
    try:
        await local.lock.acquire()
    except BaseException:
        local.waiting -= 1
        if not local.waiting and not local.lock.locked():  # the last waiter left: nobody is to be handed the turn
            await asyncio.shield(_let_go(local))
        raise
    local.waiting -= 1
    lost = False
    try:
        handed = local.conn is not None
        if not handed:
            local.conn, local.run = await _take_turn(engine, key), 0
        local.run += 1
        yield Held(local, handed)
    except (DBAPIError, psycopg.Error):
        lost = True  # the server may have ended the turn's session too (a restart, a failover): the next takes it anew
        raise
    finally:
        try:
            if lost or not local.waiting or local.run >= HAND_ON:
                await asyncio.shield(_let_go(local))  # a holder cancelled on its way out still lets the turn go
        finally:
            local.lock.release()


async def _let_go(local: _Turn) -> None:
    """Ends the transaction that holds the turn, if one does, once the writes owed have ended, and so lets it go."""
    owed, local.owed = local.owed, []
    await asyncio.gather(*owed, return_exceptions=True)  # their outcomes are their callers'
    conn, local.conn = local.conn, None
    if conn is not None:
        with contextlib.suppress(Exception):  # a broken session has let the lock go with it
            await conn.rollback()
        with contextlib.suppress(Exception):
            await conn.close()


async def _take_turn(engine: AsyncEngine, key: int) -> AsyncConnection:
    """A connection whose open transaction holds the turn, waiting at most `TURN_WAIT` for it."""
    conn = await engine.connect()
    try:
        wait = f"{int(TURN_WAIT * 1000)}ms"
        await conn.execute(text("SELECT set_config('lock_timeout', :w, true), pg_advisory_xact_lock(:k)"), {"w": wait, "k": key})
    except BaseException:
        with contextlib.suppress(Exception):
            await conn.close()
        raise
    return conn
