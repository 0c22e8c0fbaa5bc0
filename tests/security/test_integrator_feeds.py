"""Each outside team reads its own public streams through its own consumers under its own NATS user, and nobody else's;
revoked, it is let in no more (real nats-server, reloaded as `profset integrator` reloads it). It can't read the
account's figures, and a consumer of its that pushes anywhere but its own inbox is deleted by the operator's keeper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from profset.integrators import Refused, add, load, revoke, valid_name, valid_streams
from profset.natsauth import (
    GATEWAY_LIVE_CONSUMERS,
    KEEPER,
    READER,
    READER_CONSUMERS,
    TALKS,
    Integrator,
    integrator_permissions,
    keeper_permissions,
    own_consumers,
    permissions,
    users,
)
from profset.servers import NatsServer
from profset.streamkeeper import keeping, misdirected
from profset_testing import connect_as, eventually, stream_messages

TEAMS = ("acme", "acme-x", "acme-1x", "reader-x", "kpi-watch", "a1")
"""Names chosen to come close to each other's, the reader's and the services' consumer names."""


def _consumers_in(allowed: dict[str, Any]) -> set[tuple[str, str]]:
    """(stream, consumer) of every consumer subject a user may publish on."""
    found = set()
    for subject in allowed["publish"]["allow"]:
        parts = subject.split(".")
        if subject.startswith("$JS.API.CONSUMER.MSG.NEXT."):
            found.add((parts[5], parts[6]))
        elif subject.startswith("$JS.API.CONSUMER.") and len(parts) > 5:  # not a stream's list: `CONSUMER.LIST.<stream>`
            found.add((parts[4], parts[5]))
        elif subject.startswith("$JS.ACK."):
            found.add((parts[2], parts[3]))
    return found


def _team(name: str, streams: str = "REGISTRY,EXCHANGE,CONTACTS") -> Integrator:
    return Integrator(valid_name(name), valid_streams(streams), "$2b$11$" + "x" * 53)


def test_an_integrators_consumers_are_never_a_services_the_readers_or_another_integrators() -> None:
    theirs = {name: _consumers_in(integrator_permissions(_team(name))) for name in TEAMS}
    others: set[tuple[str, str]] = set()
    for user in users():
        allowed = permissions(user)
        others |= _consumers_in(allowed) if allowed is not None else set()
    for name, consumers in theirs.items():
        assert {consumer for _, consumer in consumers} == set(own_consumers(name)), name
        assert not consumers & others, name
        for other, its in theirs.items():
            assert other == name or not consumers & its, (name, other)
    services = {f"{s}_{p}" for s, talk in TALKS.items() for ps in talk.consumes.values() for p in ps}
    every = {c for name in TEAMS for c in own_consumers(name)}
    assert not every & (services | set(GATEWAY_LIVE_CONSUMERS) | set(READER_CONSUMERS))


def test_an_integrator_may_touch_only_its_own_streams_and_inbox_and_publishes_no_event() -> None:
    allowed = integrator_permissions(_team("acme", "REGISTRY"))
    publish = allowed["publish"]["allow"]
    assert [s for s in publish if not s.startswith("$JS.")] == []
    assert {s for s in publish if "EXCHANGE" in s or "DEADLETTER" in s or s == "$JS.API.STREAM.LIST"} == set()
    assert "$JS.API.INFO" not in publish, "the account's figures are none of a team's business"
    assert allowed["subscribe"]["allow"] == ["_INBOX.acme.>"]


@pytest.mark.parametrize(
    ("consumer", "deliver", "elsewhere"),
    [
        ("acme", None, False),
        ("acme-2", "_INBOX.acme.Xy1", False),
        ("acme-2", "svc.registry.get_org", True),
        ("acme-3", "_INBOX.gateway.x", True),
        ("acme-4", "registry.org.registered", True),
        ("acme-1", "_INBOX.acme", True),  # the bare prefix: nobody's subscription takes it, nor should a push
        ("acme-1", "_INBOX.acme-x.1", True),  # another team's inbox, however close the name
        ("acme-x", "_INBOX.acme-x.1", False),
        ("reader-4", "svc.registry.injected", True),
        ("gateway_live_3", "_INBOX.gateway.abc", False),
        ("gateway_live_3", "_INBOX.acme.abc", True),
        ("contacts_registry-mirror", None, False),
    ],
)
def test_a_consumer_may_push_only_to_its_owners_inbox(consumer: str, deliver: str | None, elsewhere: bool) -> None:
    assert misdirected(consumer, deliver) is elsewhere


