"""A fetched batch is applied whole, in one transaction without savepoints; a poison message sends it down the
message-by-message path, where only that one is held back; a batch delivered again is not applied twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kit_helpers import headcount
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.registry import HeadcountReported
from kit.projection import Delivered, Projection
from kit.projector import Projector
from kit.relay import Relay
from kit.store import EventStore
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER, count, times_seen

APPENDS = [("a", 666), ("b", 1), ("a", 2), ("b", 2), ("c", 1), ("c", 2)]


class Fragile:
    """The counting read model, failing on 666 members; remembers every attempt to apply."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        members = d.event.members  # type: ignore[attr-defined]
        self.attempts.append((d.aggregate_id, members))
        if members == 666:
            raise ValueError("cannot apply this one")
        await count(conn, d.event_id, d.org_id or "", d.position)


async def published(engine: AsyncEngine, nc: Any, appends: list[tuple[str, int]]) -> None:
    """Appends one event per (aggregate, members) and waits until the relay has put them all on the stream."""
    store = EventStore(engine, LEDGER, "registry")
    relay = Relay(engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    versions: dict[str, int] = {}
    async with running(relay):
        for aggregate, members in appends:
            version = versions.get(aggregate, 0)
            await store.append(aggregate, [headcount(aggregate, members)], expected_version=version)
            versions[aggregate] = version + 1
        await eventually(lambda: _on_stream(nc, len(appends)))


@asynccontextmanager
async def bound(projector: Projector) -> AsyncIterator[tuple[AsyncConnection, Any]]:
    """The projector's connection and a fresh pull subscription from its checkpoint, as `run` makes them."""
    async with projector.engine.connect() as conn:
        yield conn, await projector._subscribe(conn, asyncio.Event())


async def fetch(sub: Any, n: int) -> list[Any]:
    msgs: list[Any] = []
    while len(msgs) < n:
        msgs += await sub.fetch(n - len(msgs), timeout=5)
    return msgs


def savepoints(engine: AsyncEngine) -> list[str]:
    """The names of the savepoints the engine begins from now on."""
    names: list[str] = []
    event.listen(engine.sync_engine, "savepoint", lambda _conn, name: names.append(name))
    return names


async def test_a_clean_batch_is_applied_whole_without_savepoints(engine, nc) -> None:  # type: ignore[no-untyped-def]
    await published(engine, nc, [("b", 1), ("b", 2), ("c", 1), ("c", 2)])
    model = Fragile()
    projector = Projector(engine, LEDGER, "kit", Projection("counting", "registry", model.apply), nc)
    taken = savepoints(engine)
    async with bound(projector) as (conn, sub):
        msgs = await fetch(sub, 4)
        outcome = await projector.applier.apply(conn, msgs)
        await projector.applier.settle(outcome)
    assert len(outcome.acks) == 4 and outcome.counts == {"applied": 4}
    assert taken == [], "no savepoint for a batch that goes through"
    assert set((await times_seen(engine)).values()) == {1} and len(await times_seen(engine)) == 4
    assert await _checkpoint(engine, projector) == 4


async def test_a_poison_message_sends_the_batch_message_by_message_and_only_it_is_buried(engine, nc) -> None:  # type: ignore[no-untyped-def]
    await published(engine, nc, APPENDS)
    model = Fragile()
    projector = Projector(engine, LEDGER, "kit", Projection("counting", "registry", model.apply), nc, max_deliver=1)
    taken = savepoints(engine)
    async with bound(projector) as (conn, sub):
        msgs = await fetch(sub, len(APPENDS))
        outcome = await projector.applier.apply(conn, msgs)
        await projector.applier.settle(outcome)
    assert [m.headers["ce-sequence"] for m, _ in outcome.dead] == ["1"], "the poison message alone is buried"
    assert len(outcome.acks) == 5 and not outcome.naks
    assert outcome.counts == {"failed": 1, "applied": 4, "parked": 1}, "a2 waits behind a666; b and c go through"
    assert model.attempts[0] == ("a", 666), "the whole pass stopped at the poison message"
    assert len(taken) == 5, "then a savepoint for each message applied"
    assert model.attempts[1:] == [("a", 666), ("b", 1), ("b", 2), ("c", 1), ("c", 2)], "then one by one, a2 parked"
    seen = await times_seen(engine)
    assert len(seen) == 4 and set(seen.values()) == {1}, "the others applied exactly once"
    assert await _pending(engine, projector) == [(1, "a", "dead"), (3, "a", "parked")]
    async with engine.begin() as conn:  # as the projector reads them: in one round trip with the checkpoint
        checkpoint, rows = await projector.backlog.state(conn)
    assert checkpoint == 6 and sorted((r.position, r.aggregate_id, r.status) for r in rows) == await _pending(engine, projector)
    headers, _ = (await stream_messages(nc.jetstream(), "DEADLETTER"))[0]
    assert headers["ce-sequence"] == "1" and "cannot apply" in headers["ps-error"]
    assert await _checkpoint(engine, projector) == 6


async def test_a_batch_delivered_again_is_not_applied_twice(engine, nc) -> None:  # type: ignore[no-untyped-def]
    await published(engine, nc, APPENDS[1:])
    model = Fragile()
    projector = Projector(engine, LEDGER, "kit", Projection("counting", "registry", model.apply), nc)
    async with bound(projector) as (conn, sub):
        first = await fetch(sub, 3)
        await projector.applier.apply(conn, first)  # applied and committed, but never acked: as if the process died here
    async with bound(projector) as (conn, sub):
        again = await fetch(sub, 2)  # the consumer is made afresh from the checkpoint: only what is new
        assert [m.headers["ce-sequence"] for m in again] == ["4", "5"]
        repeated = await projector.applier.apply(conn, first + again)  # and should the old ones come too, they are duplicates
        assert repeated.counts == {"duplicate": 3, "applied": 2} and len(repeated.acks) == 5
        assert (await projector.applier.apply(conn, first + again)).counts == {"duplicate": 5}
    seen = await times_seen(engine)
    assert len(seen) == 5 and set(seen.values()) == {1}
    assert len(model.attempts) == 5


async def _on_stream(nc: Any, n: int) -> bool:
    return len(await stream_messages(nc.jetstream())) >= n


async def _checkpoint(engine: AsyncEngine, projector: Projector) -> int:
    async with engine.begin() as conn:
        return await projector.backlog.checkpoint(conn)


async def _pending(engine: AsyncEngine, projector: Projector) -> list[tuple[int, str, str]]:
    p = LEDGER.pending.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(p.position, p.aggregate_id, p.status).where(p.consumer == projector.consumer))
        return sorted((r.position, r.aggregate_id, r.status) for r in rows)


