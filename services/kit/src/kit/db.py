"""Postgres engines from a libpq URI (a Unix-socket host included); built on demand, never at import."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import ARRAY, Text, any_, bindparam, event
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """`postgresql://u:p@/db?host=/run/pg` -> `postgresql+psycopg://u:p@/db?host=/run/pg`."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgres", "postgresql"):
        raise ValueError("DATABASE_URL must be a postgresql:// URI")
    return f"postgresql+psycopg://{rest}"


def make_engine(url: str, *, pool_size: int = 20, rested: float = 1.0) -> AsyncEngine:
    """An async engine over psycopg 3. A connection that rested in the pool is checked before use, so a restarted
    server is survived; one in steady use is not, which saves a BEGIN and a SELECT 1 round trip per checkout."""
    engine = create_async_engine(sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1800)
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _rests(_dbapi: Any, record: Any) -> None:
        record.info["rests_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_rested(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("rests_since")
        if since is None or time.monotonic() - since < rested:
            return
        try:
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi.rollback()
        except Exception as e:
            raise DisconnectionError() from e

    return engine


def any_of(name: str) -> Any:
    """`= ANY(:name)`, the values bound as one text array: a statement built once serves any number of ids, where
    one built per call (`IN` with its values) costs more CPU to construct than to run."""
    return any_(bindparam(name, type_=ARRAY(Text)))


class Direct:
    """A few autocommit psycopg connections for the store's short reads: one round trip a query, where the
    engine adds a ping, a BEGIN and a ROLLBACK to each checkout. Closed with the engine it was made from."""

    def __init__(self, engine: AsyncEngine, size: int = 8) -> None:
        self.url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        # reads beyond `size` at once wait for a connection rather than each open one of their own
        self._slots = asyncio.Semaphore(size)
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: self.close())

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one read; a pooled connection that died since its last use is replaced once, as a ping would."""
        async with self._slots:
            reused = bool(self._idle)
            try:
                try:
                    return await self._fetch(sql, params)
                except psycopg.OperationalError:
                    if not reused:
                        raise
                    self.close()  # the server restarted: every idle connection is gone with it
                return await self._fetch(sql, params)
            except psycopg.Error as e:
                raise wrapped(sql, params, e) from e

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        conn = self._idle.pop() if self._idle else await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        try:
            cur = await conn.execute(sql, params, prepare=True)
            rows = await cur.fetchall()
        except BaseException:
            await conn.close()
            raise
        if len(self._idle) < self.size:
            self._idle.append(conn)
        else:
            await conn.close()
        return rows

    def close(self) -> None:
        """Closes the idle connections (synchronously, so an engine's dispose can call it)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()


async def driver(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under a SQLAlchemy one. An open, valid connection already holds it, so it is read
    without SQLAlchemy's greenlet hop, which the event store would pay twice an append."""
    sync = conn.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        raw = sync.connection.driver_connection
    else:
        raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    return raw  # type: ignore[no-any-return]


class Compiled:
    """A Core statement compiled once to psycopg's SQL and run on the transaction's own psycopg connection: for a
    statement run per event, SQLAlchemy's execution path costs more CPU than the statement itself."""

    def __init__(self, statement: Any) -> None:
        self.sql = str(statement.compile(dialect=psycopg_dialect()))  # type: ignore[no-untyped-call]

    async def run(self, conn: AsyncConnection, params: Mapping[str, Any]) -> None:
        """Runs it with `params`, in the connection's transaction (begun if none is)."""
        await run_raw(conn, self.sql, params)

    async def rows(self, conn: AsyncConnection, params: Mapping[str, Any]) -> list[Any]:
        """Runs a query with `params`, in the connection's transaction (begun if none is); its rows, as named tuples."""
        raw = await _in_transaction(conn)
        try:
            cur = raw.cursor(row_factory=namedtuple_row)
            await cur.execute(self.sql, params)
            return await cur.fetchall()
        except psycopg.Error as e:
            raise wrapped(self.sql, (), e) from e


async def run_raw(conn: AsyncConnection, sql: str, params: Mapping[str, Any] | Sequence[Any]) -> None:
    """Runs a statement on the psycopg connection under `conn`, in its transaction (begun if none is), a failure
    raised as SQLAlchemy's error, as `conn.execute` would. Prepared only once psycopg has seen it a few times (its
    default, as through SQLAlchemy): a statement prepared in a pipeline that then fails may stay in psycopg's cache
    while the server never made it. On a connection in autocommit (the event store's writer) whoever sent BEGIN
    sends COMMIT, so SQLAlchemy's transaction, bookkeeping only there, is skipped."""
    raw = await _in_transaction(conn)
    try:
        await raw.execute(sql, params)
    except psycopg.Error as e:
        raise wrapped(sql, (), e) from e


async def _in_transaction(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under `conn`, its SQLAlchemy transaction begun (unless in autocommit) as SQLAlchemy's
    execute would, so that the caller's commit commits what runs on it."""
    raw = await driver(conn)
    if not raw.autocommit and not conn.in_transaction():
        await conn.begin()
    return raw


def wrapped(sql: str, params: Sequence[Any], error: psycopg.Error) -> StatementError:
    # the callers (the request dispatcher, the sender) know SQLAlchemy's errors, as every other query raises them
    return DBAPIError.instance(sql, params, error, psycopg.Error)
