"""A consumer filtered to the events it takes still vouches for read-your-writes, though its checkpoint lags."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import ClassVar

from kit_helpers import headcount
from sqlalchemy import select

from contracts.registry import OrgRenamed
from kit.projection import Delivered, Projection
from kit.relay import Relay
from kit.service import Runtime, Service, Wiring
from kit.settings import ServiceSettings
from kit.store import EventStore
from profset_testing import eventually, running
from profset_testing.counting import LEDGER, count, metadata


class Settings(ServiceSettings):
    service: ClassVar[str] = "kpi"


async def test_a_filtered_consumer_is_caught_up_once_nothing_it_takes_is_waiting(  # type: ignore[no-untyped-def]
    engine, nats_server, nc, keys, database_url
) -> None:
    gate, applied = asyncio.Event(), list[int]()

    async def renames(conn, d: Delivered) -> None:  # type: ignore[no-untyped-def]
        await gate.wait()
        await count(conn, d.event_id, d.org_id or "", d.position)
        applied.append(d.position)

    def wire(rt: Runtime) -> Wiring:
        return Wiring(verbs={}, projections=[Projection("renames", "registry", renames, (OrgRenamed,))])

    registry = EventStore(engine, LEDGER, "registry")
    relay = Relay(engine, LEDGER, "registry", nc, idle_check=0.3)
    registry.on_commit.append(relay.notify)
    settings = Settings(database_url=database_url, nats_url=nats_server.url, token_public_key=keys.public)
    async with running(relay), Service(settings, metadata, LEDGER, wire, publishes=False).running() as kpi:
        await eventually(lambda: _bound(kpi))
        for i in range(3):  # events it does not take: never delivered, so its checkpoint never moves
            await registry.append(f"o{i}", [headcount(f"o{i}", i)], expected_version=0)
        assert await kpi.wait_for({"registry": 3}, 10), "nothing it takes waits, once the stream holds position 3"
        assert not await kpi.wait_for({"registry": 4}, 0.5), "a position not yet published is not vouched for"
        await eventually(lambda: _checkpoint_is(engine, 3))  # moved over what it does not take, once idle

        renamed = OrgRenamed(org_id="o0", name="Новое имя", effective_on=date(2024, 1, 1))
        await registry.append("o0", [renamed], expected_version=1)
        assert not await kpi.wait_for({"registry": 4}, 1), "an event it takes, delivered but not applied, is waited for"
        gate.set()
        assert await kpi.wait_for({"registry": 4}, 10)
        await registry.append("o1", [headcount("o1", 9)], expected_version=1)
        assert await kpi.wait_for({"registry": 5}, 10)
    assert applied == [4], "only the event it takes was delivered"


async def _checkpoint_is(engine, position: int) -> bool:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        found = await conn.scalar(select(LEDGER.checkpoints.c.position).where(LEDGER.checkpoints.c.consumer == "kpi_renames"))
    return found == position


async def _bound(service: Service) -> bool:
    return all(p.bound for p in service.projectors)
