"""Postgres engines from a libpq URI (a Unix-socket host included); built on demand, never at import."""

from __future__ import annotations

import asyncio
import select
import time
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import pq
from psycopg.conninfo import make_conninfo
from psycopg.rows import namedtuple_row
from sqlalchemy import ARRAY, Text, any_, bindparam, event
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """`postgresql://u:p@/db?host=/run/pg` -> `postgresql+psycopg://u:p@/db?host=/run/pg`. Several servers (a primary
    and its standbys, with `target_session_attrs=read-write`) are taken in either of libpq's forms: comma lists in the
    query (`?host=/a,/b&port=5432,5433`), as SQLAlchemy reads them, or in the authority (`u@h1:5432,h2:5432/db`),
    which SQLAlchemy cannot parse and is therefore moved into the query."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgres", "postgresql"):
        raise ValueError("DATABASE_URL must be a postgresql:// URI")
    return f"postgresql+psycopg://{_hosts_to_query(rest)}"


def _hosts_to_query(rest: str) -> str:
    """`u@h1:1,h2:2/db?x=y` -> `u@/db?host=h1,h2&port=1,2&x=y`; an authority naming one host is left as it is."""
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    user, at, hosts = authority.rpartition("@")
    if "," not in hosts:
        return rest
    path, _, query = tail.partition("?")
    if any(key in ("host", "port") for key, _, _ in (p.partition("=") for p in query.split("&"))):
        raise ValueError("DATABASE_URL names its hosts twice: in the authority and in the query")
    names, ports = zip(*(_host_and_port(h) for h in hosts.split(",")), strict=True)
    listed = f"host={','.join(names)}" + (f"&port={','.join(ports)}" if any(ports) else "")
    return f"{user}{at}{path or '/'}?{listed}" + (f"&{query}" if query else "")


def _host_and_port(entry: str) -> tuple[str, str]:
    """`h:5432` -> (`h`, `5432`); `[::1]:5432` -> (`::1`, `5432`); no port -> (`h`, ``), libpq's default port."""
    if entry.startswith("["):
        host, _, after = entry[1:].partition("]")
        return host, after.removeprefix(":")
    host, _, port = entry.partition(":")
    return host, port


def make_engine(url: str, *, pool_size: int = 20, rested: float = 1.0) -> AsyncEngine:
    """An async engine over psycopg 3. A connection that rested in the pool is checked before use, so a restarted
    server is survived; one in steady use is not, which saves a BEGIN and a SELECT 1 round trip per checkout, unless
    the server hung up on it meanwhile (`hung_up`: a failover), which costs no round trip to see."""
    engine = create_async_engine(sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1800)
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _rests(_dbapi: Any, record: Any) -> None:
        record.info["rests_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_rested(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("rests_since")
        if since is None or (time.monotonic() - since < rested and not hung_up(dbapi.driver_connection)):
            return
        try:
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi.rollback()
        except Exception as e:
            # the server went away (a restart, a failover): every connection made before now is replaced at its next
            # checkout, as SQLAlchemy does when a statement meets a disconnect, rather than each failing a request
            gone = DisconnectionError()
            gone.invalidate_pool = True
            raise gone from e

    return engine


def hung_up(conn: psycopg.AsyncConnection[Any]) -> bool:
    """Whether the server ended an idle connection's session: it has something to read, which an idle session only has
    when the server said something unasked, and reading it finds the end (a killed primary, a terminated backend),
    not a notice or a setting's new value (a promoted standby tells its sessions). One system call and no round trip
    while nothing came, so even a connection in steady use is checked before each use."""
    try:
        fd = conn.pgconn.socket
    except psycopg.OperationalError:
        return True  # no socket at all: closed
    poll = select.poll()  # not select(), which fails on a descriptor above 1023, as a busy process has
    poll.register(fd, select.POLLIN)
    for _ in range(3):  # a session's last words (FATAL), then its end: each read takes what came, the end fails one
        if not poll.poll(0):
            return False
        try:
            conn.pgconn.consume_input()  # into libpq's buffer, read with the next statement's results
        except psycopg.OperationalError:
            return True
        if conn.pgconn.status == pq.ConnStatus.BAD:
            return True
    return False


def any_of(name: str) -> Any:
    """`= ANY(:name)`, the values bound as one text array: a statement built once serves any number of ids, where
    one built per call (`IN` with its values) costs more CPU to construct than to run."""
    return any_(bindparam(name, type_=ARRAY(Text)))


class Direct:
    """A few autocommit psycopg connections for the store's short reads: one round trip a query, where the
    engine adds a ping, a BEGIN and a ROLLBACK to each checkout. Closed with the engine it was made from."""

    def __init__(self, engine: AsyncEngine, size: int = 8) -> None:
        self.url = conninfo(engine)
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


def conninfo(engine: AsyncEngine) -> str:
    """The libpq connection string the engine's connections are made with: the same servers (a multi-host list too,
    which an engine's URL rendered again would name as repeated `host=` that libpq reads as the last one only)."""
    _, options = engine.dialect.create_connect_args(engine.url)
    # the dialect also hands psycopg its adapters (`context`), which are no libpq parameter
    return make_conninfo("", **{k: v for k, v in options.items() if isinstance(v, str | int)})


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
