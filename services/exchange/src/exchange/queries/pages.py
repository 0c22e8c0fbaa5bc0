"""Lists a page at a time, in SQL (keyset): ordered by a date and then the row's id, so rows sharing a date (one
cascade reaches many orgs in one instant) keep one order; a page starts after the (date, id) of the page before's last
row, read from the list itself, so it never skips or repeats a row and reads only the rows it shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.errors import invalid


def ordered(stmt: Select[Any], by: Any, key: Any, newest_first: bool, limit: int) -> Select[Any]:
    """The list in its order, ties on the date settled by the id, at most `limit` rows."""
    order = (by.desc(), key.desc()) if newest_first else (by.asc(), key.asc())
    return stmt.order_by(*order).limit(limit)


def after(by: Any, key: Any, place: tuple[Any, Any], newest_first: bool) -> ColumnElement[bool]:
    """The rows that come after `place` (the cursor row's date and id) in the list's order."""
    row, anchor = tuple_(by, key), tuple_(*place)
    return row < anchor if newest_first else row > anchor


async def place(conn: AsyncConnection, stmt: Select[Any], what: str) -> tuple[Any, Any]:
    """The cursor row's (date, id), `stmt` selecting them from the list; refused naming `cursor` when the list holds no
    such row (a cursor of another org's list, of another material, or made up)."""
    row = (await conn.execute(stmt.limit(1))).first()
    if row is None:
        raise invalid("cursor", f"the cursor names no row of {what}", rule="in_list")
    return row[0], row[1]
