"""Engines and the store's direct reads survive connections the server dropped while they rested in a pool, and reach
whichever of several servers (a primary and its standby) takes writes."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text

from kit.db import Direct, conninfo, make_engine, sqlalchemy_url
from profset_testing import eventually


def terminate_others(url: str) -> None:
    """Drops every other connection to the test's database, as a server restart would."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


async def test_a_rested_connection_the_server_dropped_is_replaced_before_use(database_url: str) -> None:
    engine = make_engine(database_url, rested=0.0)
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    terminate_others(database_url)
    async with engine.connect() as conn:
        after = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    assert after != before
    await engine.dispose()


async def test_direct_reads_replace_a_dropped_connection_once(database_url: str) -> None:
    engine = make_engine(database_url)
    direct = Direct(engine)
    first = await direct.fetch("SELECT pg_backend_pid()", ())
    terminate_others(database_url)
    again = await direct.fetch("SELECT pg_backend_pid()", ())
    assert again != first
    await engine.dispose()


async def test_direct_reads_beyond_its_size_wait_for_a_connection_rather_than_open_more(database_url: str) -> None:
    engine = make_engine(database_url)
    direct = Direct(engine, size=2)
    reads = [direct.fetch("SELECT pg_backend_pid() FROM pg_sleep(0.05)", ()) for _ in range(8)]
    backends = {rows[0][0] for rows in await asyncio.gather(*reads)}
    assert len(backends) == 2, f"eight reads at once opened {len(backends)} connections"
    await engine.dispose()


async def test_a_connection_the_server_hung_up_on_is_replaced_though_it_barely_rested(database_url: str) -> None:
    engine = make_engine(database_url, rested=3600.0)  # no connection rests long enough to be pinged for it
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    terminate_others(database_url)
    await eventually(lambda: _gone(database_url, before))
    async with engine.connect() as conn:  # the server said it terminates the session: no request meets a dead one
        after = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    assert after != before
    await engine.dispose()


async def _gone(url: str, pid: int) -> bool:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await (await conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))).fetchone() is None


MULTI = {"host": "/run/a,/run/b", "port": "5432,5433", "target_session_attrs": "read-write", "user": "u", "dbname": "db"}
"""Two servers as psycopg (libpq) takes them: comma lists of hosts and ports, the writable one chosen."""


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@/db?host=/run/a,/run/b&port=5432,5433&target_session_attrs=read-write",  # libpq's lists
        "postgresql://u@/db?host=/run/a:5432&host=/run/b:5433&target_session_attrs=read-write",  # SQLAlchemy's form
        "postgresql://u@%2Frun%2Fa:5432,%2Frun%2Fb:5433/db?target_session_attrs=read-write",  # libpq's authority form
    ],
)
async def test_every_form_of_a_multi_host_uri_reaches_psycopg_with_every_host(url: str) -> None:
    engine = make_engine(url)
    found = conninfo_to_dict(conninfo(engine))
    await engine.dispose()
    assert found == MULTI


def test_hosts_in_the_authority_move_to_the_query_where_sqlalchemy_reads_them() -> None:
    assert sqlalchemy_url("postgresql://app:pw@pg-1:5432,pg-2:5433/profset?target_session_attrs=read-write") == (
        "postgresql+psycopg://app:pw@/profset?host=pg-1,pg-2&port=5432,5433&target_session_attrs=read-write"
    )
    assert (
        sqlalchemy_url("postgresql://app@[::1]:5432,pg-2/profset") == "postgresql+psycopg://app@/profset?host=::1,pg-2&port=5432,"
    )
    assert sqlalchemy_url("postgresql://app@pg-1,pg-2") == "postgresql+psycopg://app@/?host=pg-1,pg-2"
    assert sqlalchemy_url("postgresql://app@pg-rw:5432/profset") == "postgresql+psycopg://app@pg-rw:5432/profset"
    with pytest.raises(ValueError, match="twice"):
        sqlalchemy_url("postgresql://app@pg-1,pg-2/profset?host=/run/a")


async def test_engines_and_direct_reads_pass_a_dead_first_server_for_the_writable_one(database_url: str, tmp_path: Any) -> None:
    base, _, query = database_url.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    dead = tmp_path / "dead"  # a folder where no server listens, as a killed primary's socket
    dead.mkdir()
    url = f"{base}?host={dead}:{params['port']}&host={params['host']}:{params['port']}&target_session_attrs=read-write"
    engine = make_engine(url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    assert await Direct(engine).fetch("SELECT 2", ()) == [(2,)]
    await engine.dispose()
