"""A single-active holder whose lock session the server ended (a failover, a terminated backend) learns it without using
its connection, while a holder busy on a live one is left alone (real PostgreSQL)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from kit.db import driver, make_engine
from kit.locks import WATCH_EVERY, LostLock, holding, lock_key

KEY = lock_key("test", "lost-sessions")


def terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def test_a_holder_waiting_on_something_else_learns_that_its_lock_session_ended(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(LostLock):
        async with holding(engine, KEY) as conn:
            assert conn is not None
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await conn.commit()
            terminate(database_url, pid)
            # as a projector between fetches: nothing here touches the connection, so only a watch can tell
            await asyncio.wait_for(asyncio.Event().wait(), 20 * WATCH_EVERY)
    async with holding(engine, KEY) as again:
        assert again is not None, "the lock is free for the next holder"
    await engine.dispose()


async def test_a_holder_busy_on_a_live_connection_is_left_alone(database_url: str) -> None:
    engine = make_engine(database_url)
    async with holding(engine, KEY) as conn:
        assert conn is not None
        raw = await driver(conn)
        async with raw.pipeline():
            await raw.execute("SELECT 1")
            # its answer waits unread in the socket longer than the watch waits between looks: readable, yet alive
            await asyncio.sleep(3 * WATCH_EVERY)
        await raw.rollback()
    await engine.dispose()


async def test_a_holder_cancelled_by_its_owner_is_cancelled_not_told_it_lost_the_lock(database_url: str) -> None:
    engine = make_engine(database_url)
    held = asyncio.Event()

    async def hold() -> None:
        async with holding(engine, KEY) as conn:
            assert conn is not None
            held.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(hold())
    await asyncio.wait_for(held.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await engine.dispose()
