"""The connection budget, worked out from the rendered overlays and the code's own pool sizes (issue 34).

A process opens at most its SQLAlchemy pool (`kit.db.make_engine`: pool_size + max_overflow), its event store's
autocommit reads (`kit.db.Direct`, made by `kit.store.streams.Streams`) and, where a service has a `kit.readcache.
ReadCache`, that cache's own. Every pod of a service Deployment is one such process; a Deployment counts at its
autoscaler's maximum where one scales it, plus the pods a rollout may surge. The pooler runs in session mode (the
services hold session-level advisory locks), so a client's connection holds a server connection while it lives:

- each service's connections fit its role's pool (`default_pool_size`, per user and database, per pooler pod: all of
  a service's connections may land on one pod);
- all the pooled connections fit `max_db_connections` and `max_client_conn` of a pooler pod, for the same reason;
- PostgreSQL's `max_connections`, less `superuser_reserved_connections` and `reserved_connections`, holds every
  service's connections (pooled or not), a pooler pod's auth_query connection each, and `RESERVED`: the migrations
  Job and one operator's `profset` command, a process each.
"""

from __future__ import annotations

import copy
import inspect
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from sqlalchemy.pool import QueuePool

from kit.db import Direct, make_engine
from kit.readcache import ReadCache
from kit.store.reading import Streams
from profset import manifests
from profset.kustomize import render
from profset.natsauth import TALKS

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = ["base", "overlays/dev", "overlays/prod"]
PGBOUNCER_DEFAULTS = {"default_pool_size": 20, "max_client_conn": 100, "max_db_connections": 0}
"""PgBouncer's defaults, for a parameter a Pooler leaves out (0: no limit)."""


def sqlalchemy_connections() -> int:
    """A `make_engine` pool's most connections: its size and its overflow (it connects to nothing when made)."""
    pool = make_engine("postgresql://budget@nowhere.invalid/profset").sync_engine.pool
    assert isinstance(pool, QueuePool)
    return pool.size() + pool._max_overflow  # the overflow make_engine set: no public reader


def per_process(service: str) -> int:
    """The most connections one process of `service` opens (a `ReadCache` reads through its store's `Direct`)."""
    store_reads = inspect.signature(Direct).parameters["size"].default  # the event store's Direct(engine)
    return int(sqlalchemy_connections() + store_reads)


RESERVED = 2 * (sqlalchemy_connections() + inspect.signature(Direct).parameters["size"].default)
"""The migrations Job and one operator's command (`profset republish`, `rebuild`, …) at once: a process each."""


def surge(strategy: dict[str, Any] | None, replicas: int) -> int:
    """The pods a rollout adds over `replicas` (Kubernetes' default: 25 %, rounded up)."""
    if strategy and strategy.get("type") == "Recreate":
        return 0
    value = ((strategy or {}).get("rollingUpdate") or {}).get("maxSurge", "25%")
    return math.ceil(replicas * int(value[:-1]) / 100) if isinstance(value, str) else int(value)


