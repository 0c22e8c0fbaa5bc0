"""A stream at its size limit takes no new events: the relay parks none of them (they are not poison), keeps them in the
ledger and waits; once the operator raises the limit every one goes out once, in order (real NATS and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from kit_helpers import headcount, positions
from sqlalchemy import select

from kit import metrics
from kit.relay import Relay, stream_config
from kit.store import EventStore
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER


async def _published(nc: Any) -> list[int]:
    return positions(await stream_messages(nc.jetstream()))


async def _parked(store: EventStore) -> int:
    p = LEDGER.pending.c
    async with store.engine.connect() as conn:
        return len((await conn.execute(select(p.position).where(p.consumer == "relay"))).all())


async def test_a_full_stream_holds_events_back_and_takes_them_all_once_its_limit_is_raised(store: EventStore, nc: Any) -> None:
    js = nc.jetstream()
    full = stream_config("registry")
    full.max_bytes = 1500  # room for a few events only; the stream then refuses new ones (discard new)
    await js.update_stream(full)
    fulls = metrics.RELAY_REPAIRS.labels("registry", "full")._value.get()
    relay = Relay(store.engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    await store.append("s", [headcount("a", n) for n in range(1, 21)], expected_version=0)
    async with running(relay):
        held = await eventually(lambda: _published(nc))
        await asyncio.sleep(2)  # the relay keeps trying meanwhile
        still = await _published(nc)
        assert metrics.STREAM_MAX_BYTES.labels("REGISTRY")._value.get() == 1500
        assert metrics.RELAY_REPAIRS.labels("registry", "full")._value.get() > fulls, "it said the stream was full"
        await js.update_stream(stream_config("registry"))  # the operator raises it, as the keeper's --max-gib does
        everything = await eventually(lambda: _complete(nc, 20), timeout=30)
    assert 0 < len(held) < 20 and still == held, "the stream took a few and then refused the rest"
    assert everything == list(range(1, 21)), "every event once, in order"
    assert await _parked(store) == 0, "an event a full stream refuses is not its own fault: none is parked"


async def _complete(nc: Any, count: int) -> list[int] | None:
    found = await _published(nc)
    return found if len(found) >= count else None
