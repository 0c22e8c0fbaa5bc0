"""Rows a projection inserts, written one statement per table: batching is where speed comes from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum as PyEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import ARRAY, JSON, Enum, PickleType, TypeDecorator

from ..db import run_raw

# types that JSON cannot carry as they are, or that convert values on the way in
_ROW_BY_ROW = (JSON, ARRAY, PickleType, Enum, TypeDecorator)


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


@dataclass(eq=False)
class Rows:
    """An append's `also` that only inserts rows (a new person's key, say): the event store writes a whole group's
    in one statement per table, in the append's pipeline."""

    table: Table
    rows: Sequence[dict[str, Any]]

    async def __call__(self, conn: AsyncConnection) -> None:
        await insert_many(conn, self.table, list(self.rows))


async def insert_rows(conn: AsyncConnection, alsos: Sequence[Rows]) -> None:
    """Inserts the rows of a group's `Rows`, one statement per table."""
    rows: dict[Table, list[dict[str, Any]]] = {}
    for also in alsos:
        rows.setdefault(also.table, []).extend(also.rows)
    for table, some in rows.items():
        await insert_many(conn, table, some)


async def insert_many(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Inserts rows in one statement per set of columns given, whose one parameter is the rows as JSON, which the
    server turns into the table's own row type: the client dumps one string (in C) and skips SQLAlchemy's compile
    and execute, and the statement goes in the event store's pipeline as it is. Columns JSON cannot carry go through
    SQLAlchemy instead."""
    alike: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        alike.setdefault(tuple(row), []).append(row)
    for names, some in alike.items():
        if any(isinstance(table.c[n].type, _ROW_BY_ROW) for n in names):
            await conn.execute(insert(table), some)
        else:
            await run_raw(conn, _statement(table, names), (to_json(some),))


_STATEMENTS: dict[tuple[Table, tuple[str, ...]], str] = {}


def _statement(table: Table, names: tuple[str, ...]) -> str:
    """The insert of these columns from a JSON array of rows, built once per table and columns."""
    key = (table, names)
    if key not in _STATEMENTS:
        target = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        quoted = ", ".join(f'"{n}"' for n in names)
        rows = f"jsonb_populate_recordset(NULL::{target}, %s::jsonb)"
        _STATEMENTS[key] = f"INSERT INTO {target} ({quoted}) SELECT {quoted} FROM {rows}"
    return _STATEMENTS[key]


def _plain(value: Any) -> Any:
    """A value JSON has no type for, in the text form PostgreSQL reads for the column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, PyEnum):
        return value.value
    if isinstance(value, bytes):
        return "\\x" + value.hex()  # bytea's text form
    raise TypeError(f"{type(value).__name__} cannot be inserted as JSON")


to_json = json.JSONEncoder(default=_plain, separators=(",", ":"), ensure_ascii=False).encode
"""Rows (or any value) as compact JSON text, dates and decimals as PostgreSQL reads them; the encoder is made once,
where `json.dumps` would make one a call."""
