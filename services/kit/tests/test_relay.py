"""The relay against real NATS and PostgreSQL: in order, once, and healing the stream from the ledger."""

from __future__ import annotations

import asyncio
import json

import pytest
from kit_helpers import headcount, positions
from sqlalchemy import select

from kit.relay import Relay, stream_config
from kit.store import Batch, EventStore
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER


def relay_for(store: EventStore, nc, **kw) -> Relay:  # type: ignore[no-untyped-def]
    relay = Relay(store.engine, LEDGER, "registry", nc, idle_check=0.3, **kw)
    store.on_commit.append(relay.notify)
    return relay


async def committed_positions(store: EventStore) -> list[int]:
    async with store.engine.connect() as conn:
        return list((await conn.execute(select(LEDGER.events.c.position).order_by(LEDGER.events.c.position))).scalars())


async def test_events_go_out_in_order_with_cloudevents_headers(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    async with running(relay_for(store, nc)):
        await store.append("s", [headcount("a", 1), headcount("b", 2)], expected_version=0)
        messages = await eventually(lambda: _at_least(nc, 2))
    headers, body = messages[0]
    assert headers["ce-type"] == "union.registry.org.headcount_reported.v1"
    assert headers["ce-specversion"] == "1.0" and headers["ce-source"] == "/profset/registry"
    assert headers["ce-sequence"] == "1" and headers["ce-subject"] == "a" and headers["ce-orgid"] == "a"
    assert headers["Nats-Msg-Id"] == headers["ce-id"]
    assert json.loads(body)["members"] == 1
    assert positions(messages) == [1, 2]


async def test_appends_made_one_after_another_wake_the_relay_at_once_and_then_once_for_the_rest(engine, nc) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(engine, LEDGER, "registry", wake_window=(1.0, 1.0))
    woken = [0]
    store.on_commit.append(lambda: woken.__setitem__(0, woken[0] + 1))
    async with running(relay_for(store, nc)):
        await store.append_batch([Batch("r0", [headcount("r", 0)])])
        assert woken[0] == 1, "a lone append wakes the listeners at once"
        for i in range(1, 5):
            await store.append_batch([Batch(f"r{i}", [headcount("r", i)])])
        assert woken[0] == 1, "the appends right after it wait for one wake"
        messages = await eventually(lambda: _at_least(nc, 5))

        async def woken_for_the_rest() -> bool:
            return woken[0] == 2

        await eventually(woken_for_the_rest)
        await asyncio.sleep(1.0)
        await store.append_batch([Batch("r5", [headcount("r", 5)])])
        assert woken[0] == 3, "quiet again: at once"
    assert positions(messages) == [1, 2, 3, 4, 5]


async def test_commits_are_published_in_order_past_a_held_transaction_and_a_rollback(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    gate = asyncio.Event()

    async def hold_or_fail(conn, recorded):  # type: ignore[no-untyped-def]
        # a group commit projects the events of several appends in one call
        if any(r.event.members == 100 for r in recorded):
            await gate.wait()  # a writer holding its transaction open
        if any(r.event.members == 13 for r in recorded):
            raise RuntimeError("this writer rolls back, leaving a gap")

    store.inline.append(hold_or_fail)
    async with running(relay_for(store, nc)):
        await store.append("before", [headcount("z", 1)], expected_version=0)
        held = asyncio.create_task(store.append("held", [headcount("h", 100)], expected_version=0))
        await asyncio.sleep(0.3)
        writers = [asyncio.create_task(store.append(f"w{i}", [headcount("w", i)], expected_version=0)) for i in range(5)]
        doomed = asyncio.create_task(store.append("doomed", [headcount("d", 13)], expected_version=0))
        await asyncio.sleep(0.5)
        assert positions(await stream_messages(nc.jetstream())) == [1], "nothing behind the open transaction goes out"
        gate.set()
        await asyncio.gather(held, *writers)
        with pytest.raises(RuntimeError):
            await doomed
        await store.append("after", [headcount("y", 1)], expected_version=0)
        committed = await committed_positions(store)
        messages = await eventually(lambda: _at_least(nc, len(committed)))
    assert positions(messages) == committed, "everything committed, in position order, nothing twice"
    assert len(committed) == 8 and max(committed) > len(committed), "the rolled-back position is a gap stepped over"


async def test_a_restarted_relay_resumes_without_publishing_twice(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    async with running(relay_for(store, nc)):
        await store.append("s", [headcount("a", i) for i in range(3)], expected_version=0)
        await eventually(lambda: _at_least(nc, 3))
    await store.append("s", [headcount("a", 9), headcount("a", 10)], expected_version=3)
    async with running(relay_for(store, nc)):
        messages = await eventually(lambda: _at_least(nc, 5))
        await asyncio.sleep(0.5)
    assert positions(await stream_messages(nc.jetstream())) == [1, 2, 3, 4, 5]
    assert len({h["ce-id"] for h, _ in messages}) == 5


async def test_the_relay_keeps_a_hint_of_where_it_stands_without_changing_its_session(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    relay = relay_for(store, nc)
    await store.append("s", [headcount("a", 1), headcount("a", 2)], expected_version=0)
    async with store.engine.connect() as conn:
        await relay.sync(conn)
        assert await relay.publish_batch(conn) == 2
        assert await relay._recorded(conn) == (2, 2)
        shown = (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar()
    assert shown == "on", "the hint's commit skips the disk wait for its own transaction only"


async def test_a_deleted_stream_is_recreated_and_republished_from_the_ledger(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    js = nc.jetstream()
    async with running(relay_for(store, nc)):
        await store.append("s", [headcount("a", i) for i in range(4)], expected_version=0)
        await eventually(lambda: _at_least(nc, 4))
        await js.delete_stream("REGISTRY")
        await eventually(lambda: _at_least(nc, 4))
        await store.append("s", [headcount("a", 5)], expected_version=4)
        await eventually(lambda: _at_least(nc, 5))
    assert positions(await stream_messages(js)) == [1, 2, 3, 4, 5]


async def test_a_stream_that_lost_its_tail_is_filled_in_from_the_ledger(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    js = nc.jetstream()
    relay = relay_for(store, nc)
    async with running(relay):
        await store.append("s", [headcount("a", i) for i in range(5)], expected_version=0)
        kept = (await eventually(lambda: _at_least(nc, 5)))[:2]
        await js.delete_stream("REGISTRY")  # as after a crash that lost unsynced writes: only the head survives
        await js.add_stream(stream_config("registry"))
        for headers, body in kept:
            await js.publish("registry.org.headcount_reported", body, headers=headers)
        await eventually(lambda: _at_least(nc, 5))
        await asyncio.sleep(0.5)
    assert positions(await stream_messages(js)) == [1, 2, 3, 4, 5]


async def test_only_one_of_two_relays_publishes(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    first, second = relay_for(store, nc), relay_for(store, nc)
    async with running(first), running(second):
        await eventually(lambda: _one_active(first, second))
        for i in range(10):
            await store.append(f"s{i}", [headcount("a", i)], expected_version=0)
        await eventually(lambda: _at_least(nc, 10))
        await asyncio.sleep(0.5)
    assert positions(await stream_messages(nc.jetstream())) == list(range(1, 11))


async def _at_least(nc, n: int):  # type: ignore[no-untyped-def]
    messages = await stream_messages(nc.jetstream())
    return messages if len(messages) >= n else None


async def _one_active(*relays: Relay) -> bool:
    return sum(r.active for r in relays) == 1


async def test_a_publish_the_stream_refuses_comes_back_as_a_refusal_not_a_timeout(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    from kit.relay import StreamBehind

    relay = relay_for(store, nc)
    await store.append("s", [headcount("a", 1)], expected_version=0)
    async with store.engine.connect() as conn:
        await relay.sync(conn)  # the stream is made, empty: the relay expects to write its first message
        await nc.jetstream().publish("registry.org.headcount_reported", b"{}")  # a stranger takes sequence 1
        with pytest.raises(StreamBehind, match="wrong last sequence"):
            await relay.publish_batch(conn)  # refused at once (nats-py alone would leave it pending for 30 s)


async def test_a_batch_goes_to_the_server_in_a_few_writes_not_one_an_event(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    relay = relay_for(store, nc)
    await store.append_batch([Batch(f"w{i}", [headcount("w", i)]) for i in range(200)])
    writes, write = [0], nc._transport.writelines

    def counting(payload):  # type: ignore[no-untyped-def]
        writes[0] += 1
        return write(payload)

    async with store.engine.connect() as conn:
        await relay.sync(conn)
        nc._transport.writelines = counting
        try:
            assert await relay.publish_batch(conn) == 200
        finally:
            nc._transport.writelines = write
    # a publish that yielded to the loop let the client's flusher write each event on its own: 200 writes
    assert writes[0] <= 5, f"{writes[0]} writes for 200 events"
    assert positions(await _at_least(nc, 200)) == list(range(1, 201))


async def test_a_batch_cut_short_frees_its_slots_in_the_publish_window(store: EventStore, nc) -> None:  # type: ignore[no-untyped-def]
    relay = relay_for(store, nc, batch=5)
    await store.append_batch([Batch(f"c{i}", [headcount("c", i)]) for i in range(5)])
    publish, made = relay.js.publish_async, []

    async def failing_at_the_fourth(*args, **kwargs):  # type: ignore[no-untyped-def]
        if len(made) == 3:
            raise ConnectionError("the connection went away mid-batch")
        made.append(await publish(*args, **kwargs))
        return made[-1]

    async with store.engine.connect() as conn:
        await relay.sync(conn)
        relay.js.publish_async = failing_at_the_fourth  # type: ignore[method-assign]
        with pytest.raises(ConnectionError):
            await relay.publish_batch(conn)
        # pending, they would hold three of the window's five slots until an answer that a lost connection never brings
        assert len(made) == 3 and all(f.cancelled() for f in made)
        relay.js.publish_async = publish  # type: ignore[method-assign]
        await eventually(lambda: _at_least(nc, 3))  # the three were on their way: the stream has them
        await relay.sync(conn)
        assert await relay.publish_batch(conn) == 2
    assert positions(await _at_least(nc, 5)) == [1, 2, 3, 4, 5]
