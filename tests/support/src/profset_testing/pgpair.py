"""The failover tests' PostgreSQL: a primary and its synchronous standby (`profset.pgpair`), every schema migrated and
every service's role granted through the pair's multi-host URI, and the counts that say whether a failover lost or
doubled anything across the services."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from contracts.envelope import STREAMS
from kit.db import make_engine
from profset.pgpair import PostgresPair

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
