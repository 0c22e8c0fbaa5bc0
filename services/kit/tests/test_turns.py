"""Turns (kit.locks.turn): a hot stream's writers, in one process or several, read -> decide -> write one at a time, so
none loses a race; a turn is handed on within a process, and let go only once the writes it owes have ended."""

from __future__ import annotations

import asyncio
import threading

import psycopg
from kit_helpers import headcount
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.db import make_engine
from kit.locks import lock_key, turn
from kit.store import EventStore, Fold
from profset_testing import eventually
from profset_testing.counting import LEDGER

TOTAL = Fold(0, lambda total, e: total + e.members)  # type: ignore[attr-defined]
WRITERS = 24
ADVISORY = "SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND database = "
ADVISORY += "(SELECT oid FROM pg_database WHERE datname = current_database())"
"""The advisory locks of the test's database, held or waited for."""


def _waiting_for_advisory_locks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return sum(1 for _, granted in conn.execute(ADVISORY).fetchall() if not granted)


async def test_a_turn_another_process_holds_is_waited_for(engine: AsyncEngine, database_url: str) -> None:
    entered = asyncio.Event()

    async def taker() -> None:
        async with turn(engine, "kit_test", "held-elsewhere"):
            entered.set()

    with psycopg.connect(database_url) as other:  # another process's turn, in its open transaction
        other.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("turn", "kit_test", "held-elsewhere"),))
        taking = asyncio.create_task(taker())
        await eventually(lambda: asyncio.to_thread(_waiting_for_advisory_locks, database_url), timeout=30)
        assert not entered.is_set(), "the taker waits while another process holds the turn"
        other.rollback()
    await taking
    assert entered.is_set()


async def test_writers_in_two_processes_taking_turns_never_lose_a_race(engine: AsyncEngine, database_url: str) -> None:
    async def writers() -> list[int]:
        own = make_engine(database_url)  # a process of its own: its own event loop, engine and store
        store = EventStore(own, LEDGER, "registry")

        async def add_one() -> int:
            async with turn(own, "kit_test", "race"):
                total, version = await store.load("race", TOTAL)
                await store.append("race", [headcount("a", 1)], expected_version=version)  # no retry: it must land
                return total

        try:
            return list(await asyncio.gather(*(add_one() for _ in range(WRITERS))))
        finally:
            await own.dispose()

    seen: list[list[int]] = []
    threads = [threading.Thread(target=lambda: seen.append(asyncio.run(writers()))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        await asyncio.to_thread(t.join)
    assert len(seen) == 2, "both processes' writers all landed"
    assert sorted(seen[0] + seen[1]) == list(range(2 * WRITERS)), "each decided on the state the one before it left"
    assert await EventStore(engine, LEDGER, "registry").load("race", TOTAL) == (2 * WRITERS, 2 * WRITERS)


async def test_a_turn_is_handed_on_within_a_process_and_let_go_only_once_its_owed_write_ended(
    engine: AsyncEngine, database_url: str
) -> None:
    store = EventStore(engine, LEDGER, "registry")
    handed: list[bool] = []

    async def second() -> None:
        async with turn(engine, "kit_test", "owed") as held:
            handed.append(held.handed)
            written = asyncio.ensure_future(store.append("owed", [headcount("a", 1)], expected_version=0))
            held.owes(written)  # left with its append under way: the turn waits for it before it is let go

    async with turn(engine, "kit_test", "owed") as held:
        handed.append(held.handed)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0)  # the second taker queues behind this one
    await waiting

    def another_process_reads() -> int:
        with psycopg.connect(database_url) as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("turn", "kit_test", "owed"),))
            row = other.execute("SELECT count(*) FROM kit_test.events WHERE stream_id = 'owed'").fetchone()
            return int(row[0]) if row else 0

    assert await asyncio.to_thread(another_process_reads) == 1, "once the turn is let go, what it owed is committed"
    async with turn(engine, "kit_test", "owed") as held:
        handed.append(held.handed)
    assert handed == [False, True, False], "taken, handed on to a taker waiting in the process, then taken anew"


async def test_a_turn_whose_holder_is_gone_is_taken_by_the_next(engine: AsyncEngine, database_url: str) -> None:
    stuck = asyncio.Event()

    async def holder_that_hangs() -> None:
        async with turn(engine, "kit_test", "gone"):
            await stuck.wait()  # a process frozen in its turn, until the server ends its session

    hanging = asyncio.create_task(holder_that_hangs())

    def holders() -> list[int]:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return [int(pid) for pid, granted in conn.execute(ADVISORY).fetchall() if granted]

    pids = await eventually(lambda: asyncio.to_thread(holders), timeout=30)
    other = make_engine(database_url)  # another process, whose writers wait for the turn
    taking = asyncio.create_task(_enter(other, "kit_test", "gone"))
    await eventually(lambda: asyncio.to_thread(_waiting_for_advisory_locks, database_url), timeout=30)
    await asyncio.to_thread(_terminate, database_url, pids)
    await taking  # taken once the server ended the holder's session, long before the taker's wait gives up
    stuck.set()
    await hanging  # the holder lets go of a turn it no longer has without a fuss
    await other.dispose()


async def _enter(engine: AsyncEngine, *names: str) -> None:
    async with turn(engine, *names):
        pass


def _terminate(url: str, pids: list[int]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
