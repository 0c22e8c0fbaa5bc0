"""Rows a projection inserts, written one statement per table: batching is where speed comes from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, TextClause, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import ARRAY, JSON, Enum, LargeBinary, PickleType, TypeDecorator

# types psycopg cannot send as one typed array per column, or that convert values on the way in
_ROW_BY_ROW = (JSON, ARRAY, LargeBinary, PickleType, Enum, TypeDecorator)


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
            await insert_many(conn, table, rows)
        self.rows.clear()


async def insert_many(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Inserts rows in one statement, each column sent as one array and unnested: the server runs one insert, not
    one per row. Rows of differing columns, or columns no array can carry, go as an executemany instead."""
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    if len(rows) == 1 or any(set(r) != set(names) for r in rows) or any(isinstance(c.type, _ROW_BY_ROW) for c in columns):
        await conn.execute(insert(table), rows)
        return
    await conn.execute(_statement(conn, table, tuple(names)), {f"c{i}": [r[n] for r in rows] for i, n in enumerate(names)})


_STATEMENTS: dict[tuple[Table, tuple[str, ...], str], TextClause] = {}


def _statement(conn: AsyncConnection, table: Table, names: tuple[str, ...]) -> TextClause:
    """The unnesting insert of these columns, built once per table and columns (SQLAlchemy then caches it compiled)."""
    key = (table, names, conn.dialect.name)
    if key not in _STATEMENTS:
        arrays = ", ".join(f"CAST(:c{i} AS {table.c[n].type.compile(dialect=conn.dialect)}[])" for i, n in enumerate(names))
        quoted = ", ".join(f'"{n}"' for n in names)
        target = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        _STATEMENTS[key] = text(f"INSERT INTO {target} ({quoted}) SELECT * FROM unnest({arrays})")
    return _STATEMENTS[key]
