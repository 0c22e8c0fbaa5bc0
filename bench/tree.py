"""Issue 35: the tree's one stream under many clients of two registry replicas, beside the store's raw append rate.

Each replica is the registry's command path as a process runs it (its own event loop, engine and event store with
every inline read model; each command under `retrying`, as the request/reply dispatcher runs it), without NATS and the
gateway in front, which `bench.bus` measures. Its clients, half of all, send one command after another:

- raw: one event appended to a stream of its own, with its command id and reply: the store's append rate (baseline);
- registrations: an org registered under the one parent, each decided on the whole tree;
- mixed: an org registered, renamed, moved (every other one) and a member admitted to it.

`python -m bench.tree [--clients N] [--commands N]` runs it alone on a PostgreSQL of its own, at a small size."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvloop

from contracts.envelope import ErrorCode
from contracts.people import AdmitMember
from contracts.registry import ChangeOrg, HeadcountReported, Level, RegisterOrg
from kit import clock, ids
from kit.crypto import KeyRing
from kit.db import make_engine
from kit.errors import Refused
from kit.rpc import Context
from kit.store import EventStore, Fold, Meta, fingerprint, retrying
from kit.tokens import Actor, Role
from registry.handlers.people import PeopleHandlers
from registry.handlers.tree import Handlers
from registry.main import inline_projections
from registry.tables import ledger

from .report import Figure

REPLICAS = 2
PHASES = ("raw", "registrations", "mixed")
TZ = ZoneInfo("Europe/Moscow")
NOTHING = Fold(0, lambda n, _: n)
"""A fold of a stream nobody writes: its load opens the engine's first connection before anything is timed."""


@dataclass
class Outcomes:
    """Per phase, when each replica began and ended, what its commands were answered and how many it sent."""

    began: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    ended: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    sent: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rate(self, phase: str) -> float:
        return self.sent[phase] / (max(self.ended[phase]) - min(self.began[phase]))


def _context(command_id: str, body: str) -> Context:
    now = clock.now()
    meta = Meta(command_id=command_id, fingerprint=fingerprint("registry", body), actor="bench")
    return Context(actor=Actor("bench", Role.ADMIN, None), meta=meta, today=now.astimezone(TZ).date(), now=now, tz=TZ)


class Replica:
    """One registry process's command path, with its share of the clients."""

    def __init__(self, url: str, master_key: str) -> None:
        keyring = KeyRing(ledger, master_key)
        self.store = EventStore(make_engine(url), ledger, "registry", inline=inline_projections(keyring))
        self.tree, self.people = Handlers(self.store), PeopleHandlers(self.store, keyring)

    async def run(self, command: Callable[[Any, Context], Awaitable[Any]], payload: Any, phase: str, out: Outcomes) -> Any:
        """The command as the dispatcher runs it; a refusal is counted by its code, never raised."""
        command_id = ids.new_id()
        try:
            result = await retrying(lambda: command(payload, _context(command_id, payload.model_dump_json())))
        except Refused as e:
            with out.lock:
                out.refused[f"{phase}:{e.code.value}"] += 1
            return None
        with out.lock:
            out.sent[phase] += 1
        return result

    async def raw(self, n: int, out: Outcomes) -> None:
        for _ in range(n):
            stream, command_id = f"bench-{ids.new_id()}", ids.new_id()
            meta = Meta(command_id=command_id, fingerprint=fingerprint(command_id), actor="bench")
            event = HeadcountReported(org_id=stream, members=100, as_of=date(2025, 1, 1))
            await self.store.append(stream, [event], expected_version=0, meta=meta, data={"id": stream})
            with out.lock:
                out.sent["raw"] += 1

    async def registrations(self, n: int, parent: str, out: Outcomes) -> None:
        for i in range(n):
            body = RegisterOrg(name=f"ППО {ids.new_id()[:8]} {i}", level=Level.PRIMARY, parent_id=parent)
            await self.run(self.tree.register_org, body, "registrations", out)

    async def mixed(self, n: int, parent: str, other: str, out: Outcomes) -> None:
        """n commands: registrations, each followed by a rename, a move (every other one) and an admission."""
        done = 0
        while done < n:
            body = RegisterOrg(name=f"ППО {ids.new_id()[:8]}", level=Level.PRIMARY, parent_id=parent)
            registered = await self.run(self.tree.register_org, body, "mixed", out)
            done += 1
            if registered is None:
                continue
            org = registered.reply["data"]["id"]
            changes = [ChangeOrg(org_id=org, name=f"ППО {org[:8]} (новое имя)")]
            if done % 2:
                changes.append(ChangeOrg(org_id=org, parent_id=other))
            for change in changes[: n - done]:
                await self.run(self.tree.change_org, change, "mixed", out)
                done += 1
            if done < n:
                await self.run(self.people.admit_member, AdmitMember(org_id=org, full_name="Член Профсоюза"), "mixed", out)
                done += 1


