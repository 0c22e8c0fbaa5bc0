"""Whose word names the client's address: the sign-in throttle counts per address, so a client that could name its own
(X-Forwarded-For) would never be held back. Served by the gateway's real server settings on a real port."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import uvicorn

from gateway.config import GatewaySettings
from gateway.main import public_config
from profset.servers import free_port


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that answers the client address uvicorn gave it."""
    if scope["type"] != "http":
        return
    body = (scope.get("client") or ("?", 0))[0].encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _client_address_seen(trusted_proxies: str, claimed: str) -> str:
    settings = GatewaySettings(port=free_port(), http_host="127.0.0.1", trusted_proxies=trusted_proxies)
    server = uvicorn.Server(public_config(_echo, settings))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as http:
            reply = await http.get(f"http://127.0.0.1:{settings.port}/", headers={"X-Forwarded-For": claimed})
        return reply.text
    finally:
        server.should_exit = True
        await task


async def test_a_client_cannot_name_its_own_address() -> None:
    assert await _client_address_seen("", claimed="10.2.3.4") == "127.0.0.1"


async def test_a_proxy_named_as_trusted_passes_the_clients_address_on() -> None:
    assert await _client_address_seen("127.0.0.1", claimed="10.2.3.4") == "10.2.3.4"