def test_the_keeper_may_delete_the_teams_consumers_and_no_services() -> None:
    acme = _team("acme", "REGISTRY")
    allowed = keeper_permissions([acme])["publish"]["allow"]
    deletes = {tuple(s.split(".")[4:]) for s in allowed if s.startswith("$JS.API.CONSUMER.DELETE.")}
    assert {("REGISTRY", c) for c in own_consumers("acme")} <= deletes
    assert not {("EXCHANGE", c) for c in own_consumers("acme")} & deletes, "only on the streams it reads"
    services = {f"{s}_{p}" for s, talk in TALKS.items() for ps in talk.consumes.values() for p in ps}
    assert not {c for _, c in deletes} & services
    assert {c for _, c in deletes} == {*own_consumers("acme"), *READER_CONSUMERS, *GATEWAY_LIVE_CONSUMERS}


@pytest.mark.parametrize(
    "name",
    ["", "a", "Acme", "acme_1", "acme.x", "acme>", "-acme", "acme-", "acme-1", "acme-42", "x" * 33, "reader", "kpi", "profset"],
)
def test_a_name_that_is_no_safe_token_or_is_taken_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(Refused) as refused:
        valid_name(name)
    assert refused.value.field == "name" and str(refused.value).startswith("name: ")


@pytest.mark.parametrize("streams", ["", " , ", "DEADLETTER", "REGISTRY,NOPE", "registry.>"])
def test_streams_that_are_not_public_are_refused_naming_the_field(streams: str) -> None:
    with pytest.raises(Refused, match=r"^streams: "):
        valid_streams(streams)


def test_streams_are_taken_in_any_case_once_each() -> None:
    assert valid_streams("registry, EXCHANGE,registry") == ("REGISTRY", "EXCHANGE")


async def _connect(server: NatsServer, name: str, password: str, errors: list[str]) -> Any:
    """A team's client as docs/integrations.md connects one: its user, its password, its inbox prefix."""

    async def on_error(e: Exception) -> None:
        errors.append(str(e).lower())

    return await nats.connect(
        server.address,
        user=name,
        password=password,
        inbox_prefix=f"_INBOX.{name}",
        error_cb=on_error,
        allow_reconnect=False,
        connect_timeout=2,
    )


async def _refused(errors: list[str], subject: str) -> None:
    async def seen() -> bool:
        return any("permissions violation for publish" in e and subject.lower() in e for e in errors)

    await eventually(seen, timeout=5)


async def _let_in(server: NatsServer, name: str, password: str) -> bool:
    try:
        client = await _connect(server, name, password, [])
    except (nats.errors.Error, OSError, TimeoutError):
        return False
    await client.close()
    return True


async def test_an_added_team_reads_its_stream_through_its_own_consumer_and_nothing_else(
    nats_server: NatsServer, nc: Any, tmp_path: Path
) -> None:
    js = nc.jetstream()  # the fixture's server has every stream, as the operator's keeper makes them
    await js.publish("registry.org.registered", b'{"n": 1}')
    await js.publish("exchange.material.sent_up", b'{"n": 2}')
    listed = tmp_path / "integrators.json"
    acme, password = add(listed, "acme", "REGISTRY")
    add(listed, "beta", "REGISTRY,EXCHANGE")
    nats_server.integrators = tuple(load(listed).values())
    nats_server.reload()
    errors: list[str] = []
    client = await _connect(nats_server, "acme", password, errors)
    try:
        mine = client.jetstream(timeout=5)
        sub = await mine.pull_subscribe("registry.>", durable="acme", stream="REGISTRY")
        [msg] = await sub.fetch(1, timeout=5)
        await msg.ack_sync()
        theirs = client.jetstream(timeout=0.5)
        for stream, consumer in (("EXCHANGE", "acme"), ("REGISTRY", "beta"), ("REGISTRY", "contacts_registry-mirror")):
            with pytest.raises(nats.errors.TimeoutError):
                await theirs.add_consumer(stream, ConsumerConfig(name=consumer, durable_name=consumer))
            await _refused(errors, f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}")
        await client.publish("registry.org.registered", b"{}")
        await client.flush()
        await _refused(errors, "registry.org.registered")
    finally:
        await client.close()
    assert msg.data == b'{"n": 1}' and acme.streams == ("REGISTRY",)
    assert (await js.consumer_info("REGISTRY", "acme")).num_ack_pending == 0
    assert {c.name for c in await js.consumers_info("EXCHANGE")} == set()
    assert len(await stream_messages(js, "REGISTRY")) == 1


async def test_a_revoked_team_is_let_in_no_more_after_the_reload(nats_server: NatsServer, tmp_path: Path) -> None:
    listed = tmp_path / "integrators.json"
    _, password = add(listed, "acme", "REGISTRY")
    nats_server.integrators = tuple(load(listed).values())
    nats_server.reload()
    assert await _let_in(nats_server, "acme", password) and not await _let_in(nats_server, "acme", "wrong")
    following = await _connect(nats_server, "acme", password, [])

    revoke(listed, "acme")
    nats_server.integrators = tuple(load(listed).values())
    nats_server.reload()

    assert not await _let_in(nats_server, "acme", password)

    async def cut_off() -> bool:
        return following.is_closed

    assert await eventually(cut_off), "the reload closes the connection it already had"


