"""`profset` rebuild, republish and replay against real servers, with exit codes a script can trust."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from profset.bus import replicas_for
from profset_testing import ADMIN_PASSWORD, Stack, eventually, stream_messages


def profset(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profset", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def operator_env(stack: Stack, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", *stack.keys.master_environment())}
    env |= {"PROFSET_DATA": str(tmp_path / "none"), "DATABASE_URL": stack.database_url, "NATS_URL": stack.nats_url}
    return env | stack.keys.master_environment()


async def positions(nats_url: str) -> list[int]:
    nc = await nats.connect(nats_url)
    try:
        return [int(h["ce-sequence"]) for h, _ in await stream_messages(nc.jetstream(), "REGISTRY")]
    finally:
        await nc.close()


async def test_republish_rebuilds_the_stream_from_a_position_and_the_relay_carries_on(stack: Stack, tmp_path: Path) -> None:
    h = await stack.login("admin", ADMIN_PASSWORD)
    central = await stack.http.post("/api/v1/orgs", json={"name": "ЦК", "level": "central"}, headers=h)
    cc = central.json()["id"]
    for name in ("Северная", "Южная"):
        reply = await stack.http.post("/api/v1/orgs", json={"name": name, "level": "territorial", "parent_id": cc}, headers=h)
        assert reply.status_code == 201, reply.text
    published = await eventually(lambda: _with_at_least(stack.nats_url, 3))
    env = operator_env(stack, tmp_path)

    done = await asyncio.to_thread(profset, "republish", "registry", "--from", str(published[1]), env=env)

    assert done.returncode == 0, done.stderr
    assert "republishing REGISTRY [" in done.stderr and "republished 2 events of registry to REGISTRY (R1)" in done.stdout
    assert await positions(stack.nats_url) == published[1:]
    reply = await stack.http.post("/api/v1/orgs", json={"name": "Новая", "level": "territorial", "parent_id": cc}, headers=h)
    assert reply.status_code == 201
    # the relay notices the new tail when idle, or once its publish is refused (nats-py leaves that one hanging)
    after = await eventually(lambda: _with_at_least(stack.nats_url, 3), timeout=60)
    assert after[:2] == published[1:] and after[2] > published[-1], "the relay went on after the republished tail"


@pytest.mark.parametrize(
    ("asked", "current", "setting", "replicas"),
    [
        (None, 3, "1", 3),  # a cluster's stream keeps its R3 whatever a pod's setting says
        (None, None, "3", 3),  # a stream that is gone takes the deployment's setting
        (None, None, None, 1),
        (1, 3, "3", 1),  # the operator's word wins
    ],
)
def test_a_republished_stream_keeps_its_replicas(
    asked: int | None, current: int | None, setting: str | None, replicas: int
) -> None:
    assert replicas_for(asked, current, setting) == replicas


async def _with_at_least(nats_url: str, count: int) -> list[int]:
    found = await positions(nats_url)
    return found if len(found) >= count else []


async def test_rebuild_and_replay_report_their_work_and_missing_settings_exit_2(stack: Stack, tmp_path: Path) -> None:
    env = operator_env(stack, tmp_path)

    rebuilt = await asyncio.to_thread(profset, "rebuild", "contacts", env=env)
    replayed = await asyncio.to_thread(profset, "replay", "notifications", env=env)
    unset = await asyncio.to_thread(profset, "rebuild", "exchange", env={**env, "DATABASE_URL": ""})
    unknown = await asyncio.to_thread(profset, "rebuild", "nobody", env=env)

    assert rebuilt.returncode == 0 and "rebuilt contacts's read models from" in rebuilt.stdout, rebuilt.stderr
    assert replayed.returncode == 0 and "notifications_registry: applied 0, still failing 0" in replayed.stdout
    assert unset.returncode == 2 and "DATABASE_URL" in unset.stderr
    assert unknown.returncode == 2


async def test_status_shows_each_ledger_its_relay_and_the_consumers(stack: Stack, tmp_path: Path) -> None:
    h = await stack.login("admin", ADMIN_PASSWORD)
    assert (await stack.http.post("/api/v1/orgs", json={"name": "ЦК", "level": "central"}, headers=h)).status_code == 201

    async def relayed() -> str:
        shown = await asyncio.to_thread(profset, "status", env=operator_env(stack, tmp_path))
        assert shown.returncode == 0, shown.stderr
        return shown.stdout if "relay behind" not in shown.stdout and "contacts_registry-mirror" in shown.stdout else ""

    shown = await eventually(relayed, timeout=30)

    registry = next(line.split() for line in shown.splitlines() if line.startswith("registry"))
    assert registry[1] == "ledger" and int(registry[2]) >= 1 and registry[4] == registry[2]
    assert "notifications_registry" in shown and "exchange_tree" in shown
