"""A relay on its service's own NATS user binds only to its stream as the operator made it: one given another
subject (a tap on other traffic) or deleted is mended by the operator's keeper, never by the service (real servers)."""

from __future__ import annotations

from typing import Any

import nats
from kit_helpers import headcount, positions

from kit.relay import Relay, stream_config
from kit.store import EventStore
from profset.natsauth import inbox
from profset.servers import NatsServer
from profset_testing import eventually, running, stream_keeper, stream_messages
from profset_testing.counting import LEDGER


async def _subjects_are(js: Any, wanted: list[str]) -> bool:
    return list((await js.stream_info("REGISTRY")).config.subjects) == wanted


async def test_a_changed_or_deleted_stream_is_mended_by_the_keeper(store: EventStore, nc: Any, nats_server: NatsServer) -> None:
    login = nats_server.login("registry")
    registry = await nats.connect(
        login["nats_url"], user=login["nats_user"], password=login["nats_password"], inbox_prefix=inbox("registry")
    )
    js = nc.jetstream()
    try:
        relay = Relay(store.engine, LEDGER, "registry", registry, idle_check=0.3)
        store.on_commit.append(relay.notify)
        async with stream_keeper(nats_server), running(relay):
            await store.append("s", [headcount("a", 1)], expected_version=0)
            await eventually(lambda: _published(js, [1]))
            tapped = stream_config("registry")
            tapped.subjects = ["registry.>", "svc.>"]
            await js.update_stream(tapped)  # as a service with stream rights could have done
            await eventually(lambda: _subjects_are(js, ["registry.>"]), timeout=20)
            await js.delete_stream("REGISTRY")
            await store.append("s", [headcount("a", 2)], expected_version=1)
            await eventually(lambda: _published(js, [1, 2]), timeout=30)
    finally:
        await registry.close()
    assert await _subjects_are(js, ["registry.>"])


async def _published(js: Any, wanted: list[int]) -> bool:
    return positions(await stream_messages(js)) == wanted
