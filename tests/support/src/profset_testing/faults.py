"""Helpers of the fault-injection tests (tests/faults, and the suites that report figures the same way): a small stack,
a command burst, a ledger-vs-stream audit, and figures."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from kit.db import make_engine

from .counting import seen, times_seen
from .keys import Keys
from .servers import stream_keeper
from .stack import ADMIN_PASSWORD, service_settings
from .traces import stream_messages
from .waiting import eventually

RESULTS = Path(os.environ.get("RELIABILITY_RESULTS", Path(__file__).resolve().parents[4] / ".data" / "reliability.jsonl"))
"""Where the figures go: .data/reliability.jsonl of the repository, unless RELIABILITY_RESULTS names another file."""


def record(test: str, **figures: Any) -> None:
    """Appends one test's figures to the results file that docs/reliability.md reports."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps({"test": test, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **figures}) + "\n")


@dataclass
class Mini:
    """The registry and the gateway, in this event loop, with an admin's headers."""

    http: httpx.AsyncClient
    registry: Any
    headers: dict[str, str] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def mini_stack(
    database_url: str, nats: Any, keys: Keys, registry_settings: Mapping[str, Any] | None = None
) -> AsyncIterator[Mini]:
    """Registry and gateway against the given servers (enough for a command burst through HTTP)."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings
    from registry.config import RegistrySettings
    from registry.main import create_service

    shared = service_settings(database_url, nats.url, keys)
    own = nats.login("registry") | keys.sealing("registry") | dict(registry_settings or {})
    registry = create_service(RegistrySettings(**shared | own))
    gateway = GatewaySettings(
        **shared | nats.login("gateway"), token_private_key=keys.private, admin_password=ADMIN_PASSWORD, request_timeout=3
    )
    app = create_app(gateway)
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(stream_keeper(nats))  # the registry may not make its stream again itself
        await running.enter_async_context(registry.running())
        await running.enter_async_context(app.router.lifespan_context(app))
        http = await running.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", timeout=30)
        )
        token = await http.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert token.status_code == 200, token.text
        yield Mini(http, registry, {"Authorization": f"Bearer {token.json()['access_token']}"})


async def primary_org(mini: Mini) -> str:
    """A central, a territorial and a primary org; the primary's id."""
    parent = None
    for level in ("central", "territorial", "primary"):
        body = {"name": f"Орг {level}", "level": level, "parent_id": parent, "registered_on": "1990-01-01"}
        reply = await mini.http.post("/api/v1/orgs", json=body, headers=mini.headers)
        assert reply.status_code == 201, reply.text
        parent = reply.json()["id"]
    assert parent is not None
    return str(parent)


@dataclass
class Burst:
    """Headcount reports sent through the gateway, each with its own Idempotency-Key, and what each got."""

    mini: Mini
    org: str
    answers: dict[str, int] = field(default_factory=dict)
    """command id -> the last HTTP status (0: no answer at all)."""

    def key(self, i: int) -> str:
        return f"burst-{self.org}-{i}"

    async def send(self, i: int) -> int:
        body = {"members": 100 + i, "as_of": (date(2000, 1, 1) + timedelta(days=i)).isoformat()}
        headers = self.mini.headers | {"Idempotency-Key": self.key(i)}
        try:
            reply = await self.mini.http.post(f"/api/v1/orgs/{self.org}/headcount", json=body, headers=headers)
            status = reply.status_code
            assert status in (201, 503), reply.text  # a fault is `unavailable`, never a 500
        except httpx.HTTPError:
            status = 0
        self.answers[self.key(i)] = status
        return status

    async def run(
        self, n: int, window: int = 8, midway: Callable[[], Coroutine[Any, Any, None]] | None = None, at: int = 0
    ) -> None:
        """Sends n commands, `window` at a time; calls `midway` (the fault) once `at` have been answered."""
        pending = iter(range(n))
        fault: asyncio.Task[None] | None = None

        async def worker() -> None:
            nonlocal fault
            for i in pending:
                await self.send(i)
                if midway is not None and fault is None and len(self.answers) >= at:
                    fault = asyncio.create_task(midway())

        await asyncio.gather(*(worker() for _ in range(window)))
        if fault is not None:
            await fault

    def ok(self) -> set[str]:
        return {k for k, s in self.answers.items() if s == 201}

    def command_ids(self) -> set[str]:
        """The ledger's command ids of the commands answered ok (the gateway scopes a key to its user)."""
        return {hashlib.sha256(f"admin\x1f{k}".encode()).hexdigest() for k in self.ok()}

    async def retry_failed(self, n: int) -> bool:
        """Sends again, with the same keys, every command not yet answered ok; true once all are."""
        for i in range(n):
            if self.answers.get(self.key(i)) != 201:
                await self.send(i)
        return len(self.ok()) == n


