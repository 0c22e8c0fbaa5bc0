"""Rebuilding every kpi figure from history, by an operator's command (`profset rebuild kpi`).

Figures are computed on read from the facts kpi keeps, so rebuilding the facts rebuilds the figures: kpi's
own read models are applied again from its ledger, and the facts learnt from the other contexts are emptied
and their consumers reset, so the service replays those contexts' streams from the start when it runs.
A consumer whose projector is running holds its lock and is left alone (stop the service to reset it).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import nats
import nats.js.errors
from nats.aio.client import Client
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.envelope import STREAMS
from kit.db import make_engine
from kit.locks import lock_key, try_lock
from kit.store import EventStore, truncating

from .config import KpiSettings
from .projections.own import apply_own
from .tables import LEARNT, READ_MODELS, ledger


@dataclass
class Rebuilt:
    """What a rebuild did."""

    own_events: int = 0
    reset: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)


async def rebuild(settings: KpiSettings) -> Rebuilt:
    """Applies kpi's ledger again and resets every consumer whose projector is not running."""
    engine = make_engine(settings.database_url)
    done = Rebuilt()
    try:
        done.own_events = await EventStore(engine, ledger, "kpi", inline=[apply_own]).rebuild(truncating(READ_MODELS))
        nc = await nats.connect(settings.nats_servers, user=settings.nats_user, password=settings.nats_password)
        try:
            for source in LEARNT:
                async with engine.connect() as conn:
                    reset = await _reset(conn, nc, source)
                (done.reset if reset else done.busy).append(f"kpi_{source}")
        finally:
            await nc.close()
    finally:
        await engine.dispose()
    return done


async def _reset(conn: AsyncConnection, nc: Client, source: str) -> bool:
    """Holding the consumer's lock (so no projector runs meanwhile): deletes the durable consumer, so it is
    created again from the stream's first message, and empties what it learnt and its checkpoint."""
    consumer = f"kpi_{source}"
    key = lock_key("projector", "kpi", consumer)
    if not await try_lock(conn, key):
        return False
    try:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await nc.jetstream(timeout=10).delete_consumer(STREAMS[source], consumer)
        async with conn.begin():
            await truncating(LEARNT[source])(conn)
            for table in (ledger.checkpoints, ledger.pending):
                await conn.execute(delete(table).where(table.c.consumer == consumer))
    finally:
        await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        await conn.commit()
    return True
