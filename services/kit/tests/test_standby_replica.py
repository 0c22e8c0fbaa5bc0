"""Two replicas of one service: the one whose relay, projector and worker wait for its twin's locks is Ready all the
same (it serves requests), and /healthz and the role gauge say which roles each leads; stopped, its twin takes over."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, ClassVar

import httpx
from prometheus_client import REGISTRY

from kit.locks import Fence, lock_key, run_singly
from kit.projection import Delivered, Projection
from kit.service import Runtime, Service, Wiring
from kit.settings import ServiceSettings
from profset_testing import eventually, serving
from profset_testing.counting import LEDGER, count, metadata

ROLES = ("relay", "kpi_seen", "sweeper")
"""The service's relay, its one consumer's projector (`<service>_<projection>`) and its single-active worker."""


class Settings(ServiceSettings):
    service: ClassVar[str] = "kpi"


class Sweeper:
    """A single-active worker as the services have them (the cascade runner, the sender): one replica runs it."""

    def __init__(self, rt: Runtime) -> None:
        self.engine, self.leading = rt.engine, False

    async def run(self, stop: asyncio.Event) -> None:
        async def work(_fence: Fence) -> None:
            self.leading = True
            try:
                await stop.wait()
            finally:
                self.leading = False

        await run_singly(self.engine, lock_key("sweeper", "kit_test"), stop, work, "sweeper")


async def counting(conn: Any, d: Delivered) -> None:
    await count(conn, d.event_id, d.org_id or "", d.position)


def wire(rt: Runtime) -> Wiring:
    sweeper = Sweeper(rt)
    return Wiring(
        verbs={},
        projections=[Projection("seen", "registry", counting)],
        tasks=[sweeper.run],
        roles={"sweeper": lambda: sweeper.leading},
    )


async def test_a_standby_replica_is_ready_and_says_its_twin_leads_until_it_takes_over(  # type: ignore[no-untyped-def]
    engine, nats_server, keys, database_url
) -> None:
    settings = Settings(database_url=database_url, nats_url=nats_server.url, token_public_key=keys.public)
    first, second = Service(settings, metadata, LEDGER, wire), Service(settings, metadata, LEDGER, wire)
    async with contextlib.AsyncExitStack() as first_pod:
        await first_pod.enter_async_context(first.running())
        await eventually(lambda: _leads(first, ROLES), timeout=30)
        assert _gauge(ROLES) == [1.0, 1.0, 1.0], "the gauge reads the replica of this process"
        async with second.running(), serving(second.asgi()) as url, httpx.AsyncClient(base_url=url) as http:
            ready = await http.get("/readyz")
            health = await http.get("/healthz")
            assert ready.status_code == 200, ready.text
            assert health.status_code == 200
            assert health.json() == {"status": "ok", "roles": dict.fromkeys(ROLES, "standby")}
            assert first.health()["roles"] == dict.fromkeys(ROLES, "leading"), "its twin leads every role"
            assert _gauge(ROLES) == [0.0, 0.0, 0.0], "now the gauge reads the standby, started last"
            metrics = (await http.get("/metrics")).text
            assert 'profset_role_leading{role="relay",service="kpi"} 0.0' in metrics, metrics

            await first_pod.aclose()  # a graceful stop, as a rolling update's: its locks go with it
            await eventually(lambda: _leads(second, ROLES), timeout=30)
            assert (await http.get("/healthz")).json()["roles"] == dict.fromkeys(ROLES, "leading")
            assert _gauge(ROLES) == [1.0, 1.0, 1.0]


async def _leads(service: Service, roles: tuple[str, ...]) -> bool:
    return service.roles() == dict.fromkeys(roles, True)


def _gauge(roles: tuple[str, ...]) -> list[float | None]:
    return [REGISTRY.get_sample_value("profset_role_leading", {"service": "kpi", "role": role}) for role in roles]