class Piped:
    """The counting read model as one that only writes: a statement whose result is never read, failing at the
    server (a division by zero) on 666 members; remembers whether each apply ran in a pipeline."""

    def __init__(self) -> None:
        self.in_pipeline: list[bool] = []

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        raw = (await conn.get_raw_connection()).driver_connection
        self.in_pipeline.append(raw._pipeline is not None)  # type: ignore[union-attr]
        await conn.execute(text("SELECT 1 / (CAST(:m AS int) - 666)"), {"m": d.event.members})  # type: ignore[attr-defined]
        await count(conn, d.event_id, d.org_id or "", d.position)


def piped(model: Piped, engine: AsyncEngine, nc: Any, **kw: Any) -> Projector:
    projection = Projection("counting", "registry", model.apply, (HeadcountReported,), reads=False)
    return Projector(engine, LEDGER, "kit", projection, nc, **kw)


async def test_a_batch_of_events_that_only_write_goes_in_one_pipeline(engine, nc) -> None:  # type: ignore[no-untyped-def]
    await published(engine, nc, [("b", i) for i in range(1, 13)])
    model = Piped()
    projector = piped(model, engine, nc)
    async with bound(projector) as (conn, sub):
        for _ in range(3):  # enough batches for psycopg to prepare the statements it sees often
            outcome = await projector.applier.apply(conn, await fetch(sub, 4))
            await projector.applier.settle(outcome)
            assert outcome.counts == {"applied": 4}
    assert model.in_pipeline == [True] * 12
    assert set((await times_seen(engine)).values()) == {1} and len(await times_seen(engine)) == 12
    assert await _checkpoint(engine, projector) == 12


async def test_a_pipelined_batch_failing_at_the_server_goes_one_by_one_and_the_connection_serves_on(engine, nc) -> None:  # type: ignore[no-untyped-def]
    await published(
        engine, nc, [("b", 1), ("b", 2), ("b", 3), ("b", 4), ("c", 1), ("a", 666), ("c", 2), *(("d", i) for i in range(1, 5))]
    )
    model = Piped()
    projector = piped(model, engine, nc, max_deliver=1)
    async with bound(projector) as (conn, sub):
        await projector.applier.settle(await projector.applier.apply(conn, await fetch(sub, 4)))
        # each statement was seen four times: psycopg prepares it at the sixth, a666's, in the pipeline that fails,
        # and the count after it never reaches the server, though psycopg may think it prepared
        failing = await projector.applier.apply(conn, await fetch(sub, 3))
        await projector.applier.settle(failing)
        after = await projector.applier.apply(conn, await fetch(sub, 4))
        await projector.applier.settle(after)
    assert failing.counts == {"failed": 1, "applied": 2}, "only the failing message is held back"
    assert [m.headers["ce-sequence"] for m, _ in failing.dead] == ["6"]
    assert model.in_pipeline[-7:-4] == [False] * 3, "the pipelined pass failed; then one by one"
    assert after.counts == {"applied": 4} and model.in_pipeline[-4:] == [True] * 4, "the connection serves on, pipelined"
    assert all(model.in_pipeline[:-7])
    seen = await times_seen(engine)
    assert len(seen) == 10 and set(seen.values()) == {1}
    assert await _checkpoint(engine, projector) == 11