async def _team_on(server: NatsServer, listed: Path, name: str = "acme", streams: str = "REGISTRY,EXCHANGE") -> str:
    """A team added and the server reloaded; its password."""
    _, password = add(listed, name, streams)
    server.integrators = tuple(load(listed).values())
    server.reload()
    return password


async def test_an_integrator_cannot_read_the_accounts_figures(nats_server: NatsServer, tmp_path: Path) -> None:
    password = await _team_on(nats_server, tmp_path / "integrators.json")
    errors: list[str] = []
    client = await _connect(nats_server, "acme", password, errors)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await client.jetstream(timeout=1).account_info()
        await _refused(errors, "$JS.API.INFO")
        assert (await client.jetstream(timeout=5).stream_info("REGISTRY")).config.name == "REGISTRY", "its own stream is"
    finally:
        await client.close()


async def _gone(js: Any, stream: str, consumer: str) -> bool:
    try:
        await js.consumer_info(stream, consumer)
    except nats.js.errors.NotFoundError:
        return True
    return False


def _push(name: str, deliver: str) -> ConsumerConfig:
    return ConsumerConfig(name=name, durable_name=name, deliver_subject=deliver, ack_policy=AckPolicy.EXPLICIT)


async def test_a_teams_consumer_that_pushes_outside_its_inbox_does_not_survive_and_its_own_do(
    nats_server: NatsServer, nc: Any, tmp_path: Path
) -> None:
    js = nc.jetstream()
    for n in range(50):
        await js.publish("registry.org.registered", f'{{"n": {n}}}'.encode())
    password = await _team_on(nats_server, tmp_path / "integrators.json")
    keeper_errors: list[str] = []
    keeper = await connect_as(nats_server, KEEPER, keeper_errors)  # the keeper as compose and Kubernetes run it
    client = await _connect(nats_server, "acme", password, [])
    await nc.subscribe("svc.registry.get_org")  # someone listens by name: the server pushes (and goes on) at once
    try:
        async with keeping(keeper, sweep_every=3600):  # the audit alone: no sweep comes in this test's time
            mine = client.jetstream(timeout=5)
            pulled = await mine.pull_subscribe("registry.>", durable="acme", stream="REGISTRY")
            ordered = await mine.subscribe("registry.>", ordered_consumer=True, config=ConsumerConfig(name="acme-1"))
            await mine.add_consumer("REGISTRY", _push("acme-2", "svc.registry.get_org"))
            await mine.add_consumer("EXCHANGE", _push("acme-3", "_INBOX.gateway.x"))
            await mine.add_consumer("EXCHANGE", _push("acme-4", "registry.org.registered"))
            await mine.add_consumer("REGISTRY", _push("acme-4", "_INBOX.acme.mine"))
            for stream, consumer in (("REGISTRY", "acme-2"), ("EXCHANGE", "acme-3"), ("EXCHANGE", "acme-4")):
                await eventually(lambda s=stream, c=consumer: _gone(js, s, c), timeout=10)
            await mine.add_consumer("REGISTRY", _push("acme-4", "svc.registry.get_org"))  # changed: no new consumer
            await eventually(lambda: _gone(js, "REGISTRY", "acme-4"), timeout=10)
            [fetched] = await pulled.fetch(1, timeout=5)
            first = await ordered.next_msg(timeout=5)
            assert {c.name for c in await js.consumers_info("REGISTRY")} >= {"acme"}
            assert not await _gone(js, "REGISTRY", "acme-1"), "an ordered consumer pushes to the team's own inbox"
    finally:
        await client.close()
        await keeper.close()
    assert fetched.data == first.data == b'{"n": 0}'
    assert keeper_errors == [], "the keeper's own permissions suffice"


async def test_the_keeper_deletes_on_start_what_pushed_elsewhere_while_it_was_away(
    nats_server: NatsServer, nc: Any, tmp_path: Path
) -> None:
    password = await _team_on(nats_server, tmp_path / "integrators.json")
    client = await _connect(nats_server, "acme", password, [])
    reader = await connect_as(nats_server, READER, [])
    js = nc.jetstream()
    try:
        await client.jetstream(timeout=5).add_consumer("REGISTRY", _push("acme-2", "svc.registry.get_org"))
        await reader.jetstream(timeout=5).add_consumer("REGISTRY", _push("reader-4", "_INBOX.gateway.x"))
        await js.add_consumer("REGISTRY", _push("reader-3", "_INBOX.reader.own"))
        assert not await _gone(js, "REGISTRY", "acme-2")
        keeper = await connect_as(nats_server, KEEPER, [])
        try:
            async with keeping(keeper):
                await eventually(lambda: _gone(js, "REGISTRY", "acme-2"), timeout=10)
                await eventually(lambda: _gone(js, "REGISTRY", "reader-4"), timeout=10)
        finally:
            await keeper.close()
    finally:
        await client.close()
        await reader.close()
    assert not await _gone(js, "REGISTRY", "reader-3")
