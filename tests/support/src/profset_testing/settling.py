"""Whether a whole stack has settled after a fault, and what it then counts: every consumer at its sources' heads, no
cascade running and no letter waiting, each ledger's events on its stream once (the fault tests of tests/faults and
tests/cluster)."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

from sqlalchemy import func, select, text

from contracts.envelope import STREAMS
from kit.db import make_engine

from .traces import stream_messages

SERVICES = ("registry", "contacts", "exchange", "notifications", "audits", "kpi", "appeals")
"""The services with a ledger of their own, each publishing to its stream."""

RUNNING = "SELECT count(*) FROM exchange.cascade_runs WHERE finished_at IS NULL"
WAITING = "SELECT count(*) FROM notifications.outbox WHERE status = 'pending'"
SENT = "SELECT count(*) FROM notifications.outbox WHERE status = 'sent' AND channel = 'email'"
DELIVERIES_TWICE = (
    "SELECT count(*) FROM (SELECT material_id, org_id FROM exchange.deliveries GROUP BY 1, 2 HAVING count(*) > 1) twice"
)


def ledger_of(service: str) -> Any:
    """A service's ledger tables."""
    return importlib.import_module(f"{service}.tables").ledger


async def count(database_url: str, query: str) -> int:
    """The one number a query answers."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(query))).scalar_one())
    finally:
        await engine.dispose()


async def settled(database_url: str) -> bool:
    """Every consumer of every service has applied its sources' ledgers to their heads, no cascade is running and no
    letter waits; an assertion naming what is not, otherwise."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            for name in SERVICES:
                checkpoints = ledger_of(name).checkpoints.c
                for source, position in (await conn.execute(select(checkpoints.source, checkpoints.position))).all():
                    head = await conn.scalar(select(func.max(ledger_of(source).events.c.position)))
                    assert position >= (head or 0), f"{name} behind on {source}: {position} < {head}"
            assert await conn.scalar(text(RUNNING)) == 0, "cascades still running"
            waiting = await conn.scalar(text(WAITING))
            assert waiting == 0, f"{waiting} letters still pending"
    finally:
        await engine.dispose()
    return True


async def published_once(database_url: str, nc: Any) -> dict[str, dict[str, int]]:
    """Per service, its ledger against its stream: events, those lost from the stream, doubled on it, and strangers
    (on the stream, not in the ledger: published before a commit a failover then lost)."""
    engine = make_engine(database_url)
    found = {}
    try:
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
    finally:
        await engine.dispose()
    return found


async def each_event_published_once(database_url: str, nc: Any) -> dict[str, int]:
    """Events per stream, once each stream holds each event of its ledger exactly once (an assertion otherwise)."""
    found = await published_once(database_url, nc)
    for name, figures in found.items():
        assert figures | {"events": 0} == dict.fromkeys(figures, 0), f"{name}: the stream differs from the ledger: {figures}"
    return {name: figures["events"] for name, figures in found.items()}
