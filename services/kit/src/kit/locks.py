"""Advisory locks that make one relay, one projector per consumer and one migrator active at a time."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import logs

log = logs.get("locks")


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
    a pooled connection that kept it would hold it for good, and every later try, on another connection, would fail."""
    async with engine.connect() as conn:
        if not await try_lock(conn, key):
            yield None
            return
        try:
            yield conn
        finally:
            try:
                await conn.rollback()  # a failed transaction would refuse the unlock
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()
            except Exception:  # noqa: BLE001 - closing the session lets the lock go as well
                with contextlib.suppress(Exception):
                    await conn.invalidate()


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
