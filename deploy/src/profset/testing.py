"""pytest fixtures that start real servers: PostgreSQL once per run, a fresh database and NATS per test."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from kit.crypto import generate_master_key
from kit.tokens import Actor, Role, Signer, generate_keypair

from .servers import NatsServer, PostgresServer

T = TypeVar("T")
TEMPLATE = "profset_template"
_counter = itertools.count()


@dataclass(frozen=True)
class Keys:
    """The token key pair and master key of a test run."""

    private: str
    public: str
    master: str

    def token(self, role: Role = Role.ADMIN, org_id: str | None = None, username: str = "tester") -> str:
        """A signed actor token, as the gateway would forward."""
        from kit.clock import now

        return Signer(self.private).sign(Actor(username, role, org_id), now(), 3600)


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
    migrate_all(_with_db(server.url, TEMPLATE))
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
    """A fresh nats-server with JetStream for one test."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keys() -> Keys:
    """Keys for this run."""
    private, public = generate_keypair()
    return Keys(private, public, generate_master_key())


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


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Any]:
    """A NATS client connected to the test's server."""
    import nats

    client = await nats.connect(nats_server.url)
    yield client
    await client.close()
