"""Two instances of every service and of the gateway at once: each event published once, each letter sent once, and
read models equal to what single instances build by replaying the same history from scratch."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Table, delete, text

from kit.db import make_engine
from profset_testing import ChatApi, Keys, Stack, eventually, start_stack
from profset_testing.api import NEWS, admit, chain_with_addressees, get, post
from profset_testing.faults import record
from profset_testing.settling import DELIVERIES_TWICE, SENT, SERVICES, count, each_event_published_once, ledger_of, settled

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
        await eventually(lambda: settled(stack.database_url), timeout=60, interval=0.5)
        doubled = await read_models(database_url)
        letters = [m["Message-ID"] for m in smtp.letters]
        sent = await count(database_url, SENT)
        assert await count(database_url, DELIVERIES_TWICE) == 0, "each cascade reaches each org once"
        published = await each_event_published_once(database_url, nc)
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
    h, o = await chain_with_addressees(stack)
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


def _read_model_tables(name: str) -> list[Table]:
    """The service's tables that are not its ledger: everything a replay builds again."""
    ledger = ledger_of(name)
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
            ledger = ledger_of(name)
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
