"""Rows that keep each state a thing was left in by its events (one row per source position), so a `known_on` finds
the state as recorded by then: the latest row recorded before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection


async def carry(
    conn: AsyncConnection, table: Table, key: dict[str, Any], position: int, at: datetime, changes: dict[str, Any]
) -> bool:
    """Adds the state after the event at `position`: the latest earlier state with `changes`; False if none was added
    (no earlier state, or a redelivery)."""
    c = table.c
    stamp = {"position": position, "recorded_at": at}
    values = {**stamp, **changes}
    columns = [col.name for col in table.columns]
    earlier = (
        select(*[literal(values[n], type_=c[n].type) if n in values else c[n] for n in columns])
        .where(*[c[k] == v for k, v in key.items()], c.position < position)
        .order_by(c.position.desc())
        .limit(1)
    )
    # RETURNING, as the driver's row count of an INSERT … SELECT is not to be trusted (it answered -1 for none)
    added = insert(table).from_select(columns, earlier).on_conflict_do_nothing().returning(c.position)
    return (await conn.execute(added)).first() is not None


async def start(conn: AsyncConnection, table: Table, row: dict[str, Any], position: int, at: datetime) -> None:
    """Adds a thing's first state."""
    await conn.execute(insert(table).values({**row, "position": position, "recorded_at": at}).on_conflict_do_nothing())
