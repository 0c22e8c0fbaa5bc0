"""A cascade over 1,000 primary orgs reaches each exactly once, even when the exchange or nats-server is killed midway."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.exchange import DeliveryDelivered
from kit import clock
from kit.db import make_engine
from kit.rpc import RequestClient
from kit.tokens import Actor, Role, Signer
from profset import cli
from profset.servers import free_port
from profset_testing import Keys, eventually, service_settings, stream_messages
from profset_testing.csv_files import union_files
from profset_testing.faults import record
from registry.config import RegistrySettings
from registry.main import create_service as create_registry


def start_exchange(database_url: str, nats_url: str, keys: Keys, log: Path) -> subprocess.Popen[bytes]:
    """The exchange as its own process, delivering in small chunks so there is a 'midway' to kill it in."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "TOKEN_PUBLIC_KEY": keys.public,
        "EXCHANGE_HTTP_PORT": str(free_port()),
        "EXCHANGE_CASCADE_CHUNK": "5",
    }
    return subprocess.Popen([sys.executable, "-m", "exchange"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.mark.parametrize("victim", ["exchange", "nats-server"])
async def test_a_cascade_over_1000_primary_orgs_delivers_once_each_across_a_kill(
    victim: str, database_url: str, nats_server: Any, keys: Keys, nc: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    settings = service_settings(database_url, nats_server.url, keys)
    engine = make_engine(database_url)
    async with create_registry(RegistrySettings(**settings | keys.sealing("registry"))).running():
        folder = tmp_path / "union"
        folder.mkdir()
        union_files(folder, territorial=10, primary=1000, members=0)
        (folder / "officers.csv").unlink()
        monkeypatch.setenv("DATABASE_URL", database_url)
        for key, value in keys.master_environment().items():
            monkeypatch.setenv(key, value)
        assert await asyncio.to_thread(cli.main, ["import", str(folder)]) == 0
        async with engine.connect() as conn:
            tree_end = (await conn.execute(select(func.max(_registry_events().c.position)))).scalar_one()

        exchange = start_exchange(database_url, nats_server.url, keys, tmp_path / "exchange.log")
        try:
            await eventually(lambda: _tree_caught_up(engine, tree_end), timeout=60)
            token = Signer(keys.private).sign(Actor("admin", Role.ADMIN, None), clock.now(), 600, "profset/exchange")
            cc = await _central(engine)
            requests = RequestClient(nc)
            material = await requests.request(
                "exchange",
                "draft_material",
                {"org_id": cc, "title": "Всем ППО", "body": "Текст", "kind": "announcement"},
                token=token,
            )
            assert material.ok, material.error
            material_id = material.data["id"]
            cascade = await requests.request(
                "exchange", "cascade", {"material_id": material_id}, token=token, command_id="cascade-1"
            )
            assert cascade.ok and cascade.data["targets"] == 1010, cascade
            await eventually(lambda: _delivered_at_least(engine, 50), timeout=60, interval=0.01)
            if victim == "exchange":
                exchange.send_signal(signal.SIGKILL)
                exchange.wait(10)
            else:
                nats_server.kill()  # -9: the exchange, the registry and this test all lose their connection
            midway = await _delivered(engine)
            assert 50 <= midway < 1010, f"killed midway, after {midway} deliveries"
            if victim == "exchange":
                exchange = start_exchange(database_url, nats_server.url, keys, tmp_path / "exchange.log")
            else:
                nats_server.start()  # same port, same store: as a supervisor would restart it
            await eventually(lambda: _delivered_is(engine, 1010), timeout=120)
            await asyncio.sleep(1.0)
            assert await _delivered(engine) == 1010
            await eventually(lambda: _published_is(nc, 1010), timeout=60)
        finally:
            exchange.send_signal(signal.SIGTERM)
            exchange.wait(20)
        record(f"{victim}_killed_mid_cascade", orgs=1010, delivered_before_kill=midway, **await _figures(engine, nc))
    figures = await _figures(engine, nc)
    await engine.dispose()
    assert figures == {"orgs_reached": 1010, "lost": 0, "duplicated": 0, "published": 1010, "duplicated_on_stream": 0}


async def _figures(engine: Any, nc: Any) -> dict[str, int]:
    """Deliveries in the read model and on the bus: every org exactly once."""
    async with engine.connect() as conn:
        per_org = dict((await conn.execute(select(_deliveries().c.org_id, func.count()).group_by(_deliveries().c.org_id))).all())
    published = Counter(h["ce-id"] for h in await _published(nc))
    return {
        "orgs_reached": len(per_org),
        "lost": 1010 - len(per_org),
        "duplicated": sum(n - 1 for n in per_org.values()),
        "published": len(published),
        "duplicated_on_stream": sum(n - 1 for n in published.values()),
    }


async def _published(nc: Any) -> list[dict[str, str]]:
    return [h for h, _ in await stream_messages(nc.jetstream(), "EXCHANGE") if h.get("ce-type") == DeliveryDelivered.ce_type()]


async def _published_is(nc: Any, n: int) -> bool:
    return len(await _published(nc)) == n


def _registry_events() -> Any:
    from registry.tables import ledger

    return ledger.events


def _deliveries() -> Any:
    from exchange.tables import deliveries

    return deliveries


async def _tree_caught_up(engine: Any, position: int) -> bool:
    from exchange.tables import ledger

    async with engine.connect() as conn:
        found = (
            await conn.execute(select(ledger.checkpoints.c.position).where(ledger.checkpoints.c.source == "registry"))
        ).scalar()
    return found is not None and found >= position


async def _central(engine: Any) -> str:
    from exchange.tables import TREE

    async with engine.connect() as conn:
        return str((await conn.execute(select(TREE.orgs.c.org_id).where(TREE.orgs.c.level == "central"))).scalar_one())


async def _delivered(engine: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(_deliveries()))).scalar_one())


async def _delivered_at_least(engine: Any, n: int) -> bool:
    return await _delivered(engine) >= n


async def _delivered_is(engine: Any, n: int) -> bool:
    return await _delivered(engine) == n
