"""Real servers for the tests: PostgreSQL once per run and a fresh database per test, NATS, SMTP and a chat API per
test, and an ASGI app on a real port."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from profset.natsauth import generate_passwords
from profset.servers import NatsServer, PostgresServer

from .waiting import eventually

TEMPLATE = "profset_template"
_counter = itertools.count()


def _with_db(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One real PostgreSQL for the run, with every service's schema migrated into a template database."""
    from profset.stack import migrate_all

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

    from profset.streamkeeper import ensure

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
        except BaseException as e:  # raised again in the fixture's thread
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

    from kit.settings import nats_servers
    from profset.streamkeeper import keeping

    nc = await nats.connect(nats_servers(nats_server.url), name="profset-streamkeeper")
    try:
        async with keeping(nc, getattr(nats_server, "replicas", 1)):  # a cluster's (profset.natscluster) are R3
            yield
    finally:
        await nc.close()


async def asked_until_answered(nc: Any, subject: str, payload: bytes = b"") -> Any:
    """A request asked again while the server says nobody listens yet, as the services ask the keeper (seen in CI: "no
    responders" right after the keeper's subscription was flushed)."""
    import nats.errors

    async def answered() -> Any:
        try:
            return await nc.request(subject, payload, timeout=10)
        except nats.errors.NoRespondersError as e:
            raise AssertionError("no responders") from e

    return await eventually(answered, timeout=10, interval=0.2)


async def connect_as(server: NatsServer, user: str, errors: list[str]) -> Any:
    """A NATS client logged in as one of the system's users, held to its permissions; each refusal the server sends
    lands in `errors`, lower-cased."""
    import nats

    from profset.natsauth import inbox

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


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server on a free port that keeps every letter it accepts (`.letters`, `.port`)."""
    from profset.mailsink import start
    from profset.servers import free_port

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


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """An ASGI app (already started) on a real port of this machine, served from this event loop; its base URL."""
    import uvicorn

    from profset.servers import free_port

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
