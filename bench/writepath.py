"""`python -m bench.writepath [--quick] [--runs N]`: the store's append with the foreseen one-round-trip write on and
off (`EventStore(foresee=...)`, kit/store/forecast.py), beside the peer, in alternating runs on one set of servers."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg
import uvloop

from . import store
from .env import FULL, QUICK, database, start
from .report import Figure


async def appends(urls: dict[str, str], theirs: store.Theirs, master: str, aggregates: int, rounds: int = 8) -> list[Figure]:
    """One run: a store foreseeing and one not, each on a database of its own, and the peer, taking turns a share of
    the aggregates at a time (the two of ours in alternating order), so that a shared machine's slow moments fall on
    all three alike."""
    ours = {mode: store.Ours(url, master, foresee=mode == "on") for mode, url in urls.items()}
    theirs.appending = 0.0
    share = max(1, aggregates // rounds)
    for k in range(rounds):
        for mode in ("on", "off") if k % 2 == 0 else ("off", "on"):
            await ours[mode].append(share)
        await asyncio.to_thread(theirs.append, share)
    n = share * rounds * store.EVENTS_PER_AGGREGATE
    found = []
    for mode, o in ours.items():
        await o.store.engine.dispose()
        peer = "eventsourcing, taking turns"
        found.append(Figure(f"store.append.foresee_{mode}", n / o.appending, "events/s", peer, n / theirs.appending))
    return found


def main(argv: list[str]) -> int:
    """Runs the figure `--runs` times (3) at full or quick size; one JSON line per figure and run."""
    sizes = QUICK if "--quick" in argv else FULL
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 3
    folder = Path(tempfile.mkdtemp(prefix="profset-writepath-"))
    world = start(folder)
    try:
        urls = {mode: database(world.server_url, f"bench_store_{mode}") for mode in ("on", "off")}
        with psycopg.connect(world.server_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_peer")
        theirs = store.Theirs(urls["on"].replace("/bench_store_on?", "/bench_peer?"))  # one per process
        for run in range(runs):
            print(f"# run {run + 1}, load {os.getloadavg()}", flush=True)
            for f in uvloop.run(appends(urls, theirs, world.keys["REGISTRY_MASTER_KEY"], sizes.store_aggregates)):
                print(f.line(), flush=True)
        theirs.app.close()
    finally:
        world.stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
