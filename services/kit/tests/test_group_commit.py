"""Group commit: concurrent appends share one transaction and one commit, yet each succeeds or fails on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from kit_helpers import headcount
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.envelope import ErrorCode
from kit.errors import Refused
from kit.store import Committed, EventStore, Meta, Recorded, VersionConflict
from profset_testing.counting import LEDGER, times_seen


def commits_of(store: EventStore) -> list[int]:
    """Counts the store's commits: with no wake window, it tells its listeners once per committed group."""
    store.on_commit.least = store.on_commit.most = 0.0
    counted = [0]
    store.on_commit.append(lambda: counted.__setitem__(0, counted[0] + 1))
    return counted


async def ledger_count(store: EventStore) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(LEDGER.events))).scalar_one())


async def test_concurrent_commands_all_land_in_fewer_commits(store: EventStore) -> None:
    commits = commits_of(store)
    replies = await asyncio.gather(
        *(
            store.append(f"s{i}", [headcount("a", i), headcount("a", i + 1)], expected_version=0, meta=Meta(f"c{i}", "f"))
            for i in range(40)
        )
    )
    assert [r.reply["positions"]["registry"] for r in replies] == sorted({r.positions[-1] for r in replies})
    assert all(r.version == 2 and not r.repeated for r in replies)
    assert await ledger_count(store) == 80 and len(await times_seen(store.engine)) == 80
    assert commits[0] < 40, "concurrent appends were committed together"
    for i in (0, 39):
        assert await store.stored_reply(f"c{i}") == ("f", replies[i].reply)


async def test_appends_to_one_stream_in_one_group_see_each_other(store: EventStore) -> None:
    results = await asyncio.gather(
        *(store.append("one", [headcount("a", 1)], expected_version=None) for _ in range(10)),
        store.append("one", [headcount("a", 1)], expected_version=0),
        return_exceptions=True,
    )
    assert sorted(r.version for r in results if isinstance(r, Committed)) == list(range(1, 11))
    assert isinstance(results[-1], VersionConflict), "the stream had moved on within the group"
    assert [r.version for r in await store.read_stream("one")] == list(range(1, 11))


async def test_a_failing_command_does_not_fail_or_half_write_the_others(store: EventStore) -> None:
    async def refuses_org_b(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        if any(r.event.ce_org_id == "b" for r in recorded):
            raise RuntimeError("read model refused")

    store.inline.append(refuses_org_b)
    await store.append("taken", [headcount("a", 1)], expected_version=0)
    commits = commits_of(store)
    results = await asyncio.gather(
        *(store.append(f"ok{i}", [headcount("a", 1)], expected_version=0, meta=Meta(f"ok{i}", "f")) for i in range(5)),
        store.append("bad", [headcount("a", 1), headcount("b", 2)], expected_version=0, meta=Meta("bad", "f")),
        store.append("taken", [headcount("a", 2)], expected_version=0, meta=Meta("stale", "f")),
        *(store.append(f"ok{i}", [headcount("a", 1)], expected_version=0, meta=Meta(f"ok{i}", "f")) for i in range(5, 10)),
        return_exceptions=True,
    )
    assert commits[0] < 12
    assert isinstance(results[5], RuntimeError) and isinstance(results[6], VersionConflict)
    landed = [r for r in results if isinstance(r, Committed)]
    assert len(landed) == 10 and not any(r.repeated for r in landed)
    assert await store.read_stream("bad") == [] and len(await store.read_stream("taken")) == 1
    assert await store.stored_reply("bad") is None and await store.stored_reply("stale") is None
    assert await ledger_count(store) == 11 and len(await times_seen(store.engine)) == 11
    again = await store.append("bad", [headcount("a", 1)], expected_version=0, meta=Meta("bad", "f"))
    assert not again.repeated, "a failed command left no reply behind, so its retry runs"


async def test_duplicated_command_ids_answer_the_first_result(store: EventStore) -> None:
    first = await store.append("s", [headcount("a", 1)], expected_version=0, meta=Meta("done", "f"), data={"n": 0})
    results = await asyncio.gather(
        *(store.append(f"t{i}", [headcount("a", 1)], expected_version=None, meta=Meta("new", "f"), data=i) for i in range(6)),
        *(store.append(f"u{i}", [headcount("a", 1)], expected_version=None, meta=Meta("done", "f"), data=i) for i in range(3)),
        store.append("v", [headcount("a", 1)], expected_version=None, meta=Meta("other", "f")),
    )
    news = results[:6]
    assert sum(not r.repeated for r in news) == 1 and len({str(r.reply) for r in news}) == 1
    assert all(r.repeated and r.reply == first.reply for r in results[6:9])
    assert not results[9].repeated
    assert await ledger_count(store) == 3


async def test_a_duplicated_id_with_another_request_in_the_same_group_is_a_conflict(store: EventStore) -> None:
    results = await asyncio.gather(
        store.append("s", [headcount("a", 1)], expected_version=None, meta=Meta("k", "one")),
        store.append("t", [headcount("a", 1)], expected_version=None, meta=Meta("k", "two")),
        return_exceptions=True,
    )
    assert isinstance(results[0], Committed)
    assert isinstance(results[1], Refused) and results[1].code is ErrorCode.CONFLICT


async def test_a_caller_that_stops_waiting_before_its_turn_writes_nothing(store: EventStore) -> None:
    waiting = asyncio.ensure_future(store.append("gone", [headcount("a", 1)], expected_version=0))
    kept = asyncio.ensure_future(store.append("kept", [headcount("a", 1)], expected_version=0))
    await asyncio.sleep(0)  # both are queued; the writer has not started its group yet
    waiting.cancel()
    await kept
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await store.read_stream("gone") == [] and len(await store.read_stream("kept")) == 1


async def test_a_group_written_one_by_one_after_a_failure_is_committed(store: EventStore, engine) -> None:  # type: ignore[no-untyped-def]
    async def refuses_org_b(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        if any(r.event.ce_org_id == "b" for r in recorded):
            raise RuntimeError("read model refused")

    store.inline.append(refuses_org_b)
    await asyncio.gather(
        store.append("good", [headcount("a", 1)], expected_version=0),
        store.append("bad", [headcount("b", 1)], expected_version=0),
        return_exceptions=True,
    )
    other = EventStore(engine, LEDGER, "registry")  # another writer sees the good append: it was committed
    assert len(await other.read_stream("good")) == 1 and await other.read_stream("bad") == []


async def test_under_load_the_writer_waits_for_appends_a_moment_behind_and_a_lone_append_never_waits(engine) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(engine, LEDGER, "registry", gather=30.0)
    commits = commits_of(store)
    await asyncio.wait_for(store.append("lone", [headcount("a", 1)], expected_version=0), 10)  # it would wait 30 s
    await asyncio.wait_for(store.append("lone", [headcount("a", 2)], expected_version=1), 10)
    await asyncio.gather(*(store.append(f"pair{i}", [headcount("a", i)], expected_version=0) for i in range(2)))
    assert commits[0] == 3, "alone, then a pair queued together: nothing waited"
    store._gather_for = 0.3  # the pair was company: the next group waits this long for more

    async def a_moment_behind(i: int) -> Committed:
        await asyncio.sleep(0.01 * i)
        return await store.append(f"late{i}", [headcount("a", i)], expected_version=0)

    late = await asyncio.gather(*(a_moment_behind(i) for i in range(3)))
    assert commits[0] == 4 and all(r.version == 1 for r in late), "three appends 10 ms apart share one group"
