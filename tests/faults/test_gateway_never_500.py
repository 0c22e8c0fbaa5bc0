"""The gateway, served by uvicorn on a real port, answers a JSON 503 `unavailable` (never uvicorn's plain-text 500)
when a request to a service is cut off: the gateway stopping with it in flight, or its NATS connection going away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import nats

from gateway.config import GatewaySettings
from gateway.main import serve, servers
from profset.natsauth import queue_group
from profset.servers import NatsServer, free_port, wait_for_port
from profset_testing import Keys
from profset_testing.stack import ADMIN_PASSWORD, service_settings
from profset_testing.waiting import eventually


@contextlib.asynccontextmanager
async def served_gateway(database_url: str, nats_server: NatsServer, keys: Keys) -> AsyncIterator[tuple[Any, str]]:
    """The gateway as `python -m gateway` serves it (uvicorn, its graceful stop), and its URL; no service runs."""
    port = free_port()
    settings = GatewaySettings(
        **service_settings(database_url, nats_server.url, keys) | nats_server.login("gateway"),
        token_private_key=keys.private,
        admin_password=ADMIN_PASSWORD,
        port=port,
        request_timeout=60,  # longer than uvicorn's graceful stop: a request still waits when the stop cuts it off
    )
    public, metrics = servers(settings)
    task = asyncio.create_task(serve(public, metrics))
    try:
        await asyncio.to_thread(wait_for_port, "127.0.0.1", port, 60)
        yield public, f"http://127.0.0.1:{port}"
    finally:
        public.should_exit = True
        await task


async def silent_registry(nats_server: NatsServer) -> tuple[Any, list[Any]]:
    """A registry that takes every request and never answers (it died holding them)."""
    login = nats_server.login("registry")
    nc = await nats.connect(login["nats_url"], user=login["nats_user"], password=login["nats_password"])
    taken: list[Any] = []

    async def take(msg: Any) -> None:
        taken.append(msg)

    await nc.subscribe("svc.registry.*", queue=queue_group("registry"), cb=take)
    await nc.flush()
    return nc, taken


async def sign_in(http: httpx.AsyncClient) -> dict[str, str]:
    reply = await http.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def assert_json_unavailable(reply: httpx.Response) -> None:
    assert reply.status_code == 503, (reply.status_code, reply.headers.get("content-type"), reply.text)
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    assert reply.json()["error"]["code"] == "unavailable"


async def test_a_request_in_flight_when_the_gateway_stops_gets_a_json_503(
    database_url: str, nats_server: NatsServer, keys: Keys
) -> None:
    registry, taken = await silent_registry(nats_server)
    try:
        async with (
            served_gateway(database_url, nats_server, keys) as (public, url),
            httpx.AsyncClient(base_url=url, timeout=60) as http,
        ):
            headers = await sign_in(http)
            admission = {"full_name": "Иванов Иван", "since": "2020-01-01"}
            pending = asyncio.create_task(
                http.post(
                    "/api/v1/orgs/00000000-0000-4000-8000-000000000000/members",
                    json=admission,
                    headers=headers | {"Idempotency-Key": "k1"},
                )
            )

            async def reached() -> bool:  # the request reached the (silent) registry
                return bool(taken)

            await eventually(reached)
            public.should_exit = True  # a stop, as the supervisor's or a rollout's SIGTERM asks
            assert_json_unavailable(await pending)
    finally:
        await registry.close()


async def test_a_request_when_the_gateways_nats_connection_is_gone_gets_a_json_503(
    database_url: str, nats_server: NatsServer, keys: Keys
) -> None:
    async with (
        served_gateway(database_url, nats_server, keys) as (public, url),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        headers = await sign_in(http)
        gateway = public.config.loaded_app
        while hasattr(gateway, "app") and not hasattr(gateway, "state"):  # uvicorn's wrappers, then ours
            gateway = gateway.app
        await gateway.state.gateway.nc.close()
        reply = await http.get("/api/v1/orgs", headers=headers)
        assert_json_unavailable(reply)
        assert "did not answer" in reply.json()["error"]["message"], "the service is named, not a gateway failure"
