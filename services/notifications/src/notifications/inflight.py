"""Letters in flight: each is held under an advisory lock of its own from just before it is sent until its receipt is
recorded, on a connection the sender keeps for the round.

A sender whose single-active lock was taken over (its lock session terminated) may still be sending the letter it had
begun; the new holder finds that letter's lock held and leaves it, and once the lock is free it reads the receipt
first. A sender that dies loses the connection and its letter locks with it, so nothing waits for the dead: its letter
in flight may go again, with the same Message-ID, as after any kill."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit.db import driver, wrapped
from kit.locks import Fence, LostLock, lock_key

from .tables import outbox

# the letters done with let go and the next ones taken if free, then those read: two statements in one round trip (a
# pipeline), the second with a snapshot of its own, taken once the first holds the locks
_SWAP = (
    "SELECT (SELECT count(*) FROM unnest(%(free)s::bigint[]) AS f WHERE pg_advisory_unlock(f)),"
    " ARRAY(SELECT k FROM unnest(%(want)s::bigint[]) AS k WHERE pg_try_advisory_lock(k))"
)
_PENDING = f"SELECT notification_id, attempts FROM {outbox.fullname} WHERE notification_id = ANY(%(ids)s) AND status = 'pending'"
_FREE = "SELECT pg_advisory_unlock_all()"
# the session holding the senders' lock, by its backend's pid (a terminated backend's pid is not handed out again
# until the system has gone through all the others, far longer than a letter takes)
_HOLDER = (
    "SELECT pid, database FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND classid::bigint = %(hi)s AND objid::bigint = %(lo)s"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_HOLDS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND classid::bigint = %(hi)s AND objid::bigint = %(lo)s AND database = %(database)s AND pid = %(pid)s"
)


def _key(notification_id: str) -> int:
    return lock_key("letter", notification_id)


class InFlight:
    """The letter locks of one round, on one autocommit connection (a lock is the session's, not a transaction's),
    spoken to through psycopg itself: a round trip a letter, with little of the client's CPU. Once it `watch`es the
    fence, that round trip also proves the senders' lock is still this sender's, right before the letter goes."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.held: set[str] = set()
        self.holder: dict[str, Any] | None = None  # the lock session the fence stands for, checked with every take
        self.lost = False

    async def watch(self, fence: Fence, key: int) -> None:
        """Learns which session holds the senders' lock `key`, between two checks of the `fence` that prove it is this
        sender's own; from then on every letter's round trip also proves that session still holds it."""
        await fence.check()
        lock = {"hi": (key & 0xFFFFFFFFFFFFFFFF) >> 32, "lo": key & 0xFFFFFFFF}
        raw = await driver(self.conn)
        try:
            found = await (await raw.execute(_HOLDER, lock)).fetchone()
        except psycopg.Error as e:
            raise wrapped(_HOLDER, (), e) from e
        await fence.check()
        if found is None:
            raise LostLock("no session holds the senders' lock")
        self.holder = {**lock, "pid": found[0], "database": found[1]}

    async def take(self, rows: Sequence[Any], keep: Collection[str] = ()) -> bool:
        """Locks the rows' notifications and confirms each is as the round read it (pending, with as many attempts); False,
        holding none of them, if another sender has one in flight or settled one since. Letters held before and not
        in `keep` (their receipts are recorded) are let go in the same round trip; rows taken ahead cost nothing."""
        if self.lost:
            raise LostLock("the senders' lock was taken over")
        ids = {r.notification_id for r in rows}
        wanted = ids - self.held
        if not wanted:
            return True
        free = self.held - ids - set(keep)
        raw = await driver(self.conn)
        try:
            async with raw.pipeline():
                swapped = await raw.execute(_SWAP, {"free": [_key(n) for n in free], "want": [_key(n) for n in wanted]})
                read = await raw.execute(_PENDING, {"ids": sorted(wanted)})
                holds = await raw.execute(_HOLDS, self.holder) if self.holder is not None else None
            found = await swapped.fetchone()
            pending = {n: a for n, a in await read.fetchall()}
            held = (await holds.fetchone()) if holds is not None else (1,)
        except psycopg.Error as e:
            raise wrapped(_SWAP, (), e) from e
        assert found is not None
        self.held -= free
        got = set(found[1])
        taken = {n for n in wanted if _key(n) in got}
        self.held |= taken
        if not held or not held[0]:  # the fence: this sender's lock session is gone, so not one more letter
            self.lost = True
            await self._release(taken)
            raise LostLock("the senders' lock was taken over")
        if taken == wanted and pending == {r.notification_id: r.attempts for r in rows if r.notification_id in wanted}:
            return True
        await self._release(taken)
        return False

    async def _release(self, ids: Collection[str]) -> None:
        if ids:
            await self._run(_SWAP, {"free": [_key(n) for n in ids], "want": []})
            self.held -= set(ids)

    async def let_go(self) -> None:
        """Lets every letter lock of this connection go."""
        await self._run(_FREE, {})
        self.held.clear()

    async def _run(self, sql: str, params: dict[str, Any]) -> None:
        raw = await driver(self.conn)
        try:
            await raw.execute(sql, params)
        except psycopg.Error as e:
            raise wrapped(sql, (), e) from e


@contextlib.asynccontextmanager
async def letters_in_flight(engine: AsyncEngine) -> AsyncIterator[InFlight]:
    """A round's letter locks; every one let go at the end, or the connection dropped, so no pooled connection keeps
    one (it would hold that letter back for good)."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        flight = InFlight(conn)
        try:
            yield flight
        finally:
            try:
                await flight.let_go()
            except Exception:  # noqa: BLE001 - a connection that can't let go is closed, which lets go as well
                with contextlib.suppress(Exception):
                    await conn.invalidate()
