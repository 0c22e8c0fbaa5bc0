"""Request/reply through a real service runtime: one reply shape, errors naming fields, idempotent commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from kit_helpers import headcount

from contracts.registry import ReportHeadcount
from kit.catchup import Waits
from kit.errors import Refused, conflict
from kit.projection import Projection
from kit.rpc import Context, RequestClient, Verb
from kit.service import Runtime, Service, Wiring
from kit.settings import ServiceSettings
from kit.store import EventStore, Fold
from kit.tokens import Role
from profset_testing import Keys
from profset_testing.counting import LEDGER, metadata


class Settings(ServiceSettings):
    service: ClassVar[str] = "registry"


RUNS: dict[str, int] = {}
"""How many times `add_if_at` ran, per stream."""


def wire(rt: Runtime) -> Wiring:
    store: EventStore = rt.store
    total = Fold(0, lambda t, e: t + e.members)  # type: ignore[attr-defined]

    async def record(c: ReportHeadcount, ctx: Context):  # type: ignore[no-untyped-def]
        return await store.append(
            c.org_id, [headcount(c.org_id, c.members)], expected_version=None, meta=ctx.meta, data={"ok": 1}
        )

    async def open_once(c: ReportHeadcount, ctx: Context):  # type: ignore[no-untyped-def]
        if (await store.load(c.org_id, total))[1]:
            raise conflict(f"{c.org_id} is open already")
        return await store.append(c.org_id, [headcount(c.org_id, c.members)], expected_version=0, meta=ctx.meta)

    async def add_to_total(c: ReportHeadcount, ctx: Context):  # type: ignore[no-untyped-def]
        saw, version = await store.load(c.org_id, total)  # no retry of its own: the dispatcher decides it again
        event = headcount(c.org_id, c.members)
        return await store.append(c.org_id, [event], expected_version=version, meta=ctx.meta, data={"saw": saw})

    async def add_if_at(c: ReportHeadcount, ctx: Context):  # type: ignore[no-untyped-def]
        """`members` stands for the version the caller expects, as an If-Match would."""
        RUNS[c.org_id] = RUNS.get(c.org_id, 0) + 1
        _, version = await store.load(c.org_id, total)
        if version != c.members:
            raise conflict(f"{c.org_id} is at version {version}, not {c.members}")
        return await store.append(c.org_id, [headcount(c.org_id, 1)], expected_version=version, meta=ctx.meta)

    async def get_total(c: ReportHeadcount, ctx: Context) -> dict[str, int]:
        return {"total": (await store.load(c.org_id, total))[0], "by": ctx.actor.username}  # type: ignore[dict-item]

    async def ignore(conn, d) -> None:  # type: ignore[no-untyped-def]
        return None

    return Wiring(
        verbs={
            "record": Verb(ReportHeadcount, record, command=True),
            "open": Verb(ReportHeadcount, open_once, command=True),
            "add": Verb(ReportHeadcount, add_to_total, command=True),
            "add_if_at": Verb(ReportHeadcount, add_if_at, command=True),
            "total": Verb(ReportHeadcount, get_total, command=False),
        },
        projections=[Projection("contacts_feed", "contacts", ignore)],
    )


@pytest.fixture
async def service(engine, nats_server, keys: Keys, database_url: str) -> AsyncIterator[Service]:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=database_url, nats_url=nats_server.url, token_public_key=keys.public, read_wait_seconds=0.5)
    async with Service(settings, metadata, LEDGER, wire).running() as svc:
        yield svc


@pytest.fixture
async def two_workers(engine, nats_server, keys: Keys, database_url: str) -> AsyncIterator[Service]:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=database_url,
        nats_url=nats_server.url,
        token_public_key=keys.public,
        request_workers=2,
        read_wait_seconds=20,
        read_waits_per_caller=2,
        read_waits_queued_per_caller=1,
    )
    async with Service(settings, metadata, LEDGER, wire).running() as svc:
        yield svc


async def test_a_command_answers_ok_with_its_positions_and_a_repeat_gets_the_same(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client = RequestClient(nc)
    body = {"org_id": "o1", "members": 5}
    first = await client.request("registry", "record", body, token=keys.token(service="registry"), command_id="k1")
    again = await client.request("registry", "record", body, token=keys.token(service="registry"), command_id="k1")
    assert first.ok and first.positions == {"registry": 1} and again == first
    total = await client.request(
        "registry", "total", body, token=keys.token(username="ann", service="registry"), min_positions=first.positions
    )
    assert total.data == {"total": 5, "by": "ann"}


async def test_a_repeat_its_handler_now_refuses_gets_the_first_reply_and_another_request_with_its_key_conflicts(
    service,
    nc,
    keys: Keys,  # type: ignore[no-untyped-def]
) -> None:
    client = RequestClient(nc)
    body = {"org_id": "o2", "members": 3}
    first = await client.request("registry", "open", body, token=keys.token(service="registry"), command_id="open-1")
    again = await client.request("registry", "open", body, token=keys.token(service="registry"), command_id="open-1")
    assert first.ok and again == first, "the first run opened it: the handler refuses, the reply stands"
    fresh = await client.request("registry", "open", body, token=keys.token(service="registry"), command_id="open-2")
    assert fresh.error is not None and fresh.error.code == "conflict" and "open already" in fresh.error.message
    other = await client.request(
        "registry", "open", {**body, "members": 4}, token=keys.token(service="registry"), command_id="open-1"
    )
    assert other.error is not None and other.error.code == "conflict" and "Idempotency-Key" in other.error.message


async def test_without_a_valid_token_the_request_is_unauthenticated(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client = RequestClient(nc)
    for token in ("", "v1.e30.AAAA", keys.token(service="registry")[:-4] + "AAAA"):
        reply = await client.request("registry", "total", {"org_id": "o1", "members": 1}, token=token)
        assert not reply.ok and reply.error is not None and reply.error.code == "unauthenticated"


async def test_bad_fields_are_named_with_the_rule_they_break(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    reply = await RequestClient(nc).request(
        "registry", "record", {"org_id": "o1", "members": -1, "extra": 1}, token=keys.token(service="registry")
    )
    assert reply.error is not None and reply.error.code == "invalid"
    assert {(d.field, d.rule) for d in reply.error.details} == {("members", "greater_than_equal"), ("extra", "extra_forbidden")}


async def test_an_unknown_verb_is_invalid_and_garbage_is_not_json(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    reply = await RequestClient(nc).request("registry", "nope", {}, token=keys.token(service="registry"))
    assert reply.error is not None and reply.error.details[0].field == "verb"
    raw = await nc.request("svc.registry.record", b"{not json", headers={"ps-actor": keys.token(service="registry")}, timeout=5)
    assert json.loads(raw.data)["error"]["details"][0]["field"] == "body"


async def test_a_read_waits_for_min_positions_then_answers_unavailable(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    reply = await RequestClient(nc).request(
        "registry",
        "total",
        {"org_id": "o1", "members": 1},
        token=keys.token(Role.VIEWER, "x", service="registry"),
        min_positions={"contacts": 5},
    )
    assert reply.error is not None and reply.error.code == "unavailable"


async def test_a_service_without_its_database_answers_unavailable(nats_server, nc, keys: Keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=f"postgresql://postgres@/postgres?host={tmp_path}", nats_url=nats_server.url, token_public_key=keys.public
    )
    async with Service(settings, metadata, LEDGER, wire, publishes=False).running():
        reply = await RequestClient(nc).request(
            "registry", "record", {"org_id": "o", "members": 1}, token=keys.token(service="registry"), command_id="c"
        )
    assert reply.error is not None and reply.error.code == "unavailable"


async def test_no_service_listening_is_unavailable_not_an_exception(nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    reply = await RequestClient(nc, timeout=0.5).request("registry", "total", {}, token=keys.token(service="registry"))
    assert reply.error is not None and reply.error.code == "unavailable"


async def test_a_request_sent_before_its_service_subscribes_is_answered_once_it_does(nc) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    client = RequestClient(nc)

    async def starts_late() -> None:
        await asyncio.sleep(0.3)

        async def answer(msg) -> None:  # type: ignore[no-untyped-def]
            await msg.respond(b'{"ok":true,"data":1}')

        await nc.subscribe("svc.late.ping", cb=answer)

    starting = asyncio.create_task(starts_late())
    reply = await client.request("late", "ping", {}, token="t")
    await starting
    assert reply.ok and reply.data == 1, "no responders at first: sent again until the service answers"
    missing = await client.request("nobody", "ping", {}, token="t")
    assert not missing.ok and missing.error is not None and missing.error.code.value == "unavailable"


async def test_requests_waiting_for_min_positions_hold_no_worker(two_workers, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client, body = RequestClient(nc, timeout=30), {"org_id": "o1", "members": 1}
    waiting = [
        asyncio.create_task(
            client.request(
                "registry", "total", body, token=keys.token(username=f"w{i}", service="registry"), min_positions={"contacts": 5}
            )
        )
        for i in range(8)
    ]
    await asyncio.sleep(0.5)  # the eight are sent (and reach the service) before the ninth
    answered = await client.request("registry", "total", body, token=keys.token(username="someone", service="registry"))
    assert answered.ok, "answered by one of two workers, though eight requests before it wait"
    assert not any(w.done() for w in waiting), "the eight still wait for positions that never come"
    for w in waiting:
        w.cancel()


async def test_one_caller_has_only_a_few_waits_in_flight_and_the_rest_are_refused_at_once(two_workers, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client, body, token = (
        RequestClient(nc, timeout=30),
        {"org_id": "o1", "members": 1},
        keys.token(username="greedy", service="registry"),
    )
    asks = [
        asyncio.create_task(client.request("registry", "total", body, token=token, min_positions={"contacts": 5}))
        for _ in range(6)
    ]
    done, pending = await asyncio.wait(asks, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    while len(done) < 3 and pending:
        more, pending = await asyncio.wait(pending, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        assert more, "the waits over the caller's share are answered at once"
        done |= more
    assert [t.result().error.code.value for t in done] == ["rate_limited"] * 3  # type: ignore[union-attr]
    assert len(pending) == 3, "its two waits looking and the one queued behind them still wait"
    for t in pending:
        t.cancel()


async def test_a_callers_queued_wait_looks_once_one_ahead_of_it_ends() -> None:
    waits = Waits(per_caller=1, at_once=10, queued_per_caller=1)
    waits.take("ann")
    waits.take("ann")
    with pytest.raises(Refused):
        waits.take("ann")
    waits.take("bob")  # another caller has a share of its own
    looked, first_in, release = [], asyncio.Event(), asyncio.Event()

    async def wait(name: str) -> None:
        async with waits.turn("ann"):
            looked.append(name)
            first_in.set()
            await release.wait()

    first = asyncio.create_task(wait("first"))
    await first_in.wait()
    second = asyncio.create_task(wait("second"))
    await asyncio.sleep(0.05)
    assert looked == ["first"], "the second is queued while the first looks"
    release.set()
    await asyncio.gather(first, second)
    assert looked == ["first", "second"] and waits.waiting("ann") == 0
    waits.take("ann")  # room again


async def test_a_position_beyond_the_services_own_ledger_is_refused_at_once(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client, body = RequestClient(nc), {"org_id": "o1", "members": 1}
    wrote = await client.request("registry", "record", body, token=keys.token(service="registry"), command_id="end-1")
    beyond = await client.request(
        "registry", "total", body, token=keys.token(service="registry"), min_positions={"registry": 999999999}
    )
    assert beyond.error is not None and beyond.error.code.value == "invalid"
    assert [(d.field, d.rule) for d in beyond.error.details] == [("min_positions.registry", "ledger_end")]
    within = await client.request("registry", "total", body, token=keys.token(service="registry"), min_positions=wrote.positions)
    assert within.ok and within.data["total"] == 1
    end = await client.request("registry", "ledger_end", {}, token=keys.token(Role.VIEWER, "x", service="registry"))
    assert end.ok and end.data == {"context": "registry", "position": wrote.positions["registry"]}
    for bad in ('{"registry": -1}', "[1]", '{"registry": "x"}'):
        raw = await nc.request(
            "svc.registry.total",
            json.dumps(body).encode(),
            headers={"ps-actor": keys.token(service="registry"), "ps-min-positions": bad},
        )
        assert json.loads(raw.data)["error"]["code"] == "invalid"


async def test_a_command_that_loses_a_race_is_decided_again_on_the_fresh_state(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client = RequestClient(nc)
    body = {"org_id": "race", "members": 1}
    replies = await asyncio.gather(
        *(client.request("registry", "add", body, token=keys.token(service="registry"), command_id=f"add-{i}") for i in range(16))
    )
    assert [r.ok for r in replies] == [True] * 16, [r.error for r in replies if not r.ok]
    total = await client.request("registry", "total", body, token=keys.token(service="registry"))
    assert total.data["total"] == 16, "each landed once"
    assert sorted(r.data["saw"] for r in replies) == list(range(16)), "each decided on the state the one before it left"


async def test_a_version_the_caller_chose_is_answered_conflict_once_stale_and_never_retried(service, nc, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    client = RequestClient(nc)
    body = {"org_id": "if-match", "members": 0}
    token = keys.token(service="registry")
    both = await asyncio.gather(
        *(client.request("registry", "add_if_at", body, token=token, command_id=f"at-{i}") for i in (1, 2))
    )
    assert sorted(r.ok for r in both) == [False, True], "one lands at the version both chose"
    refused = next(r for r in both if not r.ok)
    assert refused.error is not None and refused.error.code == "conflict" and "at version 1, not 0" in refused.error.message
    assert RUNS["if-match"] <= 3, "the loser ran once more at most: a lost race is decided again, the refusal is final"
    RUNS["if-match"] = 0
    stale = await client.request("registry", "add_if_at", body, token=token, command_id="at-3")
    assert stale.error is not None and stale.error.code == "conflict" and RUNS["if-match"] == 1, "refused at once"
    total = await client.request("registry", "total", body, token=token)
    assert total.data["total"] == 1
