"""kill -9 the appeals service in the middle of an escalator's tick over many late appeals (issue 30, D1): restarted,
it escalates every late appeal exactly once — once on the ledger, once on the APPEALS stream — and the parent org's
post holder is told once per escalation. The appeals service runs as its own process (tests/faults/escalating.py),
its escalator on a clock the test moves; the rest of the stack runs in the test's loop against the same servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from appeals.tables import ledger
from notifications.tables import outbox
from sqlalchemy import func, select

from contracts.appeals import AppealEscalated
from kit.db import make_engine
from profset.dbroles import as_role
from profset.servers import NatsServer, free_port
from profset_testing import ADMIN_PASSWORD, Keys, Stack, eventually, stream_messages
from profset_testing.api import person, post, union
from profset_testing.faults import record
from profset_testing.servers import ChatApi, stream_keeper
from profset_testing.stack import _services, service_settings

APPEALS = 120
"""Late appeals, enough that one tick takes a while to escalate them all."""
SITUATION = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
ESCALATED = AppealEscalated.ce_type()


def start_appeals(database_url: str, nats_server: NatsServer, keys: Keys, clock_file: Path, log: Path) -> subprocess.Popen[bytes]:
    """The appeals service as its own process, escalating on the test's clock every fifth of a second, all at once."""
    login = nats_server.login("appeals")
    env = {
        **os.environ,
        "DATABASE_URL": as_role(database_url, "appeals"),
        "NATS_URL": login["nats_url"],
        "APPEALS_NATS_USER": login.get("nats_user", ""),
        "APPEALS_NATS_PASSWORD": login.get("nats_password", ""),
        "TOKEN_PUBLIC_KEY": keys.public,
        "SERVICE_PUBLIC_KEYS": json.dumps({"notifications": keys.notifications_public}),
        "APPEALS_MASTER_KEY": keys.masters["appeals"],
        "APPEALS_HTTP_PORT": str(free_port()),
        "APPEALS_ESCALATE_EVERY_SECONDS": "0.2",
        "APPEALS_ESCALATIONS_PER_TICK": "5000",
        "APPEALS_TEST_CLOCK": str(clock_file),
    }
    script = Path(__file__).with_name("escalating.py")
    return subprocess.Popen([sys.executable, str(script)], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


@contextlib.asynccontextmanager
async def all_but_appeals(
    database_url: str, nats_server: NatsServer, keys: Keys, smtp: Any, chat: ChatApi
) -> AsyncIterator[Stack]:
    """Every other service and the gateway in this loop, as the test stack runs them."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    shared = service_settings(database_url, nats_server.url, keys)
    services = _services(shared, nats_server.login, keys, smtp, chat)
    del services["appeals"]
    gateway = GatewaySettings(
        **shared | nats_server.login("gateway") | {"database_url": as_role(database_url, "gateway")},
        token_private_key=keys.private,
        admin_password=ADMIN_PASSWORD,
    )
    app = create_app(gateway)
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(stream_keeper(nats_server))
        for service in services.values():
            await running.enter_async_context(service.running())
        await running.enter_async_context(app.router.lifespan_context(app))
        http = await running.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", timeout=30)
        )
        yield Stack(http, keys, services, nats_server.url, database_url, app)


async def test_a_kill_mid_escalation_loses_and_doubles_no_escalation_nor_its_letter(
    database_url: str, nats_server: NatsServer, keys: Keys, smtp: Any, chat: ChatApi, nc: Any, tmp_path: Path
) -> None:
    clock_file, log = tmp_path / "clock", tmp_path / "appeals.log"
    clock_file.write_text("0")
    engine = make_engine(database_url)
    appeals = start_appeals(database_url, nats_server, keys, clock_file, log)
    try:
        async with all_but_appeals(database_url, nats_server, keys, smtp, chat) as stack:
            h, _, territorial, primary = await union(stack)
            put = await eventually(lambda: _defined(stack, h), timeout=60)  # once the process answers
            assert put
            chair, hc = await person(stack, h, territorial["id"], "Председатель теркома", role="chair")
            await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@t.ru"})
            members = [await person(stack, h, primary["id"], f"Член {i}") for i in range(4)]
            filed: list[str] = []
            for chunk in range(0, APPEALS, 20):
                bodies = [
                    ({"person_id": members[i % 4][0], "situation_id": "wage_arrears", "text": f"Долг {i}"}, members[i % 4][1])
                    for i in range(chunk, chunk + 20)
                ]
                done = await asyncio.gather(*(post(stack, wait, "/api/v1/appeals", body) for body, wait in bodies))
                filed += [d["id"] for d in done]
            assert await _escalated(engine) == 0, "nothing is late on the wall clock"

            clock_file.write_text("25")  # a day and an hour later: every appeal is late at P1
            await eventually(lambda: _escalated_at_least(engine, 15), timeout=60, interval=0.005)
            appeals.send_signal(signal.SIGKILL)
            appeals.wait(10)
            midway = await _escalated(engine)
            assert 15 <= midway < APPEALS, f"killed mid-tick, after {midway} escalations"

            appeals = start_appeals(database_url, nats_server, keys, clock_file, log)
            await eventually(lambda: _escalated_at_least(engine, APPEALS), timeout=120)
            await asyncio.sleep(1.5)  # several more ticks on the same clock: nothing goes up twice
            per_appeal = await _escalations_per_appeal(engine)
            await eventually(lambda: _published_at_least(nc, APPEALS), timeout=60)
            published = await _published(nc)
            told = await eventually(lambda: _told(engine, chair, APPEALS), timeout=60)
            await eventually(lambda: _letters_at_least(smtp, "chair@t.ru", APPEALS), timeout=180)
            letters = Counter(_appeal_of(m) for m in smtp.letters if m["To"] == "chair@t.ru")
    finally:
        appeals.send_signal(signal.SIGTERM)
        appeals.wait(20)
        await engine.dispose()

    figures = {
        "appeals": APPEALS,
        "escalated_before_kill": midway,
        "lost": APPEALS - len(per_appeal),
        "doubled": sum(n - 1 for n in per_appeal.values()),
        "published": len(published),
        "doubled_on_stream": sum(n - 1 for n in published.values()),
        "parent_told": len(told),
        "parent_told_twice": sum(n - 1 for n in told.values()),
        "letters_twice": sum(n - 1 for n in letters.values()),
    }
    record("appeals_killed_mid_escalation", **figures)
    assert set(per_appeal) == set(filed) and set(published) == set(filed) and set(told) == set(filed)
    assert set(letters) == set(filed), "the parent's post holder has a letter for every escalation"
    assert figures | {"escalated_before_kill": 0} == {
        "appeals": APPEALS,
        "escalated_before_kill": 0,
        "lost": 0,
        "doubled": 0,
        "published": APPEALS,
        "doubled_on_stream": 0,
        "parent_told": APPEALS,
        "parent_told_twice": 0,
        "letters_twice": 0,
    }, figures


async def _defined(stack: Stack, h: dict[str, str]) -> bool:
    reply = await stack.http.put("/api/v1/life-situations/wage_arrears", json=SITUATION, headers=h)
    assert reply.status_code == 200, reply.text
    return True


async def _escalations_per_appeal(engine: Any) -> Counter[str]:
    e = ledger.events.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(e.stream_id, func.count()).where(e.type == ESCALATED).group_by(e.stream_id))
        return Counter({stream.removeprefix("appeal-"): n for stream, n in rows})


async def _escalated(engine: Any) -> int:
    return sum((await _escalations_per_appeal(engine)).values())


async def _escalated_at_least(engine: Any, n: int) -> bool:
    found = await _escalated(engine)
    assert found >= n, f"{found} escalated"
    return True


async def _published(nc: Any) -> Counter[str]:
    """Escalations on the APPEALS stream, by appeal."""
    return Counter(h["ce-subject"] for h, _ in await stream_messages(nc.jetstream(), "APPEALS") if h.get("ce-type") == ESCALATED)


async def _published_at_least(nc: Any, n: int) -> bool:
    found = sum((await _published(nc)).values())
    assert found >= n, f"{found} published"
    return True


async def _told(engine: Any, chair: str, n: int) -> Counter[str] | None:
    """The chair's outbox rows of escalations, by appeal, once there are n appeals among them."""
    o = outbox.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(o.trigger, o.channel).where(
                o.recipient_id == chair, o.trigger.like("appeal-escalated:%"), o.channel == "email"
            )
        )
        told = Counter(trigger.split(":")[1] for trigger, _ in rows)
    return told if len(told) >= n else None


async def _letters_at_least(smtp: Any, address: str, n: int) -> bool:
    found = len([m for m in smtp.letters if m["To"] == address])
    assert found >= n, f"{found} letters"
    return True


def _appeal_of(letter: Any) -> str:
    text = str(letter.get_body(preferencelist=("plain",)).get_content())
    return text.split("Номер обращения: ")[1].split(maxsplit=1)[0]
