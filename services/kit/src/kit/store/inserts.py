"""Rows a projection inserts, written one `executemany` per table: batching is where speed comes from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection


class Inserts:
    """Buffers inserts; `flush` before any update or delete that must see them, and at the end."""

    def __init__(self) -> None:
        self.rows: dict[Table, list[dict[str, Any]]] = {}

    def add(self, table: Table, **row: Any) -> None:
        """Queues one row."""
        self.rows.setdefault(table, []).append(row)

    async def flush(self, conn: AsyncConnection) -> None:
        """Writes what is queued, table by table in the order first used."""
        for table, rows in self.rows.items():
            await conn.execute(insert(table), rows)
        self.rows.clear()
