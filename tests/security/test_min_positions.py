"""`Profset-Min-Positions` can't be abused (issue 27): a position beyond a ledger's end is refused at once, and one
user's waits hold none of a service's request workers and are bounded, so another user is answered meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest

from profset_testing import ADMIN_PASSWORD, ChatApi, Keys, Stack, eventually, start_stack
from profset_testing.api import register

WAITERS = 6
"""Users who each send more waiting requests than their share: together more waits than exchange has workers (16)."""


async def union(stack: Stack, h: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A central committee and a primary org under it (through a territorial one)."""
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    t = await register(stack, h, name="Северная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    return cc, await register(stack, h, name="ППО", level="primary", parent_id=t["id"], registered_on="1995-01-01")


async def registry_write(stack: Stack, h: dict[str, str], primary: dict[str, Any]) -> str:
    """The `Profset-Positions` of a fresh write to the registry."""
    reply = await stack.http.post(f"/api/v1/orgs/{primary['id']}/headcount", json={"members": 10}, headers=h)
    assert reply.status_code == 201, reply.text
    return reply.headers["Profset-Positions"]


async def test_a_made_up_position_is_refused_at_once_naming_the_header_and_the_context(stack: Stack) -> None:
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc, primary = await union(stack, h)
    positions = await registry_write(stack, h, primary)
    written = json.loads(positions)
    for header, rule in (
        ({"registry": 999_999_999}, "ledger_end"),
        ({"registry": written["registry"] + 1}, "ledger_end"),
        ({"nowhere": 1}, "context"),
        ({"registry": -1}, "ge"),
    ):
        reply = await stack.http.get("/api/v1/orgs", headers={**h, "Profset-Min-Positions": json.dumps(header)})
        assert reply.status_code == 422, (header, reply.text)
        context = next(iter(header))
        assert [(d["field"], d["rule"]) for d in reply.json()["error"]["details"]] == [(f"Profset-Min-Positions.{context}", rule)]
        said = reply.json()["error"]["message"].replace(f" {header[context]}", "")
        assert f" {written['registry']}" not in said, "where a ledger ends tells of others' writes"
    nested = '{"a":' * 5000 + "1" + "}" * 5000  # the parser recursed away: 503 before
    for raw in ("1e999", '{"registry": 1e999}', "[1]", nested, '{"registry": true}', '{"registry": 1.5}', '{"registry": "12"}'):
        reply = await stack.http.get("/api/v1/orgs", headers={**h, "Profset-Min-Positions": raw})
        assert reply.status_code == 422, (raw, reply.text)
    fine = await stack.http.get(f"/api/v1/orgs/{cc['id']}/inbox", headers={**h, "Profset-Min-Positions": positions})
    assert fine.status_code == 200, "a position the ledger has reached is waited for"


async def ledger_end(database_url: str, context: str) -> int:
    """The last position of a context's ledger, read from PostgreSQL."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        row = await (await conn.execute(f"SELECT max(position) FROM {context}.events")).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
async def patient_stack(
    database_url: str, nats_server: Any, keys: Keys, smtp: Any, chat: ChatApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    """The stack, its exchange waiting up to 8 s for min_positions (under the gateway's 10 s request timeout) and queueing
    one wait of a caller behind its four."""
    monkeypatch.setenv("EXCHANGE_READ_WAIT_SECONDS", "8")
    monkeypatch.setenv("EXCHANGE_READ_WAITS_QUEUED_PER_CALLER", "1")  # four looking, one queued, the sixth refused
    async with start_stack(database_url, nats_server, keys, smtp, chat) as started:
        yield started


@contextlib.asynccontextmanager
async def exchange_stalled(database_url: str) -> AsyncIterator[None]:
    """Exchange's projector can't record what it applies (a transaction holds its checkpoints), so whoever waits for a
    registry position exchange has not applied waits until the block is lifted."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        await conn.execute("LOCK TABLE exchange.checkpoints IN EXCLUSIVE MODE")
        yield
        await conn.rollback()


async def test_one_users_waits_leave_another_user_answered(patient_stack: Stack, database_url: str) -> None:
    stack = patient_stack
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc, primary = await union(stack, h)
    names = [f"waiter{i}" for i in range(WAITERS)] + ["bystander"]
    for name in names:
        body = {"username": name, "password": "a-long-password", "role": "viewer", "org_id": cc["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    users = {name: await stack.login(name, "a-long-password") for name in names}
    inbox = f"/api/v1/orgs/{cc['id']}/inbox"

    async with exchange_stalled(database_url):
        # a change to the tree, which exchange mirrors and can't apply for now: a real position to wait for
        await register(stack, h, name="ППО-2", level="primary", parent_id=primary["parent_id"], registered_on="2000-01-01")
        owed = json.dumps({"registry": await ledger_end(database_url, "registry")})
        waits = [
            asyncio.create_task(stack.http.get(inbox, headers={**users[name], "Profset-Min-Positions": owed}))
            for name in names[:-1]
            for _ in range(6)
        ]
        await eventually(lambda: _answered(waits, WAITERS))  # past five a caller: answered at once
        for _ in range(5):
            answered = await stack.http.get(inbox, headers=users["bystander"])
            assert answered.status_code == 200, answered.text
        still = [w for w in waits if not w.done()]
        refused = [w.result() for w in waits if w.done()]
        assert len(still) == WAITERS * 5, "each waiter's five waits still wait, after the bystander was answered"
        assert [r.status_code for r in refused] == [429] * WAITERS, "past five a caller, refused at once"
        assert {r.json()["error"]["details"][0]["field"] for r in refused} == {"min_positions"}
    caught_up: list[httpx.Response] = await asyncio.gather(*still)
    assert [r.status_code for r in caught_up] == [200] * (WAITERS * 5), "once exchange applied it, each wait is answered"


async def _answered(requests: list[asyncio.Task[httpx.Response]], at_least: int) -> bool:
    return sum(r.done() for r in requests) >= at_least
