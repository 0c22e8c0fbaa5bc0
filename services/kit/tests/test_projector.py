"""The projector against real NATS and PostgreSQL: once per event, in order per aggregate, poison buried."""

from __future__ import annotations

import asyncio

import nats.js.errors
from kit_helpers import headcount
from prometheus_client import REGISTRY

from kit import metrics
from kit.projection import Delivered, Projection
from kit.projector import Projector
from kit.relay import Relay
from kit.store import EventStore
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER, count, times_seen


def pipeline(store: EventStore, nc, apply, **kw):  # type: ignore[no-untyped-def]
    relay = Relay(store.engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    projector = Projector(store.engine, LEDGER, "kit", Projection("counting", "registry", apply), nc, **kw)
    return relay, projector


async def counting(conn, d: Delivered) -> None:  # type: ignore[no-untyped-def]
    await count(conn, d.event_id, d.org_id or "", d.position)


async def test_each_event_is_applied_once_even_when_delivered_again(engine, nc) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(engine, LEDGER, "registry")
    relay, projector = pipeline(store, nc, counting)
    async with running(relay), running(projector):
        for i in range(6):
            await store.append(f"s{i}", [headcount("a", i), headcount("b", i)], expected_version=0)
        await eventually(lambda: _applied(engine, 12))
        js = nc.jetstream()
        for headers, body in await stream_messages(js):  # copies under new message ids, as a repaired stream resends
            copy = {k: v for k, v in headers.items() if not k.startswith("Nats-")}
            await js.publish("registry.org.headcount_reported", body, headers={**copy, "Nats-Msg-Id": headers["ce-id"] + "-copy"})
        await js.delete_consumer("REGISTRY", projector.consumer)  # and a lost consumer redelivers everything
        await eventually(lambda: _lag_is(projector, 0), timeout=20)
        await eventually(lambda: _consumer_done(js, projector.consumer, 24), timeout=20)
    seen = await times_seen(engine)
    assert len(seen) == 12 and set(seen.values()) == {1}, "no event was applied twice"


async def test_a_poison_message_is_dead_lettered_and_its_aggregate_parked_while_others_flow(engine, nc) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(engine, LEDGER, "registry")
    fixed = asyncio.Event()
    order: list[tuple[str, int]] = []

    async def fragile(conn, d: Delivered) -> None:  # type: ignore[no-untyped-def]
        if d.event.members == 666 and not fixed.is_set():  # type: ignore[attr-defined]
            raise ValueError("cannot apply this one")
        order.append((d.aggregate_id, d.event.members))  # type: ignore[attr-defined]
        await counting(conn, d)

    relay, projector = pipeline(store, nc, fragile, max_deliver=3, retry_base=0.05)
    async with running(relay), running(projector):
        await store.append("a", [headcount("a", 666)], expected_version=0)
        await store.append("b", [headcount("b", 1)], expected_version=0)
        await store.append("a", [headcount("a", 2)], expected_version=1)
        await store.append("b", [headcount("b", 2)], expected_version=1)
        await eventually(lambda: _dead_letters(nc, 1))
        await eventually(lambda: _applied(engine, 2))
        await asyncio.sleep(0.5)
        assert order == [("b", 1), ("b", 2)], "the other aggregate flowed; the poisoned one waits"
        parked = metrics.PARKED.labels(projector.service, projector.consumer)._value.get()
        assert parked == 1, "the gauge shows the event waiting behind the poisoned one"
        headers, _ = (await stream_messages(nc.jetstream(), "DEADLETTER"))[0]
        assert headers["ce-sequence"] == "1" and "cannot apply" in headers["ps-error"]
        assert await projector.replay() == (0, 1), "still broken: nothing applied out of order"
        fixed.set()
        assert await projector.replay() == (2, 0)
        await store.append("a", [headcount("a", 3)], expected_version=2)
        await eventually(lambda: _applied(engine, 5))
    assert order[2:] == [("a", 666), ("a", 2), ("a", 3)]


async def _applied(engine, n: int) -> bool:  # type: ignore[no-untyped-def]
    return sum((await times_seen(engine)).values()) >= n


async def _lag_is(projector: Projector, n: int) -> bool:
    value = REGISTRY.get_sample_value("profset_projection_lag_messages", {"service": "kit", "consumer": projector.consumer})
    return value == n


async def _consumer_done(js, consumer: str, delivered: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        info = await js.consumer_info("REGISTRY", consumer)
    except nats.js.errors.NotFoundError:
        return False
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= delivered


async def _dead_letters(nc, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await stream_messages(nc.jetstream(), "DEADLETTER")) >= n


async def test_a_projector_started_before_its_stream_binds_whichever_pooled_connection_it_gets_next(engine, nc) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect(), engine.connect():
        pass  # two idle connections in the pool, handed out in turn: the lock must not stay behind on one of them
    store = EventStore(engine, LEDGER, "registry")
    relay, projector = pipeline(store, nc, counting)
    async with running(projector):
        await asyncio.sleep(1.5)  # it finds no stream, and tries again on the other connection
        async with running(relay):
            await store.append("s", [headcount("a", 1)], expected_version=0)
            await eventually(lambda: _applied(engine, 1))
