"""An event store's inline read models rebuilt from its whole ledger, and the reset that empties their tables first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import decode_event

from ..projection import InlineProjection
from .records import Recorded

Reset = Callable[[AsyncConnection], Awaitable[None]]


async def rebuild_inline(
    engine: AsyncEngine, everything: str, lock_key: int, inline: Sequence[InlineProjection], reset: Reset, chunk: int
) -> int:
    """Empties the inline read models with `reset` and applies the whole ledger (`everything`, a query of every event in
    position order) again, in one transaction under the append lock. The ledger is read through a server-side cursor of
    the same transaction, only the columns a projection sees."""
    applied = 0
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
        await reset(conn)
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        async with raw.cursor(name="rebuild") as cur:
            await cur.execute(everything)
            while rows := await cur.fetchmany(chunk):
                recorded = [Recorded(p, str(e), s, v, decode_event(t, d), at, c, k) for p, e, s, v, t, d, at, c, k in rows]
                for project in inline:
                    await project(conn, recorded)
                applied += len(recorded)
    return applied


def truncating(tables: Sequence[Table]) -> Reset:
    """A `rebuild` reset that empties the given read-model tables."""
    names = ", ".join(f'"{t.schema}"."{t.name}"' for t in tables)

    async def reset(conn: AsyncConnection) -> None:
        if names:
            await conn.execute(text(f"TRUNCATE {names}"))

    return reset
