"""Letters in flight: each is held under an advisory lock of its own from just before it is sent until its receipt is
recorded, on a connection the sender keeps for the round.

A sender whose single-active lock was taken over (its lock session terminated) may still be sending the letter it had
begun; the new holder finds that letter's lock held and leaves it, and once the lock is free it reads the receipt
first. A sender that dies loses the connection and its letter locks with it, so nothing waits for the dead: its letter
in flight may go again, with the same Message-ID, as after any kill."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit.locks import lock_key

from .tables import outbox

_TRY = text("SELECT pg_try_advisory_lock(:k)")
_FREE = text("SELECT pg_advisory_unlock_all()")


class InFlight:
    """The letter locks of one round, on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def take(self, rows: Sequence[Any]) -> bool:
        """Locks the rows' notifications and confirms each is as the round read it (pending, with as many attempts); False,
        holding nothing, if another sender has one in flight or settled one since."""
        for row in rows:
            if not (await self.conn.execute(_TRY, {"k": lock_key("letter", row.notification_id)})).scalar_one():
                await self.let_go()
                return False
        o = outbox.c
        found = await self.conn.execute(
            select(o.notification_id, o.attempts).where(
                o.notification_id.in_([r.notification_id for r in rows]), o.status == "pending"
            )
        )
        unchanged = {n: a for n, a in found.all()} == {r.notification_id: r.attempts for r in rows}
        await self.conn.commit()  # read in a transaction of its own: the next check must see later receipts
        if not unchanged:
            await self.let_go()
        return unchanged

    async def let_go(self) -> None:
        """Lets every letter lock of this connection go (after the receipts are recorded, or when nothing was sent)."""
        await self.conn.execute(_FREE)
        await self.conn.commit()


@contextlib.asynccontextmanager
async def letters_in_flight(engine: AsyncEngine) -> AsyncIterator[InFlight]:
    """A round's letter locks; every one let go at the end, or the connection dropped, so no pooled connection keeps
    one (it would hold that letter back for good)."""
    async with engine.connect() as conn:
        flight = InFlight(conn)
        try:
            yield flight
        finally:
            try:
                await conn.rollback()
                await flight.let_go()
            except Exception:  # noqa: BLE001 - a connection that can't let go is closed, which lets go as well
                with contextlib.suppress(Exception):
                    await conn.invalidate()
