"""kill -9 a consuming process in the middle of a projection: it catches up, nothing applied twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from contracts.registry import HeadcountReported
from kit.relay import Relay
from kit.store import EventStore
from profset_testing import eventually, running
from profset_testing.faults import applied, counting_schema, ledger_ids, record
from registry.tables import ledger

EVENTS = 1000


def start(database_url: str, nats_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "NATS_URL": nats_url}
    script = Path(__file__).with_name("projecting.py")
    return subprocess.Popen([sys.executable, str(script)], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_a_projector_killed_midway_catches_up_and_applies_each_event_once(
    database_url: str, nats_server: Any, nc: Any, tmp_path: Path
) -> None:
    engine = await counting_schema(database_url)
    store = EventStore(engine, ledger, "registry")
    relay = Relay(engine, ledger, "registry", nc)
    store.on_commit.append(relay.notify)
    async with running(relay):
        for chunk in range(0, EVENTS, 250):  # 1,000 headcount reports of 30 orgs
            events = [
                HeadcountReported(org_id=f"org-{i % 30}", members=i, as_of=date(2000, 1, 1) + timedelta(days=i))
                for i in range(chunk, chunk + 250)
            ]
            await store.append(f"headcount-{chunk}", events, expected_version=None)
        expected = await ledger_ids(database_url)
        first = start(database_url, nats_server.url, tmp_path / "projector.log")
        try:
            await eventually(lambda: _applied_at_least(engine, 100), timeout=60, interval=0.01)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        midway = len(await applied(engine))
        second = start(database_url, nats_server.url, tmp_path / "projector.log")
        try:
            await eventually(lambda: _applied_at_least(engine, EVENTS), timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    times = await applied(engine)
    await engine.dispose()
    twice = sum(1 for n in times.values() if n > 1)
    record("projector_killed_midway", events_checked=len(expected), killed_after=midway, applied=len(times), applied_twice=twice)
    assert 100 <= midway < EVENTS, f"killed midway, after {midway}"
    assert set(times) == expected and twice == 0


async def _applied_at_least(engine: Any, n: int) -> bool:
    found = len(await applied(engine))
    assert found >= n, f"{found} applied"
    return True
