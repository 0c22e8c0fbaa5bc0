"""A projector process for the kill test: the kit's counting read model fed from the registry's stream, slowly."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import nats

from kit.db import make_engine
from kit.projection import Delivered, Projection
from kit.projector import Projector
from profset_testing.counting import LEDGER, count


async def slow_count(conn: Any, d: Delivered) -> None:
    await asyncio.sleep(0.002)  # slow enough that there is a 'midway' to kill the process in
    await count(conn, d.event_id, d.org_id or "", d.position)


async def main() -> None:
    engine = make_engine(os.environ["DATABASE_URL"])
    nc = await nats.connect(os.environ["NATS_URL"])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await Projector(engine, LEDGER, "faults", Projection("counting", "registry", slow_count), nc, batch=50).run(stop)
    await nc.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
