"""The bench's world: real servers on free ports, a union loaded from CSV, every service as its own process."""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from kit import clock
from kit.tokens import DEFAULT_AUDIENCE, Actor, Role, Signer, service_audience
from profset.servers import free_port
from profset.stack import Stack, migrate_all
from profset.stackkeys import secrets

ROLES = ("chair", "info_worker", "info_activist", "press_secretary")


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is."""

    territorial: int
    primary: int
    members: int
    recipients: int  # officers with a consenting work e-mail per primary org: cascade letters = primary × this
    commands: int
    clients: int
    store_aggregates: int
    rebuild_events: int
    gateway_seconds: float
    gateway_rate: float
    sheets: int = 100  # notice-board sheets rendered per paper size (no servers)


FULL = Sizes(80, 5000, 100_000, 4, 5_000, 64, 2000, 1_000_000, 30.0, 200.0, 300)
QUICK = Sizes(10, 100, 500, 2, 300, 32, 100, 100_000, 5.0, 200.0, 30)


def database(server_url: str, name: str, roles: bool = False) -> str:
    """A fresh database on the bench's PostgreSQL, every schema migrated (with `roles`, each service's own role)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    base, _, query = server_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    migrate_all(url, roles=roles)
    return url


def _write(folder: Path, name: str, header: list[str], rows: list[list[Any]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def union_files(folder: Path, sizes: Sizes) -> None:
    """A CC, territorial and primary orgs with headcounts, officers with consenting work e-mail, and members."""
    folder.mkdir(parents=True, exist_ok=True)
    t, p = sizes.territorial, sizes.primary
    orgs = [["cc", "ЦК", "central", "", "1990-01-01"]]
    orgs += [[f"t{i}", f"Территориальная {i}", "territorial", "cc", "1991-01-01"] for i in range(t)]
    orgs += [[f"p{i}", f"ППО {i}", "primary", f"t{i % t}", "1995-01-01"] for i in range(p)]
    _write(folder, "orgs", ["ref", "name", "level", "parent_ref", "registered_on"], orgs)
    _write(folder, "headcounts", ["org_ref", "members", "as_of"], [[f"p{i}", 100 + i % 500, "2025-01-01"] for i in range(p)])
    officers, points = [], []
    for i in range(p):
        for r, role in enumerate(ROLES[: sizes.recipients]):
            officers.append([f"o{r}-{i}", f"p{i}", f"Офицер {r} {i}", role, "2020-01-01", "", "", ""])
            points.append([f"o{r}-{i}", "work_email", f"o{r}.{i}@verf.ru", "", ""])
    _write(folder, "officers", ["ref", "org_ref", "full_name", "role", "since", "until", "released", "trained"], officers)
    _write(folder, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], points)
    members = [
        [f"m{i}", f"p{i % p}", f"Член Профсоюза №{i}", "1980-01-01", "слесарь", "2010-01-01"] for i in range(sizes.members)
    ]
    _write(folder, "members", ["ref", "org_ref", "full_name", "birth_date", "position", "since"], members)


def import_union(folder: Path, database_url: str, keys: dict[str, str]) -> None:
    """`profset import` against a database: the fast way to load a big union."""
    from profset import cli

    told = {"DATABASE_URL": database_url} | {k: keys[k] for k in ("REGISTRY_MASTER_KEY", "CONTACTS_MASTER_KEY")}
    os.environ.update(told)
    try:
        if cli.main(["import", str(folder)]) != 0:
            raise RuntimeError("the union did not import")
    finally:
        for key in told:
            del os.environ[key]


@dataclass
class World:
    """The servers, the keys and (once started) the service processes."""

    folder: Path
    stack: Stack
    keys: dict[str, str]
    server_url: str = ""
    database_url: str = ""

    def token(self, service: str) -> str:
        """An admin's signed actor token, as the gateway forwards it to `service`."""
        audience = service_audience(DEFAULT_AUDIENCE, service)
        return Signer(self.keys["TOKEN_PRIVATE_KEY"]).sign(Actor("bench", Role.ADMIN, None), clock.now(), 3600, audience)

    def start_services(self, extra: dict[str, str]) -> None:
        """Every service and the gateway as processes, as `make run` starts them; returns once all are ready."""
        self.stack.start_mail_sink()
        env = self.stack.environment(self.keys) | {"DATABASE_URL": self.database_url, "LOG_LEVEL": "WARNING"} | extra
        self.stack.start_services(env, self.keys)
        self.stack.wait_ready(180)

    def pids(self) -> dict[str, int]:
        """The service processes by name."""
        return {n: p.pid for n, p in self.stack.processes.items() if n not in ("mailsink", "streamkeeper")}


def start(folder: Path) -> World:
    """NATS and PostgreSQL on free ports under `folder`, with keys and NATS users of their own."""
    for name in ("NATS_URL", "DATABASE_URL"):
        os.environ.pop(name, None)
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(folder, gateway_port=free_port())
    stack.start_servers()
    world = World(folder, stack, secrets(folder), server_url=stack.database_url)
    world.database_url = stack.database_url = database(world.server_url, "profset", roles=True)  # each service as its own role
    stack.start_stream_keeper()  # the streams are the operator's: no service makes its own
    return world


def wait_until(check: Any, timeout: float, interval: float = 0.1) -> float:
    """Polls `check()` until truthy; the monotonic time it first was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(interval)
    raise TimeoutError(f"not done within {timeout}s")
