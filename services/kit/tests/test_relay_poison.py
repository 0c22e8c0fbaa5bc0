"""A poison event stalls no relay: one the stream or the server refuses for what it is is parked with its reason, and
the events after it still go out (real NATS and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from kit_helpers import headcount, positions
from sqlalchemy import func, select, update

from kit.relay import Relay, stream_config
from kit.store import EventStore
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER


def relay_for(store: EventStore, nc: Any) -> Relay:
    relay = Relay(store.engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    return relay


async def _poisoned(store: EventStore, padding: int) -> None:
    """Positions 1 and 3 are ordinary; position 2 is made too large to publish (as a bad write or an import might)."""
    await store.append("s", [headcount("a", 1), headcount("a", 2), headcount("a", 3)], expected_version=0)
    events = LEDGER.events
    async with store.engine.begin() as conn:
        padded = events.c.data.op("||")(func.jsonb_build_object("padding", func.repeat("x", padding)))
        await conn.execute(update(events).where(events.c.position == 2).values(data=padded))


async def _parked(store: EventStore) -> list[tuple[int, str, str]]:
    p = LEDGER.pending.c
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(p.position, p.status, p.error).where(p.consumer == "relay").order_by(p.position))
        return [(r.position, r.status, r.error) for r in rows]


async def _published(nc: Any, wanted: list[int]) -> bool:
    return positions(await stream_messages(nc.jetstream())) == wanted


async def test_an_event_too_large_for_the_stream_is_parked_and_the_next_ones_go_out(store: EventStore, nc: Any) -> None:
    js = nc.jetstream()
    config = stream_config("registry")
    config.max_msg_size = 4096  # the operator's limit on one message
    await js.update_stream(config)
    await _poisoned(store, padding=8000)
    async with running(relay_for(store, nc)):
        await eventually(lambda: _published(nc, [1, 3]), timeout=20)
        await store.append("s", [headcount("a", 4)], expected_version=3)
        await eventually(lambda: _published(nc, [1, 3, 4]), timeout=20)
    [(position, status, reason)] = await _parked(store)
    assert (position, status) == (2, "dead")
    assert "10054" in reason and "maximum" in reason.lower(), reason


async def test_an_event_larger_than_the_server_takes_is_parked_and_the_next_ones_go_out(store: EventStore, nc: Any) -> None:
    await _poisoned(store, padding=9 * 1024 * 1024)  # the servers take 8 MB
    async with running(relay_for(store, nc)):
        await eventually(lambda: _published(nc, [1, 3]), timeout=30)
    async with running(relay_for(store, nc)):  # restarted: it resumes after the stream's tail, past the parked event
        await store.append("s", [headcount("a", 4)], expected_version=3)
        await eventually(lambda: _published(nc, [1, 3, 4]), timeout=30)
    [(position, status, reason)] = await _parked(store)
    assert (position, status) == (2, "dead") and "maximum payload" in reason, reason
