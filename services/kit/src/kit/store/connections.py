"""The writer's connections: in autocommit, checked for loss, given up after a failed group, and their round trips:
statements sent in one pipeline."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db import driver, wrapped

Statement = tuple[str, Any] | str
"""A statement of a pipeline, with its parameters if it has any."""
Sending = Callable[[], Awaitable[None]] | None
"""What else goes through the connection in a pipeline (the read models' statements), before its statements."""


async def round_trip(
    conn: AsyncConnection,
    statements: Sequence[Statement] | Callable[[], Sequence[Statement]],
    prepared: Callable[[str, Any], bool],
    sending: Sending = None,
    first: Sequence[Statement] = (),
) -> Any:
    """The statements `first`, whatever `sending` sends, then the statements (each prepared if `prepared` says so), in
    one pipeline on the transaction's psycopg connection: one round trip. Statements given as a function are built
    only then, once the others are on their way, so that the server works through those meanwhile. The last
    statement's first row."""
    raw = await driver(conn)
    cur, sql = raw.cursor(), ""  # one cursor for every statement: it keeps the last one's result

    async def execute(some: Sequence[Statement]) -> None:
        nonlocal sql
        for statement in some:
            sql, params = (statement, None) if isinstance(statement, str) else statement
            await cur.execute(sql, params, prepare=prepared(sql, params))

    try:
        async with raw.pipeline():
            await execute(first)
            if sending is not None:
                await sending()
            await execute(statements() if callable(statements) else statements)
        return await cur.fetchone() if cur.description else None
    except psycopg.Error as e:
        raise wrapped(sql, (), e) from e


async def broken(conn: AsyncConnection) -> bool:
    """Whether the connection to the server is lost."""
    try:
        raw = (await conn.get_raw_connection()).driver_connection
    except Exception:  # noqa: BLE001 - SQLAlchemy already let it go
        return True
    return raw is None or bool(raw.broken or raw.closed)


async def connect(engine: AsyncEngine) -> AsyncConnection:
    """A connection for the writer, in autocommit so that psycopg sends no BEGIN of its own: it would wait for
    that BEGIN's answer before anything else, a round trip; the writer sends BEGIN in its first pipeline instead.
    SQLAlchemy puts the connection back out of autocommit when it returns to the pool."""
    conn = await engine.connect()
    try:
        return await conn.execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        await discard(conn, keep=False)
        raise


async def discard(conn: AsyncConnection | None, *, keep: bool) -> AsyncConnection | None:
    """After a failed group: rolls back and keeps the connection if asked and it still works, else drops it."""
    if conn is None:
        return None
    if keep:
        with contextlib.suppress(Exception):
            await roll_back(conn)
            return conn
    with contextlib.suppress(Exception):
        await conn.invalidate()  # a connection that failed mid-group is not handed to anyone else
    with contextlib.suppress(Exception):
        await conn.close()
    return None


async def roll_back(conn: AsyncConnection) -> None:
    """Rolls back SQLAlchemy's transaction and psycopg's own: a pipeline's BEGIN begins one SQLAlchemy never saw."""
    await conn.rollback()
    raw = (await conn.get_raw_connection()).driver_connection
    if raw is not None:
        await raw.rollback()
