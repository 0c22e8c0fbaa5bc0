"""Engines and the store's direct reads survive connections the server dropped while they rested in a pool."""

from __future__ import annotations

import asyncio

import psycopg
from sqlalchemy import text

from kit.db import Direct, make_engine


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
