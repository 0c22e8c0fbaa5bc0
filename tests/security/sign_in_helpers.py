"""Helpers of the sign-in tests: gateway replicas sharing one database, clients from chosen addresses, and a sign-in
through the API's door and the UI's."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from profset_testing import ADMIN_PASSWORD, Keys, service_settings

GUESSER, OWNER = "203.0.113.7", "198.51.100.20"


@contextlib.asynccontextmanager
async def gateways(database_url: str, nats: Any, keys: Keys, n: int = 1, **settings: Any) -> AsyncIterator[list[Any]]:
    """`n` gateway replicas (the sign-in needs no other service) sharing one database, started in this loop."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    shared = service_settings(database_url, nats.url, keys) | nats.login("gateway")
    apps = [create_app(GatewaySettings(**shared, token_private_key=keys.private, admin_password=ADMIN_PASSWORD, **settings))]
    apps += [create_app(GatewaySettings(**shared, token_private_key=keys.private, **settings)) for _ in range(n - 1)]
    async with contextlib.AsyncExitStack() as running:
        for app in apps:
            await running.enter_async_context(app.router.lifespan_context(app))
        yield apps


def client(app: Any, address: str) -> httpx.AsyncClient:
    """A client of one replica, as seen from one address (https, so the UI's secure cookies travel)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="https://gateway.test", timeout=30)


async def api_sign_in(http: httpx.AsyncClient, password: str, username: str = "admin") -> httpx.Response:
    return await http.post("/api/v1/auth/token", data={"username": username, "password": password})


async def ui_sign_in(http: httpx.AsyncClient, password: str, username: str = "admin") -> httpx.Response:
    form = await http.get("/ui/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    body = {"username": username, "password": password, "login_token": token.group(1), "next": "/ui/"}
    return await http.post("/ui/login", data=body)
