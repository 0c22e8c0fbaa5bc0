"""Two instances of every service and of the gateway at once: each event published once, each letter sent once, and
read models equal to what single instances build by replaying the same history from scratch."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

from sqlalchemy import Table, delete, select, text

from contracts.envelope import STREAMS
from kit.db import make_engine
from profset_testing import ChatApi, Keys, Stack, eventually, start_stack, stream_messages
from profset_testing.api import NEWS, admit, chain, get, person, post
from profset_testing.faults import record

SERVICES = ("registry", "contacts", "exchange", "notifications", "audits", "kpi", "appeals")
WORK_QUEUES = {
    "exchange.cascade_runs": "the cascade runner's queue: when a run finished is the runner's, not history's",
    "notifications.outbox": "the sender's queue and its record of what went out: forgetting it would send again",
}
"""Tables that hold work in progress, not a view of history: kept through the reset, checked by their own counts."""


async def test_two_instances_of_everything_publish_send_and_project_once(
    database_url: str, nats_server: Any, keys: Keys, smtp: Any, chat: ChatApi, nc: Any
) -> None:
    async with start_stack(database_url, nats_server, keys, smtp, chat, instances=2) as stack:
        assert len(stack.replicas) == len(SERVICES)
        handled = _count_requests([*stack.services.values(), *stack.replicas])
        await _union_at_work(stack)
        # NATS picks one member of a queue group at random: with about 30 requests, each registry answered some
        assert handled["registry"] and handled["registry'"], handled
        await eventually(lambda: _settled(stack), timeout=60, interval=0.5)
        doubled = await read_models(database_url)
        letters = [m["Message-ID"] for m in smtp.letters]
        sent = await _count(database_url, "SELECT count(*) FROM notifications.outbox WHERE status = 'sent' AND channel = 'email'")
        assert await _count(database_url, DELIVERIES_TWICE) == 0, "each cascade reaches each org once"
        published = await _published_once(database_url, nc)
    assert letters and len(letters) == len(set(letters)), "each letter once"
    assert sent == len(letters), "as many letters as the outbox says went out"

    await reset_read_models(database_url)
    async with start_stack(database_url, nats_server, keys, smtp, chat) as single:
        for service in single.services.values():
            await service.rebuild()
        await eventually(lambda: _equal_to(database_url, doubled), timeout=90, interval=1.0)
    assert len(smtp.letters) == len(letters), "a replay of history sends nothing again"
    record(
        "two_of_everything",
        instances=2,
        events_published=sum(published.values()),
        duplicated_on_streams=0,
        letters=len(letters),
        letters_sent_twice=0,
        read_model_tables=len(doubled),
        read_model_rows=sum(len(rows) for rows in doubled.values()),
        tables_differing_from_replay=0,
        requests_per_instance=handled,
    )


async def _union_at_work(stack: Stack) -> None:
    """A day's work across every service: orgs, members, officers with addresses, headcounts, materials up and down."""
    h, o = await chain(stack)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    activist, ha = await person(stack, h, o["p3"]["id"], "Активист", role="info_activist")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    consent = {"given_at": "2026-01-01", "method": "written"}
    point = {"kind": "personal_email", "value": "act@mail.ru", "consent": consent}
    await post(stack, ha, f"/api/v1/people/{activist}/contact-points", point)
    for i in range(12):
        await admit(stack, h, o["p1" if i % 2 else "p4"]["id"], full_name=f"Член {i}", since="2015-01-01")
    for org in ("p1", "p3", "p4"):
        await post(stack, h, f"/api/v1/orgs/{o[org]['id']}/headcount", {"members": 150, "as_of": "2026-01-01"})
    for title in ("Индексация", "Коллективный договор", "Спартакиада"):
        material = (await post(stack, h, "/api/v1/materials", {**NEWS, "title": title, "org_id": o["cc"]["id"]}))["id"]
        await post(stack, h, f"/api/v1/materials/{material}/cascade", {}, 202)
    up = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["p1"]["id"], "newsworthy": True}))["id"]
    await post(stack, h, f"/api/v1/materials/{up}/send-up", {}, 202)
    await get(stack, h, f"/api/v1/orgs/{o['cc']['id']}/compliance")


