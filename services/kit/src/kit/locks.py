"""Advisory locks that make one relay, one projector per consumer and one migrator active at a time."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


def lock_key(*parts: str) -> int:
    """A stable 64-bit advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big", signed=True)


async def try_lock(conn: AsyncConnection, key: int) -> bool:
    """Takes a session-level lock if free; it lasts as long as the connection does."""
    got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar_one()
    await conn.commit()
    return bool(got)


async def pause(event: asyncio.Event, seconds: float) -> bool:
    """Waits for the event at most `seconds`; True if it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
        return True
    return False
