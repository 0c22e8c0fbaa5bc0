"""The read cache against a real PostgreSQL: an answer is kept exactly while the read models stand still."""

from __future__ import annotations

import asyncio

import pytest
from kit_helpers import headcount
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit.backlog import Backlog
from kit.projection import Projection
from kit.readcache import ReadCache
from kit.store import EventStore
from kit.store.reading import Streams
from profset_testing.counting import LEDGER


class Counting:
    """A computation that counts its runs and answers with the count."""

    def __init__(self, pause: float = 0.0) -> None:
        self.runs, self.pause = 0, pause

    async def __call__(self, _conn: AsyncConnection) -> int:
        self.runs += 1
        await asyncio.sleep(self.pause)
        return self.runs


async def test_an_answer_is_kept_until_the_ledger_moves(engine: AsyncEngine, store: EventStore) -> None:
    cache, compute = ReadCache(Streams(engine, LEDGER), "test"), Counting()
    assert [await cache.get("q", compute) for _ in range(3)] == [1, 1, 1]
    await store.append("s", [headcount("a", 1)], expected_version=0)
    assert await cache.get("q", compute) == 2
    assert await cache.get("other", compute) == 3  # each question is its own


async def test_a_projector_batch_or_a_retried_event_changes_the_state(engine: AsyncEngine) -> None:
    cache, compute, backlog = ReadCache(Streams(engine, LEDGER), "test"), Counting(), Backlog(LEDGER, "c", "registry")
    assert await cache.get("q", compute) == 1
    async with engine.begin() as conn:
        await backlog.advance(conn, 5)
    assert await cache.get("q", compute) == 2
    async with engine.begin() as conn:  # a batch that applied only a retry still stamps its checkpoint row
        await backlog.advance(conn, 5)
    assert await cache.get("q", compute) == 3
    async with engine.begin() as conn:
        await backlog.keep(conn, 3, "agg", "failing", 1, "boom", {}, b"")
    assert await cache.get("q", compute) == 4
    async with engine.begin() as conn:  # an operator's replay applies it and forgets it, moving no checkpoint
        await backlog.forget(conn, 3)
    assert await cache.get("q", compute) == 5


async def test_an_answer_written_by_one_consumer_is_kept_while_only_others_move(engine: AsyncEngine, store: EventStore) -> None:
    projection = Projection("mirror", "registry", lambda conn, d: None)
    cache, compute = ReadCache(Streams(engine, LEDGER), "test", written_by=projection), Counting()
    mirror = Backlog(LEDGER, projection.consumer(str(LEDGER.metadata.schema)), "registry")
    other = Backlog(LEDGER, "other", "registry")
    assert await cache.get("q", compute) == 1
    await store.append("s", [headcount("a", 1)], expected_version=0)
    async with engine.begin() as conn:
        await other.advance(conn, 5)
        await other.keep(conn, 3, "agg", "failing", 1, "boom", {}, b"")
    assert await cache.get("q", compute) == 1, "the service's own appends and another consumer leave it kept"
    async with engine.begin() as conn:
        await mirror.advance(conn, 5)
    assert await cache.get("q", compute) == 2
    async with engine.begin() as conn:
        await mirror.keep(conn, 4, "agg", "failing", 1, "boom", {}, b"")
    assert await cache.get("q", compute) == 3
    async with engine.begin() as conn:
        await mirror.forget(conn, 4)
    assert await cache.get("q", compute) == 4


async def test_concurrent_askers_share_one_computation(engine: AsyncEngine) -> None:
    cache, compute = ReadCache(Streams(engine, LEDGER), "test"), Counting(pause=0.2)
    answers = await asyncio.gather(*(cache.get("q", compute) for _ in range(5)))
    assert answers == [1] * 5 and compute.runs == 1


async def test_a_failed_computation_is_not_kept_and_its_waiters_compute_for_themselves(engine: AsyncEngine) -> None:
    cache, compute = ReadCache(Streams(engine, LEDGER), "test"), Counting()

    async def failing(_conn: AsyncConnection) -> int:
        await asyncio.sleep(0.2)
        raise RuntimeError("the database went away")

    first = asyncio.create_task(cache.get("q", failing))
    await asyncio.sleep(0.05)
    waiter = asyncio.create_task(cache.get("q", compute))
    with pytest.raises(RuntimeError):
        await first
    assert await waiter == 1
    assert await cache.get("q", compute) == 1


async def test_the_cache_keeps_at_most_its_size(engine: AsyncEngine) -> None:
    cache, compute = ReadCache(Streams(engine, LEDGER), "test", size=2), Counting()
    for question in ("a", "b", "c"):
        await cache.get(question, compute)
    assert await cache.get("b", compute) == 2  # kept
    assert await cache.get("a", compute) == 4  # the oldest was let go


async def test_a_heavy_answer_lets_lighter_ones_go(engine: AsyncEngine) -> None:
    cache, compute = ReadCache(Streams(engine, LEDGER), "test", size=4), Counting()
    for question in ("a", "b", "c"):
        await cache.get(question, compute)
    assert await cache.get("tree", compute, weight=3) == 4
    assert await cache.get("c", compute) == 3  # the newest light one still fits beside the tree
    assert await cache.get("a", compute) == 5  # the older ones were let go to make room
    assert await cache.get("tree", compute, weight=3) == 6  # and now the tree, the least recently asked