async def _settled(stack: Stack) -> bool:
    """Every consumer has applied its whole source stream and no letter is waiting."""
    engine = make_engine(stack.database_url)
    try:
        async with engine.connect() as conn:
            for name in SERVICES:
                ledger = _ledger(name)
                for source, position in (
                    await conn.execute(select(ledger.checkpoints.c.source, ledger.checkpoints.c.position))
                ).all():
                    head = (await conn.execute(select(text("max(position)")).select_from(_ledger(source).events))).scalar()
                    assert position >= (head or 0), f"{name} behind on {source}: {position} < {head}"
            waiting = (await conn.execute(text("SELECT count(*) FROM notifications.outbox WHERE status = 'pending'"))).scalar()
            assert waiting == 0, f"{waiting} letters still pending"
    finally:
        await engine.dispose()
    return True


async def _published_once(database_url: str, nc: Any) -> dict[str, int]:
    """Each service's stream holds each event of its ledger exactly once; events per stream."""
    engine = make_engine(database_url)
    found = {}
    async with engine.connect() as conn:
        for name in SERVICES:
            in_ledger = {str(r[0]) for r in await conn.execute(select(_ledger(name).events.c.event_id))}
            on_stream = Counter(h["ce-id"] for h, _ in await stream_messages(nc.jetstream(), STREAMS[name]))
            assert set(on_stream) == in_ledger, f"{name}: the stream differs from the ledger"
            assert max(on_stream.values(), default=1) == 1, f"{name}: an event published twice"
            found[name] = len(in_ledger)
    await engine.dispose()
    return found


def _count_requests(instances: list[Any]) -> Counter[str]:
    """Counts the requests each instance answers (the second of a service is named with a prime)."""
    handled: Counter[str] = Counter()
    for instance in instances:
        name = instance.name + ("'" if instance.name in handled else "")
        handled[name] = 0
        dispatcher, answer = instance.dispatcher, instance.dispatcher.handle

        async def counted(*args: Any, _name: str = name, _answer: Any = answer) -> Any:
            handled[_name] += 1
            return await _answer(*args)

        dispatcher.handle = counted
    return handled


DELIVERIES_TWICE = (
    "SELECT count(*) FROM (SELECT material_id, org_id FROM exchange.deliveries GROUP BY 1, 2 HAVING count(*) > 1) twice"
)


async def _count(database_url: str, query: str) -> int:
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        found = int((await conn.execute(text(query))).scalar_one())
    await engine.dispose()
    return found


def _ledger(name: str) -> Any:
    return importlib.import_module(f"{name}.tables").ledger


def _read_model_tables(name: str) -> list[Table]:
    """The service's tables that are not its ledger: everything a replay builds again."""
    ledger = _ledger(name)
    kept = {t for t in vars(ledger).values() if isinstance(t, Table)}
    return [t for t in ledger.metadata.sorted_tables if t not in kept and f"{t.schema}.{t.name}" not in WORK_QUEUES]


async def read_models(database_url: str) -> dict[str, list[str]]:
    """Every row of every read model of every service, as sorted text."""
    engine = make_engine(database_url)
    dump = {}
    async with engine.connect() as conn:
        for name in SERVICES:
            for table in _read_model_tables(name):
                rows = await conn.execute(text(f'SELECT t::text FROM "{table.schema}"."{table.name}" t'))
                dump[f"{table.schema}.{table.name}"] = sorted(r[0] for r in rows)
    await engine.dispose()
    return dump


async def reset_read_models(database_url: str) -> None:
    """Empties every read model, checkpoint and retry row, so the next start replays all history from scratch."""
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        for name in SERVICES:
            for table in _read_model_tables(name):
                await conn.execute(delete(table))
            ledger = _ledger(name)
            await conn.execute(delete(ledger.checkpoints))
            await conn.execute(delete(ledger.pending))
    await engine.dispose()


async def _equal_to(database_url: str, expected: dict[str, list[str]]) -> bool:
    """Whether the replay has built every read model row for row as the doubled stack did (else, how they differ)."""
    now = await read_models(database_url)
    differing = [t for t in expected if now.get(t) != expected[t]]
    assert not differing, {t: _diff(expected[t], now.get(t, [])) for t in differing}
    return True


def _diff(before: list[str], after: list[str]) -> dict[str, list[str]]:
    return {"only_doubled": sorted(set(before) - set(after))[:3], "only_replayed": sorted(set(after) - set(before))[:3]}
