"""The tree's one stream under load from two registry replicas (issue 35): many clients register orgs under one parent,
rename and move them and admit members, all at once through two gateways. None is answered 409 for losing a race (a
409 is right only for a stale If-Match), every command answered ok is in the ledger once, and the tree is whole."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text

from kit.db import make_engine
from profset.servers import NatsServer
from profset_testing import ADMIN_PASSWORD, Keys
from profset_testing.faults import record
from profset_testing.servers import stream_keeper
from profset_testing.stack import RoundRobin, service_settings

REPLICAS = 2
CLIENTS = 32
ROUNDS = 3
"""Each client, each round: registers an org under the one parent, renames it, moves it, admits a member to it."""
EVENTS = {"register": 1, "rename": 1, "move": 1, "admit": 2}
"""Events one command appends (an admission registers the person and admits them): more would be a double."""


class Replica(threading.Thread):
    """A registry in an event loop of its own, as in a process of its own: what a process keeps to itself (its turns
    and retry locks are per event loop) is not shared with the other replica, so their races are a real cluster's."""

    def __init__(self, make: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.make, self.ready = make, threading.Event()
        self.failed: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # the test raises it in its own thread
            self.failed = e
            self.ready.set()

    async def _serve(self) -> None:
        async with self.make().running():
            self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
            self.ready.set()
            await self.stopping.wait()

    async def __aenter__(self) -> Replica:
        self.start()
        await asyncio.to_thread(self.ready.wait)
        if self.failed is not None:
            raise self.failed
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.loop is not None and self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        await asyncio.to_thread(self.join)


@contextlib.asynccontextmanager
async def replicas(database_url: str, nats: NatsServer, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    """Two registries, each in an event loop of its own, and two gateways reached in turn as a load balancer would."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings
    from registry.config import RegistrySettings
    from registry.main import create_service

    shared = service_settings(database_url, nats.url, keys)
    settings = RegistrySettings(**shared | nats.login("registry") | keys.sealing("registry"))
    gateway = GatewaySettings(**shared | nats.login("gateway"), token_private_key=keys.private, admin_password=ADMIN_PASSWORD)
    apps = [create_app(gateway) for _ in range(REPLICAS)]
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(stream_keeper(nats))
        await running.enter_async_context(create_service(settings).running())
        for _ in range(REPLICAS - 1):
            await running.enter_async_context(Replica(lambda: create_service(settings)))
        for app in apps:
            await running.enter_async_context(app.router.lifespan_context(app))
        yield await running.enter_async_context(
            httpx.AsyncClient(transport=RoundRobin(apps), base_url="http://gateway.test", timeout=60)
        )


@dataclass
class Clients:
    """What the clients sent and were answered: per Idempotency-Key, the kind of command and the HTTP status."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    sent: dict[str, str] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    orgs: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    async def send(self, kind: str, key: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.sent[key] = kind
        reply = await self.http.request(method, path, json=body, headers=self.headers | {"Idempotency-Key": key})
        self.answers[key] = reply.status_code
        if reply.status_code >= 300:
            self.refusals.append(f"{kind} {reply.status_code}: {reply.text}")
            return {}
        return dict(reply.json())

    async def client(self, i: int, north: str, south: str) -> None:
        """One client's rounds, each command after the one before it, as a user's clicks are."""
        for r in range(ROUNDS):
            body = {"name": f"ППО {i}-{r}", "level": "primary", "parent_id": north, "registered_on": "2000-01-01"}
            org = await self.send("register", f"reg-{i}-{r}", "POST", "/api/v1/orgs", body)
            if not org:
                continue
            self.orgs.append(org["id"])
            path = f"/api/v1/orgs/{org['id']}"
            await self.send("rename", f"ren-{i}-{r}", "PATCH", path, {"name": f"ППО {i}-{r} (новое имя)"})
            if r % 2 == 0:
                await self.send("move", f"mov-{i}-{r}", "PATCH", path, {"parent_id": south, "effective_on": "2010-01-01"})
            await self.send("admit", f"adm-{i}-{r}", "POST", f"{path}/members", {"full_name": f"Член {i}-{r}"})


async def _ledger(database_url: str) -> tuple[Counter[str], list[int]]:
    """The registry ledger's events per command id, and the tree stream's versions in order."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT command_id, count(*) FROM registry.events GROUP BY command_id"))
            per_command = Counter({str(c): int(n) for c, n in rows if c is not None})
            versions = await conn.execute(
                text("SELECT version FROM registry.events WHERE stream_id = 'union-tree' ORDER BY version")
            )
            return per_command, [int(v) for (v,) in versions]
    finally:
        await engine.dispose()


async def test_two_registries_under_many_clients_answer_no_spurious_conflict(
    database_url: str, nats_server: NatsServer, keys: Keys
) -> None:
    async with replicas(database_url, nats_server, keys) as http:
        token = await http.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert token.status_code == 200, token.text
        clients = Clients(http, {"Authorization": f"Bearer {token.json()['access_token']}"})
        cc = await clients.send("register", "cc", "POST", "/api/v1/orgs", {"name": "ЦК", "level": "central"} | _ON)
        north = await clients.send("register", "north", "POST", "/api/v1/orgs", _territorial("Северная", cc["id"]))
        south = await clients.send("register", "south", "POST", "/api/v1/orgs", _territorial("Южная", cc["id"]))
        began = time.perf_counter()
        await asyncio.gather(*(clients.client(i, north["id"], south["id"]) for i in range(CLIENTS)))
        took = time.perf_counter() - began
        north_children = await http.get(f"/api/v1/orgs/{north['id']}/children", headers=clients.headers)
        south_children = await http.get(f"/api/v1/orgs/{south['id']}/children", headers=clients.headers)
        stale = await _leaving_on_a_stale_version(http, clients.headers, clients.orgs[0])

    statuses = Counter(clients.answers.values())
    assert set(statuses) <= {200, 201}, (statuses, clients.refusals[:5])
    commands = CLIENTS * ROUNDS * 3 + CLIENTS * ((ROUNDS + 1) // 2)
    assert len(clients.answers) == commands + 3

    assert stale == 409, "a stale If-Match is still answered 409: the one conflict a client asks for"
    per_command, versions = await _ledger(database_url)
    expected = {_command_id(key): EVENTS[kind] for key, kind in clients.sent.items()}
    assert {c: per_command[c] for c in expected} == expected, "each command answered ok is in the ledger, once"
    assert versions == list(range(1, len(versions) + 1)), "the tree's stream has no gap and no version twice"

    moved = {f"ППО {i}-{r} (новое имя)" for i in range(CLIENTS) for r in range(ROUNDS) if r % 2 == 0}
    stayed = {f"ППО {i}-{r} (новое имя)" for i in range(CLIENTS) for r in range(ROUNDS) if r % 2 == 1}
    assert {c["name"] for c in south_children.json()} == moved, "every move landed, once, under its new name"
    assert {c["name"] for c in north_children.json()} == stayed, "every registration not moved is where it was put"
    record(
        "tree_contention",
        registries=REPLICAS,
        clients=CLIENTS,
        commands=commands,
        conflicts=statuses.get(409, 0),
        commands_per_second=round(commands / took, 1),
        tree_events_per_second=round((len(versions) - 3) / took, 1),
    )


async def _leaving_on_a_stale_version(http: httpx.AsyncClient, h: dict[str, str], org: str) -> int:
    """The status of a leaving sent with the If-Match of the member's record one version back."""
    admitted = await http.post(f"/api/v1/orgs/{org}/members", json={"full_name": "Член с ETag"}, headers=h)
    assert admitted.status_code == 201, admitted.text
    person = admitted.json()["id"]
    etag = (await http.get(f"/api/v1/members/{person}", headers=h)).headers["ETag"]
    stale = {"If-Match": f'"{int(etag.strip(chr(34))) - 1}"'}
    return (await http.post(f"/api/v1/members/{person}/leaving", json={"reason": "переезд"}, headers=h | stale)).status_code


_ON = {"registered_on": "1990-01-01"}


def _territorial(name: str, parent: str) -> dict[str, Any]:
    return {"name": name, "level": "territorial", "parent_id": parent, "registered_on": "1991-01-01"}


def _command_id(key: str) -> str:
    """The ledger's command id of an Idempotency-Key of the admin's (the gateway scopes a key to its user)."""
    return hashlib.sha256(f"admin\x1f{key}".encode()).hexdigest()
