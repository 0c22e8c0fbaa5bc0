"""Appends in one round trip: the writer foresees what the checks will find, and the server refuses any foresight
that no longer holds (another writer appended), so every guarantee stands whichever way the group was written; and in
two when it does not."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from kit_helpers import headcount
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit.db import driver, run_raw
from kit.projection import Inline
from kit.store import Batch, Committed, EventStore, Meta, Recorded, VersionConflict
from kit.store.inserts import Rows
from profset_testing.counting import LEDGER, count_inline, seen, times_seen


def round_trips(store: EventStore) -> list[int]:
    """Counts the pipelines the store syncs (each one round trip)."""
    counted = [0]
    raw = store._round_trip

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted[0] += 1
        return await raw(*args, **kwargs)

    store._round_trip = counting  # type: ignore[method-assign]
    return counted


async def test_an_append_after_the_first_takes_one_round_trip(store: EventStore) -> None:
    await store.append("s", [headcount("a", 1)], expected_version=0)
    trips = round_trips(store)
    second = await store.append("s", [headcount("a", 2)], expected_version=1, meta=Meta("c", "f"))
    third = await store.append("s", [headcount("a", 3)], expected_version=None)
    assert trips[0] == 2, "one pipeline per append"
    assert (second.version, third.version) == (2, 3) and third.positions[0] == second.positions[-1] + 1
    assert await store.stored_reply("c") == ("f", second.reply)
    assert [r.version for r in await store.read_stream("s")] == [1, 2, 3]


async def test_without_foresight_an_append_takes_two_round_trips(engine: AsyncEngine) -> None:
    store = EventStore(engine, LEDGER, "registry", inline=[count_inline], foresee=False)
    await store.append("s", [headcount("a", 1)], expected_version=0)
    trips = round_trips(store)
    second = await store.append("s", [headcount("a", 2)], expected_version=1, meta=Meta("c", "f"))
    assert trips[0] == 2 and second.version == 2, "the checks, then the write with its read model and COMMIT"
    assert await store.stored_reply("c") == ("f", second.reply) and len(await times_seen(engine)) == 2


async def test_another_writer_between_two_appends_is_noticed(store: EventStore, engine: AsyncEngine) -> None:
    other = EventStore(engine, LEDGER, "registry", inline=store.inline)
    await store.append("s", [headcount("a", 1)], expected_version=0)
    moved = await other.append("s", [headcount("a", 2)], expected_version=1)
    try:
        await store.append("s", [headcount("a", 3)], expected_version=1)
        raise AssertionError("a stale version was taken")
    except VersionConflict:
        pass
    anywhere = await store.append("s", [headcount("a", 3)], expected_version=None)
    assert anywhere.version == 3 and anywhere.positions[0] > moved.positions[-1]
    recorded = await store.read_stream("s")
    assert [r.version for r in recorded] == [1, 2, 3]
    assert [r.position for r in recorded] == sorted(r.position for r in recorded)
    assert len(await times_seen(engine)) == 3


async def test_a_version_ahead_of_the_stream_is_a_conflict(store: EventStore) -> None:
    await store.append("s", [headcount("a", 1)], expected_version=0)
    try:
        await store.append("s", [headcount("a", 2)], expected_version=5)
        raise AssertionError("a version the stream never reached was taken")
    except VersionConflict:
        pass
    assert len(await store.read_stream("s")) == 1


async def test_a_command_done_by_another_writer_answers_its_reply(store: EventStore, engine: AsyncEngine) -> None:
    other = EventStore(engine, LEDGER, "registry")
    await store.append("s", [headcount("a", 1)], expected_version=0)
    first = await other.append("t", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    await other.append("u", [headcount("a", 1)], expected_version=0)
    store._forecast._position = first.positions[-1] + 1  # as if nobody else had appended: the insert must refuse it
    again = await store.append("v", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    assert again.repeated and again.reply == first.reply
    assert await store.read_stream("v") == []


@pytest.mark.parametrize("through", ["sqlalchemy", "psycopg"])
async def test_a_failing_read_model_in_a_pipelined_group_fails_only_its_append(
    store: EventStore, engine: AsyncEngine, through: str
) -> None:
    async def refuses_org_b(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        if any(r.event.ce_org_id == "b" for r in recorded):
            # the server refuses it, inside the pipeline; run_raw begins no SQLAlchemy transaction to roll back
            await (conn.execute(text("SELECT 1 / 0")) if through == "sqlalchemy" else run_raw(conn, "SELECT 1 / 0", ()))

    store.inline.append(Inline(refuses_org_b, reads=False))
    await store.append("warm", [headcount("a", 1)], expected_version=0)
    results = await asyncio.gather(
        store.append("good", [headcount("a", 1)], expected_version=0, meta=Meta("good", "f")),
        store.append("bad", [headcount("b", 1)], expected_version=0, meta=Meta("bad", "f")),
        store.append("good2", [headcount("a", 1)], expected_version=0),
        return_exceptions=True,
    )
    assert isinstance(results[0], Committed) and isinstance(results[2], Committed)
    assert not isinstance(results[1], Committed)
    lone = await asyncio.gather(store.append("bad", [headcount("b", 2)], expected_version=0), return_exceptions=True)
    assert not isinstance(lone[0], Committed)
    assert await store.read_stream("bad") == [] and await store.stored_reply("bad") is None
    after = await store.append("good", [headcount("a", 2)], expected_version=1)
    assert after.version == 2
    assert len(await times_seen(engine)) == 4


async def test_a_read_model_failing_after_it_wrote_through_psycopg_leaves_none_of_its_rows(
    store: EventStore, engine: AsyncEngine
) -> None:
    async def writes_then_refuses_org_b(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        for r in recorded:  # straight on psycopg, as `insert_many` writes: SQLAlchemy sees no transaction begin
            await run_raw(conn, "INSERT INTO kit_test.seen VALUES (%s, %s, %s, 1)", (r.event_id, r.event.ce_org_id, r.position))
        if any(r.event.ce_org_id == "b" for r in recorded):
            raise RuntimeError("read model refused")

    store.inline = [Inline(writes_then_refuses_org_b, reads=False)]
    await store.append("warm", [headcount("a", 1)], expected_version=0)
    results = await asyncio.gather(
        store.append("good", [headcount("a", 1)], expected_version=0),
        store.append("bad", [headcount("b", 1)], expected_version=0),
        return_exceptions=True,
    )
    assert isinstance(results[0], Committed) and isinstance(results[1], RuntimeError)
    assert await store.read_stream("bad") == []
    kept = {(await store.read_stream(s))[0].event_id for s in ("warm", "good")}
    assert set(await times_seen(engine)) == kept, "the group's first try, rolled back, left rows behind"


async def test_a_connection_lost_before_its_group_committed_fails_it_and_writes_nothing(
    store: EventStore, engine: AsyncEngine
) -> None:
    killed = []

    async def drops_the_connection_once(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        if not killed and any(r.stream_id == "lost" for r in recorded):
            killed.append(True)
            await conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    store.inline.append(Inline(drops_the_connection_once, reads=False))
    await store.append("warm", [headcount("a", 1)], expected_version=0)
    with pytest.raises(OperationalError):
        await store.append("lost", [headcount("a", 1)], expected_version=0, meta=Meta("lost", "f"))
    assert killed and await store.read_stream("lost") == []
    again = await store.append("lost", [headcount("a", 1)], expected_version=0, meta=Meta("lost", "f"))
    assert again.version == 1 and not again.repeated, "written by its repeat, on a new connection"
    assert len(await times_seen(engine)) == 2


async def test_a_kept_connection_that_died_between_groups_fails_the_next_group_only(
    store: EventStore, engine: AsyncEngine
) -> None:
    await store.append("warm", [headcount("a", 1)], expected_version=0)
    assert store._conn is not None, "the writer keeps its connection while appends keep coming"
    pid = (await driver(store._conn)).info.backend_pid
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(OperationalError):  # nothing tells whether a group on a lost connection landed: it fails
        await store.append("s", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    again = await store.append("s", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    assert again.version == 1 and not again.repeated and len(await times_seen(engine)) == 2


async def test_a_connection_lost_after_its_group_committed_fails_it_and_its_repeat_answers_what_was_written(
    store: EventStore, engine: AsyncEngine
) -> None:
    raw, lost = store._round_trip, []

    async def losing_the_answer(conn, statements, sending=None, first=()):  # type: ignore[no-untyped-def]
        row = await raw(conn, statements, sending=sending, first=first)
        if not lost and any(isinstance(s, tuple) and s[0] == store._sql.guard for s in first):
            lost.append(True)
            await (await conn.get_raw_connection()).driver_connection.close()  # the answer never comes
            raise OperationalError("COMMIT", {}, Exception("the server closed the connection"))
        return row

    await store.append("warm", [headcount("a", 1)], expected_version=0)
    store._round_trip = losing_the_answer  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        await store.append("s", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    again = await store.append("s", [headcount("a", 1)], expected_version=0, meta=Meta("once", "f"))
    assert lost and again.repeated and again.reply == (await store.stored_reply("once") or ("", None))[1]
    assert len(await store.read_stream("s")) == 1 and len(await times_seen(engine)) == 2


async def test_a_read_model_that_reads_for_some_events_is_given_its_answers(store: EventStore) -> None:
    counts: list[int] = []

    async def reads_for_some(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        if any(r.event.ce_org_id == "reads" for r in recorded):
            counts.append(int((await conn.execute(text("SELECT count(*) FROM kit_test.seen"))).scalar_one()))

    store.inline.append(Inline(reads_for_some, reads=lambda rs: any(r.event.ce_org_id == "reads" for r in rs)))
    await store.append("s", [headcount("a", 1)], expected_version=0)
    trips = round_trips(store)
    await store.append("s", [headcount("a", 2)], expected_version=1)
    assert trips[0] == 1, "pipelined while it only writes"
    await store.append("s", [headcount("reads", 3)], expected_version=2)
    assert counts == [2] and trips[0] == 3, "run on its own, before the events, when it reads"


async def test_an_also_that_only_writes_goes_in_the_same_round_trip(store: EventStore, engine: AsyncEngine) -> None:
    keeps_a_row = Rows(seen, [{"event_id": "also", "org_id": "o", "position": 0, "times": 1}])

    await store.append("s", [headcount("a", 1)], expected_version=0)
    trips = round_trips(store)
    appended = await store.append_batch([Batch("s", [headcount("a", 2)], 1)], also=keeps_a_row)
    assert trips[0] == 1 and appended.version == 2
    assert (await times_seen(engine))["also"] == 1
    with pytest.raises(VersionConflict):  # nothing of an append that fails stays, its `also` included
        await store.append_batch([Batch("s", [headcount("a", 3)], 1)], also=keeps_a_row)
    assert (await times_seen(engine))["also"] == 1 and len(await store.read_stream("s")) == 2


async def test_a_batch_of_no_events_holds_an_append_to_the_version_of_a_stream_it_was_decided_on(
    store: EventStore, engine: AsyncEngine
) -> None:
    await store.append("tree", [headcount("a", 1)], expected_version=0)
    trips = round_trips(store)
    guarded = await store.append_batch([Batch("tree", [], 1), Batch("p1", [headcount("a", 1)], 0)])
    assert guarded.version == 1 and trips[0] == 1, "foreseen: confirmed by the guard in the one round trip"
    await EventStore(engine, LEDGER, "registry").append("tree", [headcount("a", 2)], expected_version=1)
    with pytest.raises(VersionConflict):  # another writer moved it: the guard refuses, and so do the checks
        await store.append_batch([Batch("tree", [], 1), Batch("p2", [headcount("a", 1)], 0)])
    together = await asyncio.gather(
        store.append("tree", [headcount("a", 3)], expected_version=2),
        store.append_batch([Batch("tree", [], 2), Batch("p3", [headcount("a", 1)], 0)]),
        return_exceptions=True,
    )
    assert isinstance(together[0], Committed) and isinstance(together[1], VersionConflict), "moved by its own group"
    assert await store.read_stream("p2") == [] and await store.read_stream("p3") == []
    assert [r.version for r in await store.read_stream("tree")] == [1, 2, 3]


async def test_the_checks_read_a_streams_last_version_not_its_history(store: EventStore, engine: AsyncEngine) -> None:
    await store.append("long", [headcount("a", i) for i in range(300)], expected_version=0)
    params = {"cids": [], "streams": ["long", "new"], "n": 1}
    async with engine.connect() as conn:
        raw = await driver(conn)
        cur = await raw.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + store._sql.check, params)
        plan = (await cur.fetchone())[0]  # type: ignore[index]

    def events_read(node: dict) -> float:  # type: ignore[type-arg]
        here = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == "events" else 0
        return here + sum(events_read(child) for child in node.get("Plans", []))

    assert events_read(plan[0]["Plan"]) <= 3, "a max() over the stream read every one of its 300 events"
