"""A projector on a service's own NATS user, held to its permissions: it binds to its consumer by name and checks it,
buries a poison event in the operator's dead-letter stream and the next events still go through (real servers)."""

from __future__ import annotations

from typing import Any

import nats
from kit_helpers import headcount
from nats.js.api import ConsumerConfig

from kit.projection import Delivered, Projection
from kit.projector import Projector
from kit.relay import Relay
from kit.store import EventStore
from kit.streams import unlike
from profset.natsauth import inbox
from profset.servers import NatsServer
from profset_testing import eventually, running, stream_messages
from profset_testing.counting import LEDGER, count, times_seen


async def _as(server: NatsServer, user: str) -> Any:
    login = server.login(user)
    return await nats.connect(
        login["nats_url"], user=login["nats_user"], password=login["nats_password"], inbox_prefix=inbox(user)
    )


async def test_a_services_projector_buries_a_poison_event_and_the_next_ones_go_through(
    engine: Any, nc: Any, nats_server: NatsServer
) -> None:
    store = EventStore(engine, LEDGER, "registry")

    async def fragile(conn: Any, d: Delivered) -> None:
        if d.event.members == 666:  # type: ignore[attr-defined]
            raise ValueError("cannot apply this one")
        await count(conn, d.event_id, d.org_id or "", d.position)

    relay = Relay(store.engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    contacts = await _as(nats_server, "contacts")
    try:
        mirror = Projection("registry-mirror", "registry", fragile)  # contacts' own consumer, contacts' own user
        projector = Projector(engine, LEDGER, "contacts", mirror, contacts, max_deliver=2, retry_base=0.05)
        async with running(relay), running(projector):
            await store.append("a", [headcount("a", 666)], expected_version=0)
            for i in range(5):
                await store.append(f"b{i}", [headcount("b", i)], expected_version=0)

            async def next_ones_applied() -> bool:
                return sum((await times_seen(engine)).values()) == 5

            await eventually(next_ones_applied, timeout=30)
            dead = await eventually(lambda: stream_messages(nc.jetstream(), "DEADLETTER"), timeout=30)
    finally:
        await contacts.close()
    [(headers, _)] = dead
    assert headers["ps-consumer"] == "contacts_registry-mirror" and "cannot apply" in headers["ps-error"]
    assert headers["ce-sequence"] == "1"


async def test_a_consumer_unlike_the_one_wanted_is_told_apart(nc: Any) -> None:
    js = nc.jetstream()
    wanted = ConsumerConfig(name="kpi_registry", durable_name="kpi_registry", filter_subjects=["registry.>"])
    narrowed = ConsumerConfig(name="kpi_registry", durable_name="kpi_registry", filter_subject="registry.org.>")
    found = (await js.add_consumer("REGISTRY", narrowed)).config
    assert unlike(found, wanted) == "filter ['registry.org.>'] instead of ['registry.>']"
    await js.delete_consumer("REGISTRY", "kpi_registry")
    assert unlike((await js.add_consumer("REGISTRY", wanted)).config, wanted) is None