def _replica(url: str, master_key: str, clients: int, commands: int, parents: list[str], out: Outcomes, start: Any) -> None:
    """One replica's thread: its own event loop, through every phase, all replicas starting each phase at once."""

    async def phases() -> None:
        replica = Replica(url, master_key)
        per_client = max(1, commands // (clients * REPLICAS))
        work = {
            "raw": lambda: replica.raw(per_client, out),
            "registrations": lambda: replica.registrations(per_client, parents[0], out),
            "mixed": lambda: replica.mixed(per_client, parents[0], parents[1], out),
        }
        await replica.store.load("warm-up", NOTHING)
        for phase in PHASES:
            await asyncio.to_thread(start.wait)
            began = time.perf_counter()
            await asyncio.gather(*(work[phase]() for _ in range(clients)))
            with out.lock:
                out.began[phase].append(began)
                out.ended[phase].append(time.perf_counter())
        await replica.store.engine.dispose()

    uvloop.run(phases())


async def _parents(url: str, master_key: str) -> list[str]:
    """A CC and the two territorial orgs every client registers under and moves to."""
    replica, out = Replica(url, master_key), Outcomes()
    cc = await replica.run(replica.tree.register_org, RegisterOrg(name="ЦК", level=Level.CENTRAL), "setup", out)
    parents = []
    for name in ("Северная", "Южная"):
        body = RegisterOrg(name=name, level=Level.TERRITORIAL, parent_id=cc.reply["data"]["id"])
        parents.append((await replica.run(replica.tree.register_org, body, "setup", out)).reply["data"]["id"])
    await replica.store.engine.dispose()
    return parents


def contention(url: str, master_key: str, clients: int = 16, commands: int = 600) -> list[Figure]:
    """Scenario (issue 35): `clients` per replica, two replicas, about `commands` commands in each phase; registrations
    and mixed tree commands per second beside the raw append rate of the same replicas and clients, and the
    conflicts answered (any is spurious: no command here names a version)."""
    parents = uvloop.run(_parents(url, master_key))
    out, start = Outcomes(), threading.Barrier(REPLICAS)
    threads = [
        threading.Thread(target=_replica, args=(url, master_key, clients, commands, parents, out, start)) for _ in range(REPLICAS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raw = out.rate("raw")
    baseline = f"the store's raw append, one event a command, {REPLICAS} replicas × {clients} clients"
    conflicts = sum(n for key, n in out.refused.items() if key.endswith(ErrorCode.CONFLICT.value))
    return [
        Figure("tree.registrations", out.rate("registrations"), "registrations/s", baseline, raw),
        Figure("tree.mixed", out.rate("mixed"), "commands/s", baseline, raw),
        Figure("tree.conflicts", conflicts, "answers 409"),
        Figure("tree.refused", sum(out.refused.values()) - conflicts, "answers refused otherwise"),
    ]


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.tree`: the scenario alone, on a PostgreSQL of its own, at a small size."""
    from profset.servers import PostgresServer, free_port
    from profset.stack import migrate_all
    from profset.stackkeys import secrets

    parser = argparse.ArgumentParser(prog="python -m bench.tree")
    parser.add_argument("--clients", type=int, default=16, help="clients per replica")
    parser.add_argument("--commands", type=int, default=400, help="commands per phase, all replicas together")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="profset-bench-tree-"))
    server = PostgresServer(folder / "pg", port=free_port())  # durable, as in production
    try:
        url = server.start()
        migrate_all(url)
        for figure in contention(url, secrets(folder)["REGISTRY_MASTER_KEY"], args.clients, args.commands):
            print(figure.line(), flush=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
