"""`profset status`: where each ledger, relay and consumer stands, read from PostgreSQL alone."""

from __future__ import annotations

import sys

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.db import make_engine

from .natsauth import TALKS
from .progress import OK, REFUSED, USAGE
from .rebuild import ledger_of
from .stack import operator_environment


async def status() -> int:
    """Prints each service's ledger head, relayed position and consumers; 1 while any event is dead-lettered."""
    env = operator_environment()
    if "DATABASE_URL" not in env:
        print("set DATABASE_URL, or start the local stack", file=sys.stderr)
        return USAGE
    engine = make_engine(env["DATABASE_URL"])
    dead = 0
    try:
        async with engine.connect() as conn:
            heads = {name: await _head(conn, name) for name in TALKS if name != "gateway"}
            for name, head in heads.items():
                relay = ledger_of(name).relay
                relayed = (await conn.execute(select(func.max(relay.c.position)))).scalar() or 0
                mark = "" if relayed >= head else "  (relay behind)"
                print(f"{name:<14} ledger {head:>8}  relayed {relayed:>8}{mark}")
                dead += await _consumers(conn, name, heads)
    finally:
        await engine.dispose()
    if dead:
        print(f"{dead} event(s) dead-lettered: fix the cause, then `profset replay SERVICE`", file=sys.stderr)
    return REFUSED if dead else OK


async def _head(conn: AsyncConnection, name: str) -> int:
    events = ledger_of(name).events
    return int((await conn.execute(select(func.max(events.c.position)))).scalar() or 0)


async def _consumers(conn: AsyncConnection, name: str, heads: dict[str, int]) -> int:
    """Prints the service's consumers; returns how many of their events are dead."""
    ledger = ledger_of(name)
    c, p = ledger.checkpoints.c, ledger.pending.c
    waiting = {
        (row.consumer, row.status): row.n
        for row in await conn.execute(select(p.consumer, p.status, func.count().label("n")).group_by(p.consumer, p.status))
    }
    dead = 0
    for row in await conn.execute(select(c.consumer, c.source, c.position).order_by(c.consumer)):
        counts = {status: waiting.get((row.consumer, status), 0) for status in ("failing", "dead", "parked")}
        dead += counts["dead"]
        extra = "".join(f", {n} {status}" for status, n in counts.items() if n)
        print(f"  {row.consumer:<28} {row.source} {row.position} of {heads.get(row.source, '?')}{extra}")
    return dead
