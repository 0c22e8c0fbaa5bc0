"""`profset republish`: rebuilds a context's JetStream stream from the ledger, from a chosen position.

The stream is deleted and created again, then filled with the ledger's events from `--from` (to `--to`)
exactly as the relay publishes them (CloudEvents headers, `Nats-Msg-Id`, a chained
`Nats-Expected-Last-Sequence`); the service's relay notices the new tail and carries on after it. The
durable consumers of the stream go with it and are created again by their projectors, which skip what
their checkpoints already hold. A relay that republishes at the same moment is refused by the chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys

import nats
import nats.errors
import nats.js.errors
from sqlalchemy import func, select

from contracts.envelope import STREAMS
from kit.db import make_engine
from kit.relay import headers_of, stream_config
from kit.settings import nats_servers

from .progress import OK, UNAVAILABLE, USAGE, Progress
from .stack import operator_environment


def replicas_for(asked: int | None, current: int | None, setting: str | None) -> int:
    """The replicas a rebuilt stream gets: those asked for, else the stream's own (a cluster's R3 stays R3), else
    STREAM_REPLICAS, else one."""
    return asked or current or int(setting or 1)


async def _current_replicas(js: nats.js.JetStreamContext, stream: str) -> int | None:
    try:
        return (await js.stream_info(stream)).config.num_replicas
    except nats.js.errors.NotFoundError:
        return None


async def republish(service: str, start: int, end: int | None, asked: int | None, chunk: int = 500) -> int:
    """Deletes the context's stream, creates it again and publishes the ledger's range; an exit code."""
    from .rebuild import ledger_of

    env = operator_environment()
    if "DATABASE_URL" not in env or "NATS_URL" not in env:
        print("set DATABASE_URL and NATS_URL (the operator's credentials), or start the local stack", file=sys.stderr)
        return USAGE
    ledger = ledger_of(service)
    events = ledger.events
    engine = make_engine(env["DATABASE_URL"])
    nc = await nats.connect(nats_servers(env["NATS_URL"]), name="profset-republish", max_reconnect_attempts=2)
    js = nc.jetstream(timeout=10)
    try:
        wanted = events.c.position >= start
        if end is not None:
            wanted &= events.c.position <= end
        async with engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(events).where(wanted))).scalar_one()
            replicas = replicas_for(asked, await _current_replicas(js, STREAMS[service]), os.environ.get("STREAM_REPLICAS"))
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(STREAMS[service])
            await js.add_stream(stream_config(service, replicas))
            bar, seq = Progress(f"republishing {STREAMS[service]}", total), 0
            result = await conn.stream(select(events).where(wanted).order_by(events.c.position))
            async for part in result.partitions(chunk):
                futures = []
                for i, row in enumerate(part):
                    headers = headers_of(row, service) | {"Nats-Expected-Last-Sequence": str(seq + i)}
                    body = json.dumps(row.data, separators=(",", ":"), ensure_ascii=False).encode()
                    futures.append(await js.publish_async(row.subject, body, headers=headers, wait_stall=10))
                acks = await asyncio.wait_for(asyncio.gather(*futures), 30)
                seq = acks[-1].seq
                bar.advance(len(part))
            bar.close()
    except (nats.js.errors.APIError, nats.errors.Error, TimeoutError) as e:
        print(f"\nrepublishing stopped: {e!r}; the relay refills the stream, or run this again", file=sys.stderr)
        return UNAVAILABLE
    finally:
        await nc.close()
        await engine.dispose()
    print(f"republished {total} events of {service} to {STREAMS[service]} (R{replicas}); the relay carries on after them")
    return OK
