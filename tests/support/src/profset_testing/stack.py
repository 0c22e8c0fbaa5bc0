"""The whole system in the test's event loop: every service and the gateway against real servers."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from kit import clock
from profset.dbroles import as_role
from profset.servers import NatsServer
from profset.stack import SERVICES

from .keys import Keys
from .servers import ChatApi, stream_keeper

ADMIN_PASSWORD = "admin-password-for-tests"


@dataclass
class Stack:
    """Every service of the stack running in this event loop, and an HTTP client of the gateway."""

    http: Any
    keys: Keys
    services: dict[str, Any]
    nats_url: str
    database_url: str
    app: Any = None
    """The gateway's ASGI app (already started), e.g. to serve it on a real port for a browser."""
    replicas: list[Any] = field(default_factory=list)
    """Further instances of the services, when the stack runs more than one of each."""

    async def login(self, username: str, password: str) -> dict[str, str]:
        """Authorization headers of a signed-in user."""
        reply = await self.http.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert reply.status_code == 200, reply.text
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}

    def today(self) -> date:
        """The union's day, which the services judge "future" by: late in a UTC evening it is already tomorrow."""
        return clock.today(self.services["registry"].settings.tz)


def service_settings(database_url: str, nats_url: str, keys: Keys) -> dict[str, Any]:
    """The settings every service of a test stack shares."""
    return {
        "database_url": database_url,
        "nats_url": nats_url,
        "token_public_key": keys.public,
        "service_public_keys": {"notifications": keys.notifications_public},
    }


class RoundRobin(httpx.AsyncBaseTransport):
    """An httpx transport that hands requests to several gateway apps in turn, as a load balancer would."""

    def __init__(self, apps: list[Any]) -> None:
        self.transports = [httpx.ASGITransport(app=app) for app in apps]
        self.turn = itertools.cycle(self.transports)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await next(self.turn).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self.transports:
            await transport.aclose()


def _services(
    shared: dict[str, Any], login: Callable[[str], dict[str, str]], keys: Keys, smtp: Any, chat: ChatApi
) -> dict[str, Any]:
    """One instance of every service of the stack, not yet started."""
    from appeals.config import AppealsSettings
    from appeals.main import create_service as create_appeals
    from audits.config import AuditsSettings
    from audits.main import create_service as create_audits
    from contacts.config import ContactsSettings
    from contacts.main import create_service as create_contacts
    from exchange.config import ExchangeSettings
    from exchange.main import create_service as create_exchange
    from kpi.config import KpiSettings
    from kpi.main import create_service as create_kpi
    from notifications.config import NotificationsSettings
    from notifications.main import create_service as create_notifications

    from registry.config import RegistrySettings
    from registry.main import create_service

    mail = {"smtp_port": smtp.port, "service_private_key": keys.notifications_private, "retry_base_seconds": 0.2}
    mail["chat_base_url"] = chat.url
    mail["remind_every_seconds"] = 3600  # tests plan reminders themselves, with a clock they choose
    own = {name: shared | login(name) | {"database_url": as_role(shared["database_url"], name)} for name in SERVICES}
    return {
        "registry": create_service(RegistrySettings(**own["registry"] | keys.sealing("registry"))),
        "contacts": create_contacts(ContactsSettings(**own["contacts"] | keys.sealing("contacts"))),
        "exchange": create_exchange(ExchangeSettings(**own["exchange"])),
        "notifications": create_notifications(NotificationsSettings(**own["notifications"], **mail)),
        "audits": create_audits(AuditsSettings(**own["audits"])),
        "kpi": create_kpi(KpiSettings(**own["kpi"])),
        "appeals": create_appeals(AppealsSettings(**own["appeals"] | keys.sealing("appeals"))),
    }


@contextlib.asynccontextmanager
async def start_stack(
    database_url: str, nats_server: NatsServer, keys: Keys, smtp: Any, chat: ChatApi, instances: int = 1
) -> AsyncIterator[Stack]:
    """Every service and the gateway, `instances` of each, against real servers; the gateways are reached in-process
    over ASGI, in turn. `Stack.services` holds the first instance of each, `Stack.replicas` the others."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    shared = service_settings(database_url, nats_server.url, keys)
    login = nats_server.login  # each service as its own NATS user, held to its permissions
    copies = [_services(shared, login, keys, smtp, chat) for _ in range(instances)]
    gateway = GatewaySettings(
        **shared | login("gateway") | {"database_url": as_role(database_url, "gateway")},
        token_private_key=keys.private,
        admin_password=ADMIN_PASSWORD,
    )
    apps = [create_app(gateway) for _ in range(instances)]
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(stream_keeper(nats_server))
        for copy in copies:
            for service in copy.values():
                await running.enter_async_context(service.running())
        for app in apps:
            await running.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=apps[0]) if instances == 1 else RoundRobin(apps)
        http = await running.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://gateway.test", timeout=30)
        )
        replicas = [service for copy in copies[1:] for service in copy.values()]
        yield Stack(http, keys, copies[0], nats_server.url, database_url, apps[0], replicas)


@pytest.fixture
async def stack(database_url: str, nats_server: NatsServer, keys: Keys, smtp: Any, chat: ChatApi) -> AsyncIterator[Stack]:
    """Every service and the gateway against real servers; the gateway is reached in-process over ASGI."""
    async with start_stack(database_url, nats_server, keys, smtp, chat) as started:
        yield started
