"""NATS as a boundary: the outside reader and a compromised service, each refused by the real nats-server."""

from __future__ import annotations

import contextlib
import functools
import json
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.js.api import ConsumerConfig

from kit.streams import REPAIR
from profset.natsauth import READER, READER_CONSUMERS
from profset.servers import NatsServer
from profset_testing import asked_until_answered, connect_as, eventually, stream_keeper

MIRROR = "contacts_registry-mirror"
"""The consumer through which contacts applies the registry's erasures and transfers."""


async def _refused(errors: list[str], kind: str, subject: str) -> None:
    """Waits until the server has told the client it refused that subject."""

    async def seen() -> bool:
        return any(f"permissions violation for {kind}" in e and subject.lower() in e for e in errors)

    await eventually(seen, timeout=5)


async def _unanswered(client: Any, subject: str, body: dict[str, Any]) -> None:
    """A JetStream API request the server drops at the door: nobody answers it."""
    with pytest.raises(nats.errors.TimeoutError):
        await client.request(subject, json.dumps(body).encode(), timeout=1)


async def _contacts_mirror(nc: Any) -> Any:
    js = nc.jetstream()
    await js.add_consumer("REGISTRY", ConsumerConfig(name=MIRROR, durable_name=MIRROR, filter_subject="registry.>"))
    return js


async def test_the_reader_cannot_rewrite_a_services_consumer_by_any_create_subject(nats_server: NatsServer, nc: Any) -> None:
    js = await _contacts_mirror(nc)
    errors: list[str] = []
    reader = await connect_as(nats_server, READER, errors)
    narrowed = {"durable_name": MIRROR, "filter_subject": "registry.org.>", "ack_policy": "explicit", "deliver_policy": "all"}
    body = {"stream_name": "REGISTRY", "config": narrowed}
    try:
        for subject in (
            "$JS.API.CONSUMER.CREATE.REGISTRY",  # the legacy unnamed subject: the name is in the body
            f"$JS.API.CONSUMER.DURABLE.CREATE.REGISTRY.{MIRROR}",
            f"$JS.API.CONSUMER.CREATE.REGISTRY.{MIRROR}",
            f"$JS.API.CONSUMER.CREATE.REGISTRY.{MIRROR}.registry.org.>",
        ):
            await _unanswered(reader, subject, body)
            await _refused(errors, "publish", subject)
    finally:
        await reader.close()
    assert (await js.consumer_info("REGISTRY", MIRROR)).config.filter_subject == "registry.>", "the mirror still takes all"


async def test_the_reader_makes_consumers_only_under_its_own_names_and_only_so_many(nats_server: NatsServer) -> None:
    errors: list[str] = []
    reader = await connect_as(nats_server, READER, errors)
    try:
        js = reader.jetstream(timeout=2)
        for name in READER_CONSUMERS:
            made = await js.add_consumer("REGISTRY", ConsumerConfig(name=name, inactive_threshold=60))
            assert made.name == name
        for name in ("reader-99", "integrator", "kpi_registry"):
            with pytest.raises(nats.errors.TimeoutError):
                await js.add_consumer("REGISTRY", ConsumerConfig(name=name, inactive_threshold=60))
            await _refused(errors, "publish", f"$JS.API.CONSUMER.CREATE.REGISTRY.{name}")
    finally:
        await reader.close()
    assert len(READER_CONSUMERS) <= 5


async def test_the_reader_reads_a_stream_through_an_ordered_consumer_of_its_own_name(nats_server: NatsServer, nc: Any) -> None:
    await nc.jetstream().publish("registry.org.registered", b'{"n": 1}')
    reader = await connect_as(nats_server, READER, [])
    try:
        config = ConsumerConfig(name=READER_CONSUMERS[1])
        sub = await reader.jetstream(timeout=5).subscribe("registry.>", ordered_consumer=True, config=config)
        msg = await sub.next_msg(timeout=5)
    finally:
        await reader.close()
    assert msg.data == b'{"n": 1}'


async def test_a_service_listens_to_its_requests_only_in_its_queue_group(nats_server: NatsServer, nc: Any) -> None:
    errors: list[str] = []
    spy = await connect_as(nats_server, "contacts", errors)  # contacts' own credentials, in the wrong hands
    try:
        await spy.subscribe("svc.contacts.*")
        await spy.subscribe("svc.contacts.*", queue="spies")
        await spy.subscribe("svc.contacts.>")
        served = await spy.subscribe("svc.contacts.*", queue="contacts")
        await spy.flush()
        await _refused(errors, "subscription", 'svc.contacts.*" using queue "spies"')
        await _refused(errors, "subscription", '"svc.contacts.>"')
        plain = [e for e in errors if 'subscription to "svc.contacts.*"' in e and "queue" not in e]
        assert plain, errors
        await nc.publish("svc.contacts.usable_addresses", b"token")
        msg = await served.next_msg(timeout=5)
    finally:
        await spy.close()
    assert msg.data == b"token" and not any('queue "contacts"' in e for e in errors), errors


