"""A rolling update under load (issue 33): two replicas of every service and of the gateway, replaced one by one as
Kubernetes replaces a Deployment's pods (maxSurge 0, maxUnavailable 1: one stops gracefully, a new one starts and is
Ready, then the next), while clients admit members, report headcounts, cascade materials and read through the
gateways, sending a refused command again with its Idempotency-Key as a client does. No request fails beyond its
retries, every command answered ok is in its ledger and on its stream once, no letter or delivery is doubled, and every
relay, projector and single-active worker is taken over by a new replica; how long a role had no leader is recorded."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from kit.db import make_engine
from kit.service import Service
from profset.dbroles import as_role
from profset_testing import ADMIN_PASSWORD, ChatApi, Keys, Stack, eventually
from profset_testing.api import NEWS, chain_with_addressees
from profset_testing.faults import audit, clean, record
from profset_testing.servers import stream_keeper
from profset_testing.settling import (
    DELIVERIES_TWICE,
    SENT,
    SERVICES,
    count,
    each_event_published_once,
    ledger_of,
    settled,
)
from profset_testing.stack import _services, service_settings

ATTEMPTS = 40
"""How often a client sends one request before it gives up (it waits a fifth of a second between)."""
CLIENTS = 2
"""Clients of each kind (admissions, headcounts, cascades, reads) sending at once."""
PACE = 0.05
"""Seconds each client rests between requests, so that the load leaves the two cores room for the rollout."""
EVENTS = {"admit": 2, "headcount": 1, "material": 1, "cascade": 1}
"""Events one command appends (an admission registers the person and admits them): more would be a double."""


@dataclass
class Pod:
    """One replica (a service, or a gateway's app) running in an exit stack of its own, so that it stops alone."""

    kind: str
    runs: Any
    stack: contextlib.AsyncExitStack[Any] = field(default_factory=contextlib.AsyncExitStack)


class Balancer(httpx.AsyncBaseTransport):
    """The gateways' Kubernetes Service: requests go to the Ready gateways in turn; one taken out of it gets no new
    request, and those it has open are answered before it stops (uvicorn's graceful shutdown)."""

    def __init__(self) -> None:
        self.ready: list[tuple[Any, httpx.ASGITransport]] = []
        self.open: Counter[int] = Counter()
        self.turn = 0

    def add(self, app: Any) -> None:
        self.ready.append((app, httpx.ASGITransport(app=app)))

    async def take_out(self, app: Any) -> None:
        self.ready = [(a, t) for a, t in self.ready if a is not app]

        async def idle() -> bool:
            return self.open[id(app)] == 0

        await eventually(idle, timeout=30)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.turn += 1
        app, transport = self.ready[self.turn % len(self.ready)]
        self.open[id(app)] += 1
        try:
            return await transport.handle_async_request(request)
        finally:
            self.open[id(app)] -= 1


class Cluster:
    """Every service and the gateway as Deployments of two pods; a pod is replaced as a rolling update replaces it."""

    def __init__(self, make_gateway: Callable[[], Any]) -> None:
        self.make_gateway = make_gateway
        self.balancer = Balancer()
        self.pods: list[Pod] = []
        """The pods running now, the one being stopped included."""

    async def start(self, kind: str, runs: Any) -> Pod:
        """Starts a pod and waits until it is Ready (a gateway then joins the balancer)."""
        pod = Pod(kind, runs)
        self.pods.append(pod)
        if kind == "gateway":
            await pod.stack.enter_async_context(runs.router.lifespan_context(runs))
            await eventually(lambda: _gateway_ready(runs), timeout=30)
            self.balancer.add(runs)
        else:
            await pod.stack.enter_async_context(runs.running())
            await eventually(lambda: _ready(runs), timeout=30)
        return pod

    async def replace(self, pod: Pod) -> Pod:
        """Stops the pod gracefully, then starts a new one of the same kind and settings and waits until it is Ready."""
        if pod.kind == "gateway":
            await self.balancer.take_out(pod.runs)
        await pod.stack.aclose()
        self.pods.remove(pod)
        if pod.kind == "gateway":
            return await self.start("gateway", self.make_gateway())
        old: Service = pod.runs
        return await self.start(pod.kind, Service(old.settings, old.metadata, old.ledger, old.wire, publishes=old.publishes))

    def services(self) -> list[Pod]:
        return [p for p in self.pods if p.kind != "gateway"]

    async def stop(self) -> None:
        for pod in reversed(self.pods):
            await pod.stack.aclose()


async def _ready(service: Service) -> bool:
    return bool((await service.readiness())["ready"])


async def _gateway_ready(app: Any) -> bool:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http:
        return (await http.get("/readyz")).status_code == 200


@contextlib.asynccontextmanager
async def two_of_each(database_url: str, nats_server: Any, keys: Keys, smtp: Any, chat: ChatApi) -> AsyncIterator[Cluster]:
    """Two pods of every service and of the gateway against the test's servers."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    shared = service_settings(database_url, nats_server.url, keys)
    gateway = GatewaySettings(
        **shared | nats_server.login("gateway") | {"database_url": as_role(database_url, "gateway")},
        token_private_key=keys.private,
        admin_password=ADMIN_PASSWORD,
        request_timeout=5,
    )
    cluster = Cluster(lambda: create_app(gateway))
    async with stream_keeper(nats_server):
        try:
            for _ in range(2):
                for name, service in _services(shared, nats_server.login, keys, smtp, chat).items():
                    await cluster.start(name, service)
                await cluster.start("gateway", create_app(gateway))
            yield cluster
        finally:
            await cluster.stop()


class Leaders:
    """Looks, every 20 ms, which running replica leads each role of each service: the longest time a role had no
    leader, how often it changed hands, and whether two replicas ever led one at once."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.leader: dict[str, int] = {}
        self.leaderless_since: dict[str, float] = {}
        self.longest: defaultdict[str, float] = defaultdict(float)
        self.handovers: Counter[str] = Counter()
        self.twice = 0

    def leading(self) -> dict[str, list[int]]:
        """Each role ("<service>/<role>") and the pods that lead it now."""
        found: defaultdict[str, list[int]] = defaultdict(list)
        for pod in self.cluster.services():
            for role, leads in pod.runs.roles().items():
                found[f"{pod.kind}/{role}"] += [id(pod)] if leads else []
        return found

    def look(self) -> None:
        now = time.monotonic()
        for role, pods in self.leading().items():
            self.twice += len(pods) > 1
            if not pods:
                self.leaderless_since.setdefault(role, now)
                continue
            if role in self.leaderless_since:
                self.longest[role] = max(self.longest[role], now - self.leaderless_since.pop(role))
            if self.leader.get(role, pods[0]) != pods[0]:
                self.handovers[role] += 1
            self.leader[role] = pods[0]

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.look()
            await asyncio.sleep(0.02)


async def _every_role_led(leaders: Leaders) -> dict[str, list[int]]:
    found = leaders.leading()
    assert all(len(pods) == 1 for pods in found.values()), {r: len(p) for r, p in found.items() if len(p) != 1}
    return found


@dataclass
class Client:
    """A client of the API: each command has its own Idempotency-Key and goes again, with the same key, while it is
    refused as unavailable (503, 504) or gets no answer; a read goes again likewise."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    done: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> the kind of the command answered ok."""
    reads: int = 0
    attempts: int = 0
    refused: Counter[int] = field(default_factory=Counter)
    why: Counter[str] = field(default_factory=Counter)
    """The refusals' messages (what the gateway says went wrong), by how often."""
    """Status -> attempts refused so (0: no answer at all)."""
    failed: list[str] = field(default_factory=list)
    longest: float = 0.0
    """Seconds from a request's first try to its answer, at the longest."""

    async def command(self, kind: str, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await self._send(key, lambda: self.http.post(path, json=body, headers=self.headers | {"Idempotency-Key": key}))
        if reply is not None:
            self.done[key] = kind
        return {} if reply is None else dict(reply.json())

    async def read(self, path: str) -> None:
        if await self._send(path, lambda: self.http.get(path, headers=self.headers)) is not None:
            self.reads += 1

    async def _send(self, what: str, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response | None:
        started = time.monotonic()
        for _ in range(ATTEMPTS):
            self.attempts += 1
            try:
                reply = await send()
            except httpx.HTTPError:
                self.refused[0] += 1
            else:
                if reply.status_code < 300:
                    self.longest = max(self.longest, time.monotonic() - started)
                    return reply
                assert reply.status_code in (503, 504), f"{what}: {reply.status_code} {reply.text}"
                self.refused[reply.status_code] += 1
                self.why[reply.json().get("error", {}).get("message", reply.text)[:80]] += 1
            await asyncio.sleep(0.2)
        self.failed.append(what)
        return None


async def _load(client: Client, orgs: dict[str, Any], stop: asyncio.Event) -> None:
    """CLIENTS clients of each kind at once until `stop`: admissions, headcounts (each of its own org), cascades (a
    material, then its cascade) and reads."""

    async def admissions(n: int) -> None:
        async for i in _until(stop):
            org = orgs["p1" if i % 2 else "p4"]["id"]
            body = {"full_name": f"Член {n}-{i}", "since": "2015-01-01"}
            await client.command("admit", f"admit-{n}-{i}", f"/api/v1/orgs/{org}/members", body)

    async def headcounts(n: int) -> None:
        org = orgs[("p3", "p1", "p4")[n % 3]]["id"]
        async for i in _until(stop):
            body = {"members": 100 + i, "as_of": (date(2000, 1, 1) + timedelta(days=i)).isoformat()}
            await client.command("headcount", f"headcount-{n}-{i}", f"/api/v1/orgs/{org}/headcount", body)

    async def cascades(n: int) -> None:
        async for i in _until(stop):
            body = {**NEWS, "title": f"Новость {n}-{i}", "org_id": orgs["cc"]["id"]}
            material = await client.command("material", f"material-{n}-{i}", "/api/v1/materials", body)
            if material:
                await client.command("cascade", f"cascade-{n}-{i}", f"/api/v1/materials/{material['id']}/cascade", {})
            await asyncio.sleep(0.5)  # a cascade reaches every org and mails its officers: a few a run are enough

    async def reads(n: int) -> None:
        async for _ in _until(stop):
            await client.read(f"/api/v1/orgs/{orgs[('p1', 'p4')[n % 2]]['id']}/members")

    await asyncio.gather(*(kind(n) for n in range(CLIENTS) for kind in (admissions, headcounts, cascades, reads)))


async def _until(stop: asyncio.Event) -> AsyncIterator[int]:
    """0, 1, 2 … until `stop` is set, resting PACE seconds between."""
    i = 0
    while not stop.is_set():
        yield i
        i += 1
        await asyncio.sleep(PACE)


async def test_a_rolling_update_under_load_fails_no_request_doubles_nothing_and_hands_every_role_over(
    database_url: str, nats_server: Any, keys: Keys, smtp: Any, chat: ChatApi, nc: Any
) -> None:
    async with two_of_each(database_url, nats_server, keys, smtp, chat) as cluster:
        http = _client(cluster)
        stack = Stack(http, keys, {p.kind: p.runs for p in cluster.services()}, nats_server.url, database_url)
        h, orgs = await chain_with_addressees(stack)
        leaders = Leaders(cluster)
        first = await eventually(lambda: _every_role_led(leaders), timeout=60)
        generation = list(cluster.pods)  # kept, so no new pod is given an old one's id
        client, stop, rolled = Client(http, h), asyncio.Event(), asyncio.Event()
        watching = asyncio.create_task(leaders.watch(stop))
        load = asyncio.create_task(_load(client, orgs, rolled))
        started = time.monotonic()
        for kind in (*SERVICES, "gateway"):  # a Deployment at a time, a pod at a time
            for pod in [p for p in cluster.pods if p.kind == kind]:
                await cluster.replace(pod)
        roll_seconds = time.monotonic() - started
        rolled.set()
        await load
        last = await eventually(lambda: _every_role_led(leaders), timeout=60)
        stop.set()
        await watching
        await eventually(lambda: settled(database_url), timeout=90, interval=0.5)
        await http.aclose()

    assert client.failed == [], "every request answered within its retries"
    assert set(last) == set(first) and not {p for pods in last.values() for p in pods} & {id(p) for p in generation}
    assert all(leaders.handovers[role] for role in last), "every role was taken over by a new replica"
    assert leaders.twice == 0, "never two replicas leading one role"
    ids = {kind: {_command_id(k) for k, done in client.done.items() if done == kind} for kind in EVENTS}
    figures = await eventually(lambda: _audited(database_url, nc, ids["headcount"]), timeout=60)
    for kind, context in (("admit", "registry"), ("material", "exchange"), ("cascade", "exchange")):
        per_command = await _events_per_command(database_url, context, ids[kind])
        assert ids[kind] and all(per_command[c] == EVENTS[kind] for c in ids[kind]), (kind, per_command)
    published = await eventually(lambda: each_event_published_once(database_url, nc), timeout=60)
    letters = [m["Message-ID"] for m in smtp.letters]
    assert letters and len(letters) == len(set(letters)), "each letter once"
    assert await count(database_url, SENT) == len(letters), "as many letters as the outbox says went out"
    assert await count(database_url, DELIVERIES_TWICE) == 0, "each cascade reaches each org once"
    record(
        "rolling_update",
        replicas=2,
        pods_replaced=len(generation),
        roll_seconds=round(roll_seconds, 1),
        commands_by_kind={kind: len(ids[kind]) for kind in EVENTS},
        reads=client.reads,
        attempts=client.attempts,
        refused_then_retried=dict(client.refused),
        refused_why=dict(client.why),
        failed_beyond_retries=len(client.failed),
        longest_request_seconds=round(client.longest, 2),
        **figures,
        events_published=sum(published.values()),
        duplicated_on_streams=0,
        letters=len(letters),
        letters_sent_twice=0,
        deliveries=await count(database_url, "SELECT count(*) FROM exchange.deliveries"),
        deliveries_twice=0,
        roles=len(last),
        handovers=sum(leaders.handovers.values()),
        longest_leaderless_seconds=round(max(leaders.longest.values(), default=0.0), 2),
        longest_leaderless_role=max(leaders.longest, key=leaders.longest.__getitem__, default=None),
        two_leaders_seen=leaders.twice,
    )


def _client(cluster: Cluster) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=cluster.balancer, base_url="http://gateway.test", timeout=30)


def _command_id(key: str) -> str:
    """The ledger's command id of the admin's Idempotency-Key (the gateway scopes a key to its user)."""
    return hashlib.sha256(f"admin\x1f{key}".encode()).hexdigest()


async def _audited(database_url: str, nc: Any, command_ids: set[str]) -> dict[str, int]:
    """The registry's ledger against the commands answered ok, and its stream against its ledger, once all is relayed."""
    figures = await audit(database_url, nc, command_ids)
    assert clean(figures), figures
    return figures


async def _events_per_command(database_url: str, context: str, command_ids: set[str]) -> Counter[str]:
    """command id -> events of the context's ledger it appended."""
    events = ledger_of(context).events
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(events.c.command_id).where(events.c.command_id.in_(command_ids)))
            return Counter(r.command_id for r in rows)
    finally:
        await engine.dispose()
