"""pytest fixtures that start real servers: PostgreSQL once per run, a fresh database and NATS per test."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest

from kit.crypto import generate_master_key
from kit.tokens import DEFAULT_AUDIENCE, Actor, Role, Signer, generate_keypair, service_audience

from .dbroles import as_role
from .natsauth import generate_passwords
from .servers import NatsServer, PostgresServer
from .stack import SERVICES
from .stackkeys import SEALING

T = TypeVar("T")
TEMPLATE = "profset_template"
_counter = itertools.count()


@dataclass(frozen=True)
class Keys:
    """The keys of a test run: the gateway's token key pair, each sealing service's master key, notifications' own
    identity."""

    private: str
    public: str
    masters: dict[str, str]
    notifications_private: str = ""
    notifications_public: str = ""

    def sealing(self, service: str) -> dict[str, str]:
        """The master key setting of a service that seals personal data; nothing for the others."""
        return {"master_key": self.masters[service]} if service in self.masters else {}

    def master_environment(self) -> dict[str, str]:
        """Every sealing service's `<SERVICE>_MASTER_KEY`, as an operator's command reads them."""
        return {f"{name.upper()}_MASTER_KEY": key for name, key in self.masters.items()}

    def token(
        self, role: Role = Role.ADMIN, org_id: str | None = None, username: str = "tester", service: str | None = None
    ) -> str:
        """A signed actor token: as the gateway forwards it to `service`, or (no service) as a user holds it."""
        from kit.clock import now

        audience = service_audience(DEFAULT_AUDIENCE, service) if service else DEFAULT_AUDIENCE
        return Signer(self.private).sign(Actor(username, role, org_id), now(), 3600, audience)

    def notifications_token(self, service: str = "contacts") -> str:
        """The token notifications signs with its own key when it asks `service` on its own account."""
        from kit.clock import now

        me = Actor("notifications", Role.SERVICE, None)
        return Signer(self.notifications_private).sign(me, now(), 120, service_audience(DEFAULT_AUDIENCE, service))


def _with_db(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One real PostgreSQL for the run, with every service's schema migrated into a template database."""
    from .stack import migrate_all

    server = PostgresServer(tmp_path_factory.mktemp("pg"), durable=False)
    server.start()
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    migrate_all(_with_db(server.url, TEMPLATE), roles=True)
    yield server
    server.stop("immediate")


@pytest.fixture
def database_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database for one test, copied from the migrated template."""
    name = f"t{next(_counter)}_{int(time.time() * 1000) % 100000}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield _with_db(postgres.url, name)
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream for one test, with every user and permission of the real system:
    `url` logs in as the operator, `login(service)` gives a service its own user."""
    server = NatsServer(tmp_path / "nats", passwords=generate_passwords())
    server.start()
    make_streams(server)
    yield server
    server.stop()


def make_streams(server: NatsServer) -> None:
    """The operator's migration of the bus, as a stack's start runs it: every stream made before a service binds."""
    import threading

    import nats

    from .streamkeeper import ensure

    failed: list[BaseException] = []

    async def made() -> None:
        nc = await nats.connect(server.url)
        try:
            await ensure(nc)
        finally:
            await nc.close()

    def run() -> None:
        try:
            asyncio.run(made())
        except BaseException as e:  # noqa: BLE001 - raised again in the fixture's thread
            failed.append(e)

    thread = threading.Thread(target=run)  # a thread of its own: the fixture may be set up inside a running loop
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


@contextlib.asynccontextmanager
async def stream_keeper(nats_server: NatsServer) -> AsyncIterator[None]:
    """The operator's stream keeper for the block, as the local stack runs it: answers a service whose stream is gone."""
    import nats

    from .streamkeeper import keeping

    nc = await nats.connect(nats_server.url, name="profset-streamkeeper")
    try:
        async with keeping(nc):
            yield
    finally:
        await nc.close()


@pytest.fixture(scope="session")
def keys() -> Keys:
    """Keys for this run."""
    private, public = generate_keypair()
    return Keys(private, public, {name: generate_master_key() for name in SEALING}, *generate_keypair())


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Polls `check` until it returns something truthy (and returns it), or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await check()
            if last:
                return last  # type: ignore[no-any-return]
        except AssertionError as e:
            last = e
        await asyncio.sleep(interval)
    raise AssertionError(f"not so within {timeout}s; last seen: {last!r}")


async def connect_as(server: NatsServer, user: str, errors: list[str]) -> Any:
    """A NATS client logged in as one of the system's users, held to its permissions; each refusal the server sends
    lands in `errors`, lower-cased."""
    import nats

    from .natsauth import inbox

    async def on_error(e: Exception) -> None:
        errors.append(str(e).lower())

    login = server.login(user)
    return await nats.connect(
        login["nats_url"],
        user=login["nats_user"],
        password=login["nats_password"],
        inbox_prefix=inbox(user),
        error_cb=on_error,
        max_reconnect_attempts=0,
    )


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Any]:
    """A NATS client connected to the test's server."""
    import nats

    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


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


