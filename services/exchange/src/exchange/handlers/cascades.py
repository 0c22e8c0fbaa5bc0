"""The cascade runner: delivers each pending cascade to every org it is for, a chunk per transaction.

Each delivery is the first event of its own stream (`delivery-<material>:<org>`), appended at version 0,
so a delivery can never be made twice: a runner that died midway, or two runners at once, only ever find
the remaining orgs. Orgs below one that holds for review wait for its release (a run of their own). A runner checks its
lock's fence before each batch of deliveries, so one that lost its lock stops before it delivers again; a run it cannot
process is parked with its reason (the ledger's `pending`, consumer `cascades`) and the runs after it go on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.exchange import CascadeReleased, DeliveryDelivered, MaterialCascaded, Route
from kit import clock, logs
from kit.backlog import Backlog
from kit.locks import Fence, LostLock, lock_key, pause, run_singly
from kit.store import Batch, EventStore, Meta, VersionConflict

from ..domain import routing
from ..tables import cascade_runs, deliveries, ledger
from .common import delivery_id, holders, material_stream, orgs_on, routing_tree

log = logs.get("cascades")

PASSING = (LostLock, OperationalError, InterfaceError, OSError, TimeoutError)
"""Failures of the servers or the lock, not of the run: the runner stops and starts again, and the run waits for it."""


class CascadeRunner:
    """Finishes every pending cascade run; one active per service (an advisory lock)."""

    def __init__(self, store: EventStore, chunk: int) -> None:
        self.store, self.chunk = store, chunk
        self.parked = Backlog(ledger, "cascades", "exchange")
        """Runs that could not be processed, each with its reason; an operator deletes the row to have it tried again."""
        self.wake = asyncio.Event()
        self.store.on_commit.append(self.wake.set)
        self.leading = False
        """Whether this replica holds the runners' lock, as /healthz reports it."""

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until stopped: takes the lock, drains pending runs, waits for more."""

        async def deliver(fence: Fence) -> None:
            self.leading = True
            try:
                while not stop.is_set():
                    await fence.check()
                    await self.drain(fence)
                    self.wake.clear()
                    await pause(self.wake, 1.0)
            finally:
                self.leading = False

        stopped = asyncio.ensure_future(stop.wait())
        stopped.add_done_callback(lambda _: self.wake.set())  # a graceful stop does not wait out an idle second
        try:
            await run_singly(self.store.engine, lock_key("cascades", "exchange"), stop, deliver, "cascades")
        finally:
            stopped.cancel()

    async def drain(self, fence: Fence | None = None) -> int:
        """Delivers every pending run that is not parked; returns how many deliveries it made."""
        p = ledger.pending.c
        parked = select(p.aggregate_id).where(p.consumer == "cascades", p.source == "exchange")
        async with self.store.engine.connect() as conn:
            pending = (
                await conn.execute(
                    select(cascade_runs)
                    .where(cascade_runs.c.finished_at.is_(None), cascade_runs.c.run_id.not_in(parked))
                    .order_by(cascade_runs.c.created_at)
                )
            ).all()
        made = 0
        for run in pending:
            try:
                made += await self._finish(run, fence)
            except PASSING:
                raise
            except Exception as e:  # noqa: BLE001 - the run is at fault: parked, so it cannot hold up the others
                await self._park(run, repr(e)[:2000])
        return made

    async def _park(self, r: Any, reason: str) -> None:
        """Keeps a run this runner cannot process, with its reason, out of the next drains."""
        position = lock_key("cascade-run", r.run_id) & ((1 << 63) - 1)  # the pending row's key: stable per run
        headers = {"run_id": r.run_id, "material_id": r.material_id, "cascade_id": r.cascade_id}
        async with self.store.engine.begin() as conn:
            await self.parked.keep(conn, position, r.run_id, "dead", 1, reason, headers, b"")
        log.error("cascade run parked", run_id=r.run_id, material_id=r.material_id, why=reason)

    async def _finish(self, r: Any, fence: Fence | None = None) -> int:
        """Delivers one run (a row of cascade_runs) to every org it still owes, then marks it finished."""
        async with self.store.engine.connect() as conn:
            orgs = await orgs_on(conn, r.on)
            holding = await holders(conn)
            correlation_id = await _correlation(conn, r)
        tree = routing_tree(orgs)
        sender = r.from_org_id
        targets = routing.cascade_targets(tree, sender, r.to) if r.to else tree.below(sender)
        now, waiting = routing.deliver_now(tree, sender, targets, holding)
        # the deliveries go on the trace of the request that started the run (kit.tracing: correlation id = trace id)
        meta = Meta(actor="exchange", correlation_id=correlation_id, causation_id=r.cascade_id)
        made, done = 0, None
        while True:
            if done is None:  # read once a run, and again only after another runner delivered some of its orgs
                done = await self._delivered(r.material_id)
            left = [t for t in now if t not in done]
            if not left:
                break
            chunk = left[: self.chunk]
            batches = [
                Batch(
                    f"delivery-{delivery_id(r.material_id, org)}",
                    [
                        DeliveryDelivered(
                            delivery_id=delivery_id(r.material_id, org),
                            material_id=r.material_id,
                            org_id=org,
                            from_org_id=sender,
                            route=Route.X1,
                            cascade_id=r.cascade_id,
                            held=org in holding,
                            print_sheet=bool(r.print_sheets) and orgs.levels.get(org) == "primary",
                        )
                    ],
                    expected_version=0,
                )
                for org in chunk
            ]
            if fence is not None:  # a runner that lost its lock stops here, before it delivers again
                await fence.check()
            try:
                await self.store.append_batch(batches, meta=meta)
                made += len(chunk)
                done.update(chunk)
            except VersionConflict:
                done = None  # another runner delivered some of them; look again
        async with self.store.engine.begin() as conn:
            await conn.execute(
                update(cascade_runs)
                .where(cascade_runs.c.run_id == r.run_id)
                .values(finished_at=clock.now(), targets=len(targets), waiting=waiting)
            )
        return made

    async def _delivered(self, material_id: str) -> set[str]:
        """The orgs a material has been delivered to."""
        async with self.store.engine.connect() as conn:
            found = await conn.execute(select(deliveries.c.org_id).where(deliveries.c.material_id == material_id))
            return {row.org_id for row in found}


async def _correlation(conn: AsyncConnection, r: Any) -> str | None:
    """The correlation id of the event that started a run: its cascade's MaterialCascaded, or for a release run
    (`<cascade id>@<org>`) that org's CascadeReleased, the request the org made to release it."""
    e = ledger.events.c
    started = MaterialCascaded if r.run_id == r.cascade_id else CascadeReleased
    found = (
        select(e.correlation_id)
        .where(
            e.stream_id == material_stream(r.material_id),
            e.subject == started.nats_subject(),
            e.data["cascade_id"].astext == r.cascade_id,
            e.data["org_id"].astext == r.from_org_id,
        )
        .order_by(e.position)
        .limit(1)
    )
    return (await conn.execute(found)).scalar()
