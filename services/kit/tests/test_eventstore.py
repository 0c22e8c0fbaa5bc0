"""The event store against a real PostgreSQL: atomic, ordered, idempotent appends."""

from __future__ import annotations

import asyncio

import pytest
from kit_helpers import headcount
from sqlalchemy import select

from contracts.envelope import ErrorCode
from kit.errors import Refused
from kit.store import EventStore, Fold, Meta, VersionConflict, retrying
from profset_testing.counting import LEDGER, times_seen

TOTAL = Fold(0, lambda total, e: total + e.members)  # type: ignore[attr-defined]


async def test_appended_events_fold_back_into_state(store: EventStore) -> None:
    await store.append("s", [headcount("a", 1), headcount("a", 2)], expected_version=0)
    await store.append("s", [headcount("a", 4)], expected_version=2)
    assert await store.load("s", TOTAL) == (7, 3)


async def test_a_stale_expected_version_is_refused_and_nothing_is_written(store: EventStore) -> None:
    await store.append("s", [headcount("a", 1)], expected_version=0)
    with pytest.raises(VersionConflict):
        await store.append("s", [headcount("a", 2)], expected_version=0)
    assert await store.load("s", TOTAL) == (1, 1)


async def test_retrying_gives_up_with_a_conflict_refusal(store: EventStore) -> None:
    async def always_stale() -> None:
        await store.append("s", [headcount("a", 1)], expected_version=99)

    with pytest.raises(Refused) as refused:
        await retrying(always_stale, tries=2)
    assert refused.value.code is ErrorCode.CONFLICT


async def test_every_loser_of_a_race_on_one_stream_is_decided_again_until_it_lands(store: EventStore) -> None:
    async def add_one() -> int:
        total, version = await store.load("race", TOTAL)
        await store.append("race", [headcount("a", 1)], expected_version=version)
        return total

    seen = await asyncio.gather(*(retrying(add_one) for _ in range(48)))
    assert await store.load("race", TOTAL) == (48, 48), "each landed once, none refused for losing a race"
    assert sorted(seen) == list(range(48)), "each decided on the state the one before it left"


async def test_a_single_try_is_refused_at_once_when_the_stream_moved(store: EventStore) -> None:
    await store.append("moved", [headcount("a", 1)], expected_version=0)
    calls = 0

    async def stale_if_match() -> None:
        nonlocal calls
        calls += 1
        await store.append("moved", [headcount("a", 1)], expected_version=0)

    with pytest.raises(Refused) as refused:
        await retrying(stale_if_match, tries=1)
    assert refused.value.code is ErrorCode.CONFLICT and calls == 1 and "moved is at version 1, not 0" in str(refused.value)


async def test_a_repeated_command_id_gets_the_original_reply_and_appends_nothing(store: EventStore) -> None:
    meta = Meta(command_id="cmd-1", fingerprint="f")
    first = await store.append("s", [headcount("a", 1)], expected_version=None, meta=meta, data={"id": "x"})
    again = await store.append("s", [headcount("a", 1)], expected_version=None, meta=meta, data={"id": "y"})
    assert again.repeated and again.reply == first.reply == {"ok": True, "data": {"id": "x"}, "positions": {"registry": 1}}
    assert await store.load("s", TOTAL) == (1, 1)


async def test_concurrent_repeats_of_one_command_append_once(store: EventStore) -> None:
    meta = Meta(command_id="cmd-2", fingerprint="f")
    replies = await asyncio.gather(
        *(store.append(f"s{i}", [headcount("a", 1)], expected_version=None, meta=meta, data={"n": i}) for i in range(8))
    )
    assert len({str(r.reply) for r in replies}) == 1
    assert sum(not r.repeated for r in replies) == 1
    assert len(await times_seen(store.engine)) == 1


async def test_a_reused_key_with_another_request_is_a_conflict(store: EventStore) -> None:
    await store.append("s", [headcount("a", 1)], expected_version=None, meta=Meta(command_id="k", fingerprint="one"))
    with pytest.raises(Refused) as refused:
        await store.append("s", [headcount("a", 1)], expected_version=None, meta=Meta(command_id="k", fingerprint="two"))
    assert refused.value.code is ErrorCode.CONFLICT


async def test_inline_read_models_commit_with_the_append_or_not_at_all(store: EventStore) -> None:
    committed = await store.append("s", [headcount("a", 1)], expected_version=0)
    assert await times_seen(store.engine) == {(await store.read_stream("s"))[0].event_id: 1}

    async def broken(conn, recorded):  # type: ignore[no-untyped-def]
        raise RuntimeError("read model refused")

    store.inline.append(broken)
    with pytest.raises(RuntimeError):
        await store.append("s", [headcount("a", 2)], expected_version=1, meta=Meta(command_id="c", fingerprint="f"))
    assert await store.load("s", TOTAL) == (1, 1)
    assert len(await times_seen(store.engine)) == 1
    assert await store.stored_reply("c") is None, "a failed command leaves no reply behind, so a retry runs again"
    assert committed.positions == (1,)


async def test_positions_ascend_in_commit_order_across_concurrent_writers(store: EventStore) -> None:
    await asyncio.gather(*(store.append(f"s{i}", [headcount("a", 1), headcount("a", 2)], expected_version=0) for i in range(20)))
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(LEDGER.events.c.position, LEDGER.events.c.stream_id, LEDGER.events.c.version).order_by(
                    LEDGER.events.c.position
                )
            )
        ).all()
    assert len(rows) == 40
    by_stream: dict[str, list[int]] = {}
    for row in rows:
        by_stream.setdefault(row.stream_id, []).append(row.version)
    assert all(v == [1, 2] for v in by_stream.values()), "each append's events are contiguous and in order"