async def audit(database_url: str, nc: Any, command_ids: set[str], context: str = "registry") -> dict[str, int]:
    """Ledger against commands and stream against ledger: events checked, lost and duplicated."""
    from registry.tables import ledger

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ledger.events.c.event_id, ledger.events.c.command_id, ledger.events.c.position))).all()
    await engine.dispose()
    per_command = Counter(r.command_id for r in rows if r.command_id in command_ids)
    on_stream = Counter(h["ce-id"] for h, _ in await stream_messages(nc.jetstream(), context.upper()))
    ledger_ids = {str(r.event_id) for r in rows}
    return {
        "commands_ok": len(command_ids),
        "events_checked": len(rows),
        "lost_from_ledger": sum(1 for c in command_ids if per_command[c] == 0),
        "duplicated_in_ledger": sum(n - 1 for n in per_command.values()),
        "lost_from_stream": sum(1 for e in ledger_ids if on_stream[e] == 0),
        "duplicated_on_stream": sum(n - 1 for n in on_stream.values()),
        "strangers_on_stream": sum(1 for e in on_stream if e not in ledger_ids),
    }


async def recovered(burst: Burst, n: int, database_url: str, nc: Any) -> dict[str, int]:
    """After the fault: sends every command not answered ok again (same keys) until all are, then waits until the
    ledger and the stream are clean; the audit's figures."""
    await eventually(lambda: burst.retry_failed(n), timeout=60, interval=0.2)
    figures: dict[str, int] = {}

    async def settled() -> bool:
        figures.update(await audit(database_url, nc, burst.command_ids()))
        assert clean(figures), figures
        return True

    await eventually(settled, timeout=60, interval=0.3)
    return figures


def clean(figures: dict[str, int]) -> bool:
    """Nothing lost, nothing doubled, nothing on the stream that the ledger does not hold."""
    return not any(v for k, v in figures.items() if k.startswith(("lost", "duplicated", "strangers")))


async def counting_schema(database_url: str) -> Any:
    """The kit tests' counting read model (`kit_test.seen`: how often each event was applied) in this database."""
    from kit.store import create_ledger

    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS kit_test")
        await conn.run_sync(lambda sync: create_ledger(sync, "kit_test"))
        await conn.run_sync(lambda sync: seen.create(sync, checkfirst=True))
    return engine


async def applied(engine: Any) -> dict[str, int]:
    """event id -> times the counting read model applied it."""
    return await times_seen(engine)


async def ledger_ids(database_url: str) -> set[str]:
    """Every event id of the registry's ledger."""
    from registry.tables import ledger

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        found = {str(r[0]) for r in await conn.execute(select(ledger.events.c.event_id))}
    await engine.dispose()
    return found


async def restart(server: Any) -> None:
    """Starts PostgreSQL again; after a kill -9 its backends take a moment to notice and let go of shared memory."""
    for _ in range(100):
        try:
            await asyncio.to_thread(server.start)
            return
        except Exception:
            await asyncio.sleep(0.1)
    await asyncio.to_thread(server.start)
