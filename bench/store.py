"""Scenarios 2 and 3: our event store against the `eventsourcing` library, and a rebuild against a plain read."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, text

from contracts.registry import HeadcountReported
from kit import ids
from kit.crypto import KeyRing
from kit.db import make_engine
from kit.store import Batch, EventStore, Meta, fingerprint, truncating
from registry.main import inline_projections
from registry.tables import READ_MODELS, ledger

from .report import Figure

EVENTS_PER_AGGREGATE = 10


def _reports(org_id: str, n: int = EVENTS_PER_AGGREGATE) -> list[HeadcountReported]:
    return [HeadcountReported(org_id=org_id, members=100 + k, as_of=date(2020, 1, 1) + timedelta(days=k)) for k in range(n)]


def _store(url: str, master_key: str, foresee: bool = True) -> EventStore:
    # as in production: the registry's ledger, its advisory-lock ordering and every inline read model
    inline = inline_projections(KeyRing(ledger, master_key))
    return EventStore(make_engine(url), ledger, "registry", inline=inline, foresee=foresee)


class Ours:
    """Our store as in production, appending and reading 10-event aggregates one after another, each append a
    command; the time each part took is summed over the rounds."""

    def __init__(self, url: str, master_key: str, foresee: bool = True) -> None:
        self.store = _store(url, master_key, foresee)
        self.streams: list[str] = []
        self.appending = self.reading = 0.0

    async def append(self, aggregates: int) -> None:
        streams = [f"org-{ids.new_id()}" for _ in range(aggregates)]
        started = time.perf_counter()
        for s in streams:
            command = ids.new_id()
            meta = Meta(command_id=command, fingerprint=fingerprint(command), actor="bench")
            await self.store.append(s, _reports(s[4:]), expected_version=0, meta=meta)
        self.appending += time.perf_counter() - started
        self.streams += streams

    async def read(self, streams: list[str]) -> None:
        started = time.perf_counter()
        for s in streams:
            assert len(await self.store.read_stream(s)) == EVENTS_PER_AGGREGATE
        self.reading += time.perf_counter() - started


class Theirs:
    """The same with `eventsourcing`'s postgres persistence module on the same PostgreSQL (one per process: the
    library registers its aggregate class by name)."""

    def __init__(self, url: str) -> None:
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate, event

        class Org(Aggregate):
            @event("Registered")
            def __init__(self, members: int, as_of: str) -> None:
                self.members, self.as_of = members, as_of

            @event("HeadcountReported")
            def report(self, members: int, as_of: str) -> None:
                self.members, self.as_of = members, as_of

        parsed = urlparse(url)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parsed.path.lstrip("/"),
            "POSTGRES_HOST": query["host"],
            "POSTGRES_PORT": query.get("port", "5432"),
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "postgres",
            "CREATE_TABLE": "y",
        }
        self.org, self.app = Org, Application[Any](env=env)
        self.streams: list[Any] = []
        self.appending = self.reading = 0.0

    def append(self, aggregates: int) -> None:
        started = time.perf_counter()
        for _ in range(aggregates):
            org = self.org(members=100, as_of="2020-01-01")
            for k in range(1, EVENTS_PER_AGGREGATE):
                org.report(100 + k, f"2020-01-{1 + k:02d}")
            self.app.save(org)
            self.streams.append(org.id)
        self.appending += time.perf_counter() - started

    def read(self, streams: list[Any]) -> None:
        started = time.perf_counter()
        for org_id in streams:
            assert self.app.repository.get(org_id).version == EVENTS_PER_AGGREGATE
        self.reading += time.perf_counter() - started


async def event_store(url: str, peer_url: str, master_key: str, aggregates: int, rounds: int = 8) -> list[Figure]:
    """Scenario 2: ours ÷ theirs on append and on read. The two take turns, a share of the aggregates at a time,
    so that a shared machine's slow moments fall on both alike."""
    ours, theirs = Ours(url, master_key), Theirs(peer_url)
    share = max(1, aggregates // rounds)
    for _ in range(rounds):
        await ours.append(share)
        await asyncio.to_thread(theirs.append, share)
    for k in range(rounds):
        await ours.read(ours.streams[k * share : (k + 1) * share])
        await asyncio.to_thread(theirs.read, theirs.streams[k * share : (k + 1) * share])
    await ours.store.engine.dispose()
    theirs.app.close()
    n = share * rounds * EVENTS_PER_AGGREGATE
    peer = "eventsourcing 9.5.6 (postgres), same server"
    return [
        Figure("store.append", n / ours.appending, "events/s", f"{peer}: append, taking turns", n / theirs.appending),
        Figure("store.read", n / ours.reading, "events/s", f"{peer}: read, taking turns", n / theirs.reading),
    ]


async def fill(url: str, master_key: str, events: int, per_batch: int = 5000) -> int:
    """Tops the ledger up to `events` with headcount reports of 100 orgs, appended in batches."""
    store = _store(url, master_key)
    async with store.engine.connect() as conn:
        have = int((await conn.execute(text(f'SELECT count(*) FROM "{ledger.metadata.schema}".events'))).scalar_one())
    orgs = [ids.new_id() for _ in range(100)]
    while have < events:
        n = min(per_batch, events - have)
        per = n // len(orgs) or 1
        batches = [Batch(f"org-{o}", _reports(o, per)) for o in orgs[: max(1, n // per)]]
        await store.append_batch(batches, meta=Meta(actor="bench"))
        have += sum(len(b.events) for b in batches)
    await store.engine.dispose()
    return have


async def rebuild(url: str, master_key: str) -> list[Figure]:
    """Scenario 3: the registry's read models rebuilt from its whole ledger, against reading the same rows."""
    store = _store(url, master_key)
    started = time.perf_counter()
    applied = await store.rebuild(truncating(READ_MODELS))
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    read = 0
    async with store.engine.connect() as conn:
        rows = await conn.stream(select(ledger.events).order_by(ledger.events.c.position))
        async for part in rows.partitions(2000):
            read += len(part)
    plain = time.perf_counter() - started
    await store.engine.dispose()
    assert read == applied
    return [
        Figure("rebuild", applied / rebuilt, "events/s", f"reading the same {read} events without applying them", read / plain)
    ]
