"""A ledger in a schema of its own (`kit_test`) and a counting read model, for the kit's tests and the fault tests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit.projection import Inline
from kit.store import Ledger, Recorded

metadata = MetaData(schema="kit_test")
LEDGER = Ledger(metadata)
seen = Table(
    "seen",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("times", Integer, nullable=False),
)
"""A read model that counts how often each event was applied, so a duplicate shows as 2 (never hidden by an upsert)."""


async def count(conn: AsyncConnection, event_id: str, org_id: str, position: int) -> None:
    """Counts one application of an event."""
    stmt = pg_insert(seen).values(event_id=event_id, org_id=org_id, position=position, times=1)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[seen.c.event_id], set_={"times": seen.c.times + 1}))


async def _count_inline(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    for r in recorded:
        await count(conn, r.event_id, r.event.ce_org_id or "", r.position)


count_inline = Inline(_count_inline, reads=False)
"""Counts each recorded event, inline with its append; it reads nothing back, so that the store's pipelined writes
are the ones the tests exercise."""


async def times_seen(engine: AsyncEngine) -> dict[str, int]:
    """event id -> how often the read model applied it."""
    async with engine.connect() as conn:
        return {r.event_id: r.times for r in await conn.execute(select(seen.c.event_id, seen.c.times))}