async def test_a_service_can_neither_make_nor_change_a_stream(nats_server: NatsServer, nc: Any) -> None:
    errors: list[str] = []
    contacts = await connect_as(nats_server, "contacts", errors)
    tap = {"name": "DEADLETTER", "subjects": ["deadletter.>", "svc.>"], "storage": "file", "retention": "limits"}
    try:
        await _unanswered(contacts, "$JS.API.STREAM.UPDATE.DEADLETTER", tap)
        await nc.jetstream().delete_stream("DEADLETTER")  # even while it is missing
        await _unanswered(contacts, "$JS.API.STREAM.CREATE.DEADLETTER", tap)
        await _unanswered(contacts, "$JS.API.STREAM.CREATE.CONTACTS", {"name": "CONTACTS", "subjects": ["contacts.>", "svc.>"]})
        await _refused(errors, "publish", "$JS.API.STREAM.CREATE.DEADLETTER")
        await _refused(errors, "publish", "$JS.API.STREAM.UPDATE.DEADLETTER")
    finally:
        await contacts.close()
    with pytest.raises(nats.js.errors.NotFoundError):
        await nc.jetstream().stream_info("DEADLETTER")
    assert (await nc.jetstream().stream_info("CONTACTS")).config.subjects == ["contacts.>"]


async def test_a_service_asks_the_operators_keeper_for_its_own_stream_only(nats_server: NatsServer, nc: Any) -> None:
    js = nc.jetstream()
    await js.delete_stream("CONTACTS")
    await js.delete_stream("REGISTRY")
    errors: list[str] = []
    contacts = await connect_as(nats_server, "contacts", errors)
    try:
        async with stream_keeper(nats_server):
            reply = await asked_until_answered(contacts, f"{REPAIR}.CONTACTS", b'{"subjects": ["svc.>"]}')
            await _unanswered(contacts, f"{REPAIR}.REGISTRY", {})
            await _refused(errors, "publish", f"{REPAIR}.REGISTRY")
    finally:
        await contacts.close()
    assert reply.data == b"ok"
    made = (await js.stream_info("CONTACTS")).config
    assert made.subjects == ["contacts.>"] and made.republish is None, "made as the operator's, not as asked"
    with pytest.raises(nats.js.errors.NotFoundError):
        await js.stream_info("REGISTRY")


async def test_a_stream_pushed_onto_a_request_subject_is_neither_worked_out_nor_answered(
    stack: Any, nats_server: NatsServer, nc: Any
) -> None:
    """A push consumer's deliver subject is inside the create request, which NATS permissions can't see: the independent
    attack pointed one of the reader's at `svc.registry.*`. The operator's keeper now deletes an outside user's such
    consumer (tests/security/test_integrator_feeds.py), but not before its first deliveries, and not the operator's own
    or one a service's stolen credentials make of its projection: the registry must take those for what they are."""
    from nats.js.api import AckPolicy
    from prometheus_client import REGISTRY as METRICS

    from profset_testing import ADMIN_PASSWORD

    h = await stack.login("admin", ADMIN_PASSWORD)
    cc = await stack.http.post("/api/v1/orgs", json={"name": "ЦК", "level": "central"}, headers=h)
    for n in range(1, 16):  # deliveries are shared out at random: enough that the service surely gets some
        body = {"name": f"Терорг {n}", "level": "territorial", "parent_id": cc.json()["id"]}
        assert (await stack.http.post("/api/v1/orgs", json=body, headers=h)).status_code == 201

    def dropped() -> float:
        return METRICS.get_sample_value("profset_not_requests_total", {"service": "registry"}) or 0.0

    before, name = dropped(), "tap_injected"  # no outside user's name, so the keeper leaves it to be seen at work
    js = nc.jetstream()  # the operator makes it, and looks on
    try:
        pushed = ConsumerConfig(
            name=name,
            durable_name=name,
            deliver_subject="svc.registry.injected",
            deliver_group="registry",  # the service's queue group, so the deliveries reach it
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
        )
        await js.add_consumer("REGISTRY", pushed)
        # JetStream sees interest in a deliver subject only from a subscription to it by name, which the service's
        # wildcard one is not: a bystander in the queue group gives it that, and the deliveries are shared out
        bystander: list[Any] = []
        await nc.subscribe("svc.registry.injected", queue="registry", cb=functools.partial(_keep, bystander))

        async def all_dropped() -> bool:
            info = await js.consumer_info("REGISTRY", name)
            reached_service = info.delivered.consumer_seq - len(bystander)
            return info.delivered.stream_seq >= 16 and reached_service >= 1 and dropped() - before >= reached_service

        await eventually(all_dropped, timeout=10)
        info = await js.consumer_info("REGISTRY", name)
    finally:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_consumer("REGISTRY", name)
    assert info.ack_floor.consumer_seq == 0, "nothing answered (an answer to a stream delivery acknowledges it)"


async def _keep(kept: list[Any], msg: Any) -> None:
    kept.append(msg)