async def test_a_snapshot_is_taken_and_used(engine) -> None:  # type: ignore[no-untyped-def]
    fold = Fold(0, lambda t, e: t + e.members, encode=lambda t: {"t": t}, decode=lambda d: d["t"], snapshot_every=3)  # type: ignore[attr-defined]
    store = EventStore(engine, LEDGER, "registry")
    for i in range(5):
        await store.append("s", [headcount("a", 1)], expected_version=i)
    assert await store.load("s", fold) == (5, 5)
    async with engine.connect() as conn:
        snap = (await conn.execute(select(LEDGER.snapshots.c.version, LEDGER.snapshots.c.state))).one()
    assert snap.version == 5 and snap.state == {"t": 5}
    fresh = EventStore(engine, LEDGER, "registry")
    await fresh.append("s", [headcount("a", 10)], expected_version=5)
    assert await fresh.load("s", fold) == (15, 6)


async def test_concurrent_cold_loads_of_a_cached_stream_share_one_decode_and_each_sees_what_came_before(engine) -> None:  # type: ignore[no-untyped-def]
    decoded: list[int] = []

    def decode(d: dict[str, int]) -> int:
        decoded.append(d["t"])
        return d["t"]

    fold = Fold(0, lambda t, e: t + e.members, encode=lambda t: {"t": t}, decode=decode, snapshot_every=3, cached=True)  # type: ignore[attr-defined]
    writer = EventStore(engine, LEDGER, "registry")
    for i in range(4):
        await writer.append("s", [headcount("a", 1)], expected_version=i)
    await writer.load("s", fold)  # leaves a snapshot at version 4
    cold = EventStore(engine, LEDGER, "registry")
    first = [asyncio.create_task(cold.load("s", fold)) for _ in range(20)]
    await asyncio.sleep(0)  # the loads have asked; a write lands while they are under way
    await writer.append("s", [headcount("a", 10)], expected_version=4)
    late = await cold.load("s", fold)
    assert decoded == [4], "one snapshot decoded for all the concurrent cold loads"
    assert {await t for t in first} <= {(4, 4), (14, 5)} and late == (14, 5), "a load asked after a write sees it"


def slowed(store: EventStore) -> list[object]:
    """Slows the store's short reads: each is answered, but handed over late, so a write may land meanwhile.
    Returns the reads' parameters, as they are made."""
    reads: list[object] = []
    real = store.direct.fetch

    async def slow_fetch(sql, params):  # type: ignore[no-untyped-def]
        rows = await real(sql, params)
        reads.append(params)
        await asyncio.sleep(0.3)
        return rows

    store.direct.fetch = slow_fetch  # type: ignore[method-assign]
    return reads


async def test_concurrent_reply_lookups_share_a_read_but_never_one_begun_before_they_asked(engine) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(engine, LEDGER, "registry")
    await store.append("s", [headcount("a", 1)], expected_version=None, meta=Meta(command_id="done", fingerprint="f"))
    reads = slowed(store)
    first = [asyncio.create_task(store.stored_reply(cid)) for cid in ("done", "later", *(f"new-{i}" for i in range(18)))]
    await asyncio.sleep(0.1)  # their round has read
    await store.append("s", [headcount("a", 2)], expected_version=None, meta=Meta(command_id="later", fingerprint="g"))
    late = asyncio.create_task(store.stored_reply("later"))
    answers = [await t for t in first]
    assert answers[0] is not None and answers[0][0] == "f"
    assert answers[1:] == [None] * 19, "the others were not done when their round read"
    stored = await late
    assert stored is not None and stored[0] == "g", "a lookup asked after a commit sees it, though a round was in flight"
    assert len(reads) == 2, "each group of concurrent lookups shared one read"


async def test_concurrent_loads_of_a_kept_state_share_a_read_but_never_one_begun_before_they_asked(engine) -> None:  # type: ignore[no-untyped-def]
    fold = Fold(0, lambda t, e: t + e.members, cached=True)  # type: ignore[attr-defined]
    store = EventStore(engine, LEDGER, "registry")
    await store.append("s", [headcount("a", 1)], expected_version=0)
    await store.load("s", fold)  # kept from here on
    reads = slowed(store)
    first = [asyncio.create_task(store.load("s", fold)) for _ in range(20)]
    await asyncio.sleep(0.1)  # their round has read
    await store.append("s", [headcount("a", 10)], expected_version=1)
    late = [asyncio.create_task(store.load("s", fold)) for _ in range(20)]
    assert {await t for t in first} == {(1, 1)}
    assert {await t for t in late} == {(11, 2)}, "a load asked after a write sees it, though a round was in flight"
    assert len(reads) == 2, "each group of concurrent loads shared one read"


async def test_a_kept_state_is_the_one_last_loaded_and_nothing_is_read_for_it(store: EventStore) -> None:
    fold = Fold(0, lambda t, e: t + e.members, cached=True)  # type: ignore[attr-defined]
    assert store.kept("s", fold) is None, "never loaded"
    await store.append("s", [headcount("a", 2)], expected_version=0)
    assert await store.load("s", fold) == (2, 1)
    await store.append("s", [headcount("a", 3)], expected_version=1)
    assert store.kept("s", fold) == (2, 1), "as last loaded: an append confirms its version, or decides again"
    assert store.kept("s", Fold(0, fold.evolve)) is None, "an uncached fold keeps nothing"


def test_the_turns_of_retries_on_a_stream_belong_to_one_event_loop() -> None:
    from kit.store import retries

    async def turn() -> asyncio.Lock:
        return retries._turn("s")

    kept = asyncio.run(turn())  # still referenced, as a reference cycle may keep it until the collector runs
    assert asyncio.run(turn()) is not kept, "a lock bound to a finished loop would refuse the next loop's retries"
