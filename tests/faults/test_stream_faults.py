"""The bus damaged under a consumer: a deleted stream is rebuilt from the ledger; a poison message is dead-lettered."""

from __future__ import annotations

from typing import Any

from contracts.envelope import DEAD_LETTER_STREAM
from kit.projection import Delivered, Projection
from kit.projector import Projector
from profset_testing import Keys, eventually, running, stream_messages
from profset_testing.counting import LEDGER, count
from profset_testing.faults import Burst, applied, audit, clean, counting_schema, ledger_ids, mini_stack, primary_org, record


async def counting(conn: Any, d: Delivered) -> None:
    if getattr(d.event, "members", None) == 666:
        raise ValueError("this consumer cannot digest 666 members")
    await count(conn, d.event_id, d.org_id or "", d.position)


async def test_a_deleted_stream_is_rebuilt_and_consumers_apply_nothing_twice(
    database_url: str, nats_server: Any, keys: Keys, nc: Any
) -> None:
    engine = await counting_schema(database_url)
    async with mini_stack(database_url, nats_server, keys) as mini:
        projector = Projector(engine, LEDGER, "faults", Projection("counting", "registry", counting), nc, retry_base=0.05)
        async with running(projector):
            burst = Burst(mini, await primary_org(mini))
            await burst.run(150)
            everything = await ledger_ids(database_url)
            await eventually(lambda: _applied_all(engine, everything), timeout=30)
            await nc.jetstream().delete_stream("REGISTRY")
            await burst.run(200)  # more commands land on a stream that is not there
            figures: dict[str, int] = {}

            async def settled() -> bool:
                figures.update(await audit(database_url, nc, burst.command_ids()))
                assert clean(figures), figures
                return await _applied_all(engine, await ledger_ids(database_url))

            await eventually(settled, timeout=60, interval=0.3)
        times = await applied(engine)
    await engine.dispose()
    twice = sum(1 for n in times.values() if n > 1)
    record("stream_deleted", applied=len(times), applied_twice=twice, **figures)
    assert twice == 0 and len(times) == figures["events_checked"]


async def test_a_poison_message_is_dead_lettered_and_the_rest_flow(
    database_url: str, nats_server: Any, keys: Keys, nc: Any
) -> None:
    engine = await counting_schema(database_url)
    async with mini_stack(database_url, nats_server, keys) as mini:
        projection = Projection("counting", "registry", counting)
        projector = Projector(engine, LEDGER, "faults", projection, nc, max_deliver=3, retry_base=0.05)
        async with running(projector):
            poisoned = Burst(mini, await primary_org(mini))
            reply = await mini.http.post(
                f"/api/v1/orgs/{poisoned.org}/headcount", json={"members": 666, "as_of": "1999-01-01"}, headers=mini.headers
            )
            assert reply.status_code == 201, reply.text
            healthy = Burst(mini, await _another_primary(mini))
            await healthy.run(100)
            expected = await ledger_ids(database_url)

            async def rest_flowed() -> bool:
                return len(await applied(engine)) == len(expected) - 1

            await eventually(rest_flowed, timeout=30)
            dead = await eventually(lambda: stream_messages(nc.jetstream(), DEAD_LETTER_STREAM), timeout=30)
        times = await applied(engine)
    await engine.dispose()
    record("poison_message", events=len(expected), applied=len(times), dead_lettered=len(dead), applied_twice=0)
    assert len(dead) == 1 and set(times.values()) == {1}


async def _applied_all(engine: Any, ids: set[str]) -> bool:
    times = await applied(engine)
    return ids <= set(times)


async def _another_primary(mini: Any) -> str:
    orgs = (await mini.http.get("/api/v1/orgs", params={"level": "territorial"}, headers=mini.headers)).json()
    body = {"name": "Другая ППО", "level": "primary", "parent_id": orgs[0]["id"], "registered_on": "1990-01-01"}
    reply = await mini.http.post("/api/v1/orgs", json=body, headers=mini.headers)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])
