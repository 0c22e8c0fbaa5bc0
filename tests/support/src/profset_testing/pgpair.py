"""The failover tests' PostgreSQL: a primary and its synchronous standby (`profset.pgpair`), every schema migrated and
every service's role granted through the pair's multi-host URI; a command burst that notes when each answer came, and
the counts that say whether a failover lost or doubled anything across the services."""

from __future__ import annotations

import importlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from contracts.envelope import STREAMS
from kit.db import make_engine
from profset.pgpair import PostgresPair

from .faults import Burst
from .traces import stream_messages


@pytest.fixture
def pg_pair(tmp_path: Path) -> Iterator[PostgresPair]:
    """A primary and a synchronous standby of the test's own, migrated (roles too) through the pair's URL: killing the
    primary harms no other test."""
    from profset.stack import migrate_all

    pair = PostgresPair(tmp_path / "pg")
    pair.start()
    migrate_all(pair.url, roles=True)
    yield pair
    pair.stop()


@dataclass
class TimedBurst(Burst):
    """A `Burst` that also notes when each answer came (monotonic seconds) and what it was."""

    answered: list[tuple[float, int]] = field(default_factory=list)

    async def send(self, i: int) -> int:
        status = await super().send(i)
        self.answered.append((time.monotonic(), status))
        return status

    def refused_after(self, moment: float) -> int:
        """How many commands answered anything but ok after `moment`."""
        return sum(1 for at, status in self.answered if at > moment and status != 201)


SERVICES = ("registry", "contacts", "exchange", "notifications", "audits", "kpi", "appeals")


def ledger_of(service: str) -> Any:
    """A service's ledger tables."""
    return importlib.import_module(f"{service}.tables").ledger


async def published_once(database_url: str, nc: Any) -> dict[str, dict[str, int]]:
    """Per service, its ledger against its stream: events, those lost from the stream, doubled on it, and strangers
    (on the stream, not in the ledger: published before a commit the failover then lost)."""
    engine = make_engine(database_url)
    found = {}
    async with engine.connect() as conn:
        for name in SERVICES:
            in_ledger = {str(r[0]) for r in await conn.execute(select(ledger_of(name).events.c.event_id))}
            on_stream = Counter(h["ce-id"] for h, _ in await stream_messages(nc.jetstream(), STREAMS[name]))
            found[name] = {
                "events": len(in_ledger),
                "lost_from_stream": len(in_ledger - set(on_stream)),
                "duplicated_on_stream": sum(n - 1 for n in on_stream.values()),
                "strangers_on_stream": len(set(on_stream) - in_ledger),
            }
    await engine.dispose()
    return found


async def settled(database_url: str) -> bool:
    """Every consumer of every service has applied its sources' ledgers to their heads, and no letter waits."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            for name in SERVICES:
                checkpoints = ledger_of(name).checkpoints
                for source, position in (await conn.execute(select(checkpoints.c.source, checkpoints.c.position))).all():
                    head = (await conn.execute(select(text("max(position)")).select_from(ledger_of(source).events))).scalar()
                    assert position >= (head or 0), f"{name} behind on {source}: {position} < {head}"
            waiting = (await conn.execute(text("SELECT count(*) FROM notifications.outbox WHERE status = 'pending'"))).scalar()
            assert waiting == 0, f"{waiting} letters still pending"
    finally:
        await engine.dispose()
    return True


async def count(database_url: str, query: str) -> int:
    """The one number a query answers."""
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        found = int((await conn.execute(text(query))).scalar_one())
    await engine.dispose()
    return found