def service_settings(database_url: str, nats_url: str, keys: Keys) -> dict[str, Any]:
    """The settings every service of a test stack shares."""
    return {
        "database_url": database_url,
        "nats_url": nats_url,
        "token_public_key": keys.public,
        "service_public_keys": {"notifications": keys.notifications_public},
    }


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server on a free port that keeps every letter it accepts (`.letters`, `.port`)."""
    from .mailsink import start
    from .servers import free_port

    port = free_port()
    controller, sink = start(port)
    yield sink
    controller.stop()


@dataclass
class ChatApi:
    """A local stand-in for a Telegram-Bot-API-compatible server: records every `sendMessage` call."""

    url: str
    calls: list[dict[str, Any]]


@pytest.fixture
def chat() -> Iterator[ChatApi]:
    """A real HTTP server on a free port that answers `sendMessage` like the Bot API and records the calls."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    calls: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append({"path": self.path, **body})
            answer = json.dumps({"ok": True, "result": {"message_id": len(calls)}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ChatApi(f"http://127.0.0.1:{server.server_address[1]}/botTEST", calls)
    server.shutdown()


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


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """An ASGI app (already started) on a real port of this machine, served from this event loop; its base URL."""
    import uvicorn

    from .servers import free_port

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "the app did not start listening"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def stream_messages(js: Any, stream: str = "REGISTRY") -> list[tuple[dict[str, str], bytes]]:
    """Every message a stream holds, in stream order."""
    import nats.js.errors

    try:
        info = await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return []
    found: list[tuple[dict[str, str], bytes]] = []
    if not info.state.messages:
        return found
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except nats.js.errors.NotFoundError:
            continue
        found.append((dict(msg.headers or {}), msg.data))
    return found


@contextlib.asynccontextmanager
async def running(component: Any) -> AsyncIterator[Any]:
    """Runs a relay or projector in the background for the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(component.run(stop))
    try:
        yield component
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def forms(text: str) -> list[str]:
    """Ways a string can sit in a table, a message or a log: as is, JSON-escaped (`\\u0428…`), and as bytea hex."""
    escaped = json.dumps(text)[1:-1]
    return [text, escaped, escaped.upper().replace("\\U", "\\u"), text.encode().hex()]


def holds(text: str, needles: list[str]) -> bool:
    """Whether any needle is in the text, in any letter case."""
    lowered = text.lower()
    return any(n in text or n.lower() in lowered for n in needles)


async def plaintext_in_tables(database_url: str, needles: list[str]) -> list[str]:
    """Every `schema.table` of the database holding any needle in any column of any row (text, JSON and bytea alike)."""
    found = []
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        tables = await (
            await conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
            )
        ).fetchall()
        for schema, table in tables:
            rows = await (await conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t')).fetchall()
            if any(holds(row[0], needles) for row in rows):
                found.append(f"{schema}.{table}")
    return found


async def plaintext_on_streams(nc: Any, needles: list[str]) -> tuple[list[str], int]:
    """The streams (every stream of the server, dead letters included) with a message holding any needle in its
    headers or body, and how many messages were read."""
    js, found, read = nc.jetstream(), [], 0
    for info in await js.streams_info():
        for headers, body in await stream_messages(js, info.config.name):
            read += 1
            if holds(body.decode(errors="replace") + json.dumps(headers, ensure_ascii=False), needles):
                found.append(info.config.name)
    return sorted(set(found)), read


# --- suite budgets: each suite's share of the run, printed at the end and kept in .data/suite-times.json ----------

BUDGET_SECONDS = {
    "tests/api": 360,
    "tests/faults": 420,
    "tests/security": 300,
    "tests/badinput": 300,
    "tests/ui": 420,
    "tests/stack": 240,
    "tests/rules": 360,
}
"""What each costly suite may take on CI's 2 cores (the whole run must stay within 30 minutes)."""
_suite_seconds: dict[str, float] = {}


def _suite(nodeid: str) -> str:
    """`tests/faults`, `services/kit`, `contracts/tests` …: the first two parts of a test's path."""
    return "/".join(nodeid.split("::", maxsplit=1)[0].split("/")[:2])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds every phase's time (setup, call, teardown) to its suite."""
    _suite_seconds[_suite(report.nodeid)] = _suite_seconds.get(_suite(report.nodeid), 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Prints each suite's time against its budget, and keeps them for docs/reliability.md."""
    if not _suite_seconds:
        return
    terminalreporter.section("suite times")
    for suite, seconds in sorted(_suite_seconds.items(), key=lambda kv: -kv[1]):
        budget = BUDGET_SECONDS.get(suite)
        over = " OVER BUDGET" if budget and seconds > budget else ""
        terminalreporter.write_line(f"{suite:<28} {seconds:7.1f} s" + (f"  (budget {budget} s){over}" if budget else ""))
    folder = Path(__file__).resolve().parents[2] / ".data"
    folder.mkdir(exist_ok=True)
    (folder / "suite-times.json").write_text(json.dumps(_suite_seconds, indent=1, sort_keys=True))
