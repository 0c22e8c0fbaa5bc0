"""The cascade runner is fenced and can't be stalled: with two runners, the lock holder whose backend is terminated
midway stops before its next batch and the other finishes, each org reached once; a run it can't process is parked
with its reason while the next run is delivered (real NATS and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import psycopg
from sqlalchemy import func, insert, select

from kit import clock
from kit.db import make_engine
from kit.locks import lock_key
from kit.rpc import RequestClient
from kit.tokens import Actor, Role, Signer
from profset_testing import Keys, eventually, service_settings
from profset_testing.faults import mini_stack


@contextlib.asynccontextmanager
async def exchanges(database_url: str, nats_server: Any, keys: Keys, n: int) -> AsyncIterator[list[Any]]:
    """`n` instances of the exchange, each with its cascade runner, delivering three orgs a batch."""
    from exchange.config import ExchangeSettings
    from exchange.main import create_service

    settings = service_settings(database_url, nats_server.url, keys) | nats_server.login("exchange")
    services = [create_service(ExchangeSettings(**settings, cascade_chunk=3)) for _ in range(n)]
    async with contextlib.AsyncExitStack() as running:
        for service in services:
            await running.enter_async_context(service.running())
        yield services


async def _tree(mini: Any, primaries: int) -> tuple[str, str]:
    """A central org, a territorial one and `primaries` primary orgs under it; the central's and territorial's ids."""
    ids: list[str] = []
    for level, parent in (("central", None), ("territorial", 0)):
        body = {"name": f"Орг {level}", "level": level, "parent_id": ids[parent] if parent is not None else None}
        reply = await mini.http.post("/api/v1/orgs", json=body | {"registered_on": "1990-01-01"}, headers=mini.headers)
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    for n in range(primaries):
        body = {"name": f"ППО {n}", "level": "primary", "parent_id": ids[1], "registered_on": "1990-01-01"}
        reply = await mini.http.post("/api/v1/orgs", json=body, headers=mini.headers)
        assert reply.status_code == 201, reply.text
    return ids[0], ids[1]


async def _orgs_known(engine: Any, n: int) -> bool:
    from exchange.tables import TREE

    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count(func.distinct(TREE.orgs.c.org_id))))).scalar_one()) >= n


async def _material(nc: Any, keys: Keys, org: str) -> tuple[RequestClient, str, str]:
    token = Signer(keys.private).sign(Actor("admin", Role.ADMIN, None), clock.now(), 600, "profset/exchange")
    requests = RequestClient(nc)
    body = {"org_id": org, "title": "Всем ППО", "body": "Текст", "kind": "announcement"}
    material = await requests.request("exchange", "draft_material", body, token=token)
    assert material.ok, material.error
    return requests, token, str(material.data["id"])


async def _delivered(engine: Any) -> Counter[str]:
    from exchange.tables import deliveries

    async with engine.connect() as conn:
        return Counter(dict((await conn.execute(select(deliveries.c.org_id, func.count()).group_by(deliveries.c.org_id))).all()))


async def _terminate_lock_holder(database_url: str) -> None:
    """Terminates the backend holding the cascade runner's lock, and waits until it is gone."""
    key = lock_key("cascades", "exchange")
    hi, lo = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    held = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s AND objsubid = 1"
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        [(pid,)] = await (await conn.execute(held, (hi, lo))).fetchall()
        await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(200):
            if not await (await conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))).fetchall():
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the lock holder's backend outlived its termination")


async def test_a_runner_whose_lock_backend_is_terminated_stops_before_its_next_batch(
    database_url: str, nats_server: Any, keys: Keys, nc: Any
) -> None:
    engine = make_engine(database_url)
    async with mini_stack(database_url, nats_server, keys) as mini, exchanges(database_url, nats_server, keys, 2) as pair:
        central, _ = await _tree(mini, primaries=60)
        await eventually(lambda: _orgs_known(engine, 62), timeout=60)
        batches: dict[int, list[float]] = {0: [], 1: []}
        killed: dict[str, Any] = {}

        def watched(i: int, store: Any) -> None:
            original = store.append_batch

            async def append_batch(found: Any, **kw: Any) -> Any:
                if found and found[0].stream_id.startswith("delivery-"):
                    batches[i].append(time.monotonic())
                    if len(batches[i]) == 3 and not killed:  # midway through the holder's run
                        killed["runner"] = i
                        await _terminate_lock_holder(database_url)
                        killed["at"] = time.monotonic()
                return await original(found, **kw)

            store.append_batch = append_batch

        for i, service in enumerate(pair):
            watched(i, service.runtime.store)
        requests, token, material = await _material(nc, keys, central)
        cascade = await requests.request("exchange", "cascade", {"material_id": material}, token=token)
        assert cascade.ok and cascade.data["targets"] == 61, cascade

        async def everyone_reached() -> bool:
            return len(await _delivered(engine)) == 61

        await eventually(everyone_reached, timeout=60)
        per_org = await _delivered(engine)
    await engine.dispose()
    victim = killed["runner"]
    unfenced = [t for t in batches[victim] if killed["at"] < t < killed["at"] + 0.8]  # it can't retake the lock in 1 s
    assert unfenced == [], f"the runner that lost its lock delivered {len(unfenced)} more batches"
    assert set(per_org.values()) == {1} and len(per_org) == 61, "every org reached exactly once"


async def test_a_run_that_cannot_be_processed_is_parked_and_the_next_run_delivered(
    database_url: str, nats_server: Any, keys: Keys, nc: Any
) -> None:
    from exchange.tables import cascade_runs, ledger

    engine = make_engine(database_url)
    async with mini_stack(database_url, nats_server, keys) as mini, exchanges(database_url, nats_server, keys, 1):
        central, _ = await _tree(mini, primaries=3)
        await eventually(lambda: _orgs_known(engine, 5), timeout=60)
        requests, token, material = await _material(nc, keys, central)
        poison = {"run_id": "poison", "cascade_id": "poison", "material_id": material, "from_org_id": central}
        poison |= {"on": date.today(), "to": ["no-such-org"], "created_at": clock.now().replace(year=2000)}
        async with engine.begin() as conn:  # a run for a child the sender no longer has, queued first
            await conn.execute(insert(cascade_runs).values(**poison))
        cascade = await requests.request("exchange", "cascade", {"material_id": material}, token=token)
        assert cascade.ok, cascade

        async def everyone_reached() -> bool:
            return len(await _delivered(engine)) == 4

        await eventually(everyone_reached, timeout=30)
        p = ledger.pending.c
        async with engine.connect() as conn:
            parked = (await conn.execute(select(p.aggregate_id, p.status, p.error).where(p.consumer == "cascades"))).all()
    await engine.dispose()
    [(run, status, reason)] = parked
    assert (run, status) == ("poison", "dead") and "no-such-org" in reason, reason