def demand(objects: list[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    """Each Deployment with a DATABASE_URL: the host it connects to and its most connections."""
    scalers = {o["spec"]["scaleTargetRef"]["name"]: o["spec"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"}
    found = {}
    for o in objects:
        if o["kind"] != "Deployment":
            continue
        name, spec = o["metadata"]["name"], o["spec"]
        env = {e["name"]: e.get("value") for c in spec["template"]["spec"]["containers"] for e in c.get("env", [])}
        if "DATABASE_URL" not in env:
            continue
        pods = max(spec.get("replicas", 1), scalers.get(name, {}).get("maxReplicas", 0))
        pods += surge(spec.get("strategy"), pods)
        found[name] = (str(urlsplit(env["DATABASE_URL"]).hostname), pods * per_process(name))
    return found


def setting(parameters: dict[str, str], key: str, default: int) -> int:
    return int(parameters.get(key, default))


def budget_problems(objects: list[dict[str, Any]]) -> list[str]:
    """What breaks the budget in an overlay's objects; none if it holds."""
    cluster = next(o for o in objects if o["kind"] == "Cluster" and o["metadata"]["name"] == manifests.CLUSTER)
    parameters = cluster["spec"].get("postgresql", {}).get("parameters", {})
    available = (
        setting(parameters, "max_connections", 100)
        - setting(parameters, "superuser_reserved_connections", 3)
        - setting(parameters, "reserved_connections", 0)
    )
    poolers = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "Pooler"}
    wanted = demand(objects)
    problems = []
    server = RESERVED + sum(spec.get("instances", 1) for spec in poolers.values())  # a pooler pod's auth_query session
    for host in {host for host, _ in wanted.values()}:
        clients = {name: n for name, (h, n) in wanted.items() if h == host}
        server += sum(clients.values())
        if host == f"{manifests.CLUSTER}-rw":
            continue
        if host not in poolers:
            problems.append(f"{sorted(clients)} connect to {host}, neither the primary nor a pooler")
            continue
        pgbouncer = poolers[host]["pgbouncer"]
        limits = {key: setting(pgbouncer.get("parameters", {}), key, d) for key, d in PGBOUNCER_DEFAULTS.items()}
        if pgbouncer.get("poolMode", "session") != "session":
            problems.append(f"{host} pools in {pgbouncer['poolMode']} mode: the services' advisory locks need session")
        for name, n in clients.items():
            if n > limits["default_pool_size"]:
                problems.append(f"{name} may open {n} connections, its role's pool in {host} holds {limits['default_pool_size']}")
        total = sum(clients.values())
        if limits["max_db_connections"] and total > limits["max_db_connections"]:
            problems.append(f"{total} pooled connections, {host}'s max_db_connections is {limits['max_db_connections']}")
        if total > limits["max_client_conn"]:
            problems.append(f"{total} pooled connections, {host}'s max_client_conn is {limits['max_client_conn']}")
    if server > available:
        problems.append(f"{server} connections to PostgreSQL (with {RESERVED} reserved), {available} available")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_keeps_within_its_connection_budget(overlay: str) -> None:
    objects = render(K8S / overlay)
    assert set(demand(objects)) == set(TALKS), "every service is counted"
    assert budget_problems(objects) == []


def test_the_budget_counts_what_the_code_opens() -> None:
    assert sqlalchemy_connections() == 30, "make_engine's default pool: 20 and an overflow of 10"
    ledger = cast(Any, SimpleNamespace(metadata=SimpleNamespace(schema="kpi")))
    store = Streams(make_engine("postgresql://budget@nowhere.invalid/profset"), ledger)
    assert ReadCache(store, "kpi").direct is store.direct, "a read cache opens no connection of its own"
    for service in TALKS:
        assert per_process(service) == 30 + 8, service


def test_prod_goes_through_the_pooler_and_the_base_to_the_primary() -> None:
    assert {host for host, _ in demand(render(K8S / "overlays/prod")).values()} == {manifests.POOLER}
    assert {host for host, _ in demand(render(K8S / "base")).values()} == {f"{manifests.CLUSTER}-rw"}


def scaled(objects: list[dict[str, Any]], service: str, more: int) -> list[dict[str, Any]]:
    """`objects` with `more` replicas of a service (its autoscaler's maximum where one scales it)."""
    objects = copy.deepcopy(objects)
    scaler = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler" and o["spec"]["scaleTargetRef"]["name"] == service]
    for o in scaler or [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == service]:
        if scaler:
            o["spec"]["maxReplicas"] += more
        else:
            o["spec"]["replicas"] = o["spec"].get("replicas", 1) + more
    return objects


@pytest.mark.parametrize("service", TALKS)
def test_two_more_replicas_of_any_service_break_the_prod_budget(service: str) -> None:
    objects = render(K8S / "overlays/prod")
    assert budget_problems(scaled(objects, service, 0)) == []
    assert budget_problems(scaled(objects, service, 2)) != [], f"{service}: the budget should not hold"


def test_a_rollout_surge_or_a_transaction_pooler_breaks_the_budget() -> None:
    objects = render(K8S / "overlays/prod")
    surging = copy.deepcopy(objects)
    for o in surging:
        if o["kind"] == "Deployment":
            o["spec"].pop("strategy", None)  # Kubernetes' 25 % surge
    assert any("connections to PostgreSQL" in p for p in budget_problems(surging))
    pooled = copy.deepcopy(objects)
    next(o for o in pooled if o["kind"] == "Pooler")["spec"]["pgbouncer"]["poolMode"] = "transaction"
    assert any("advisory locks" in p for p in budget_problems(pooled))
    smaller = copy.deepcopy(objects)
    next(o for o in smaller if o["kind"] == "Cluster")["spec"]["postgresql"]["parameters"]["max_connections"] = "800"
    assert any("connections to PostgreSQL" in p for p in budget_problems(smaller))
