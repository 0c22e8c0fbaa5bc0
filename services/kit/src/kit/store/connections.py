"""The writer's connections: in autocommit, checked for loss, and given up after a failed group."""

from __future__ import annotations

import contextlib

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


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
