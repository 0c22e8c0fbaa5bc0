"""The projector: the life of a durable pull consumer that feeds another context's events to a read model. It holds
the consumer's lock (one projector per consumer is active at a time), makes the consumer afresh from the checkpoint,
and hands each fetched batch to `applying`. A projection that names the events it takes gets a consumer filtered to
their subjects; its checkpoint then moves over the others when it is idle, and `caught_up` answers in between."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.envelope import STREAMS

from . import logs, metrics
from .applying import Applier
from .backlog import Backlog
from .locks import holding, lock_key, pause
from .projection import Projection, ledger_position
from .store.tables import Ledger
from .streams import ConsumerTampered, unlike

log = logs.get("projector")


class Projector:
    """Runs one projection for one service against the real stream."""

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        service: str,
        projection: Projection,
        nc: Client,
        *,
        max_deliver: int = 5,
        batch: int = 200,
        retry_base: float = 0.5,
        replicas: int = 1,
    ) -> None:
        self.engine, self.ledger, self.service, self.nc = engine, ledger, service, nc
        self.js = nc.jetstream(timeout=10)
        self.consumer = projection.consumer(service)
        self.stream = STREAMS[projection.source]
        self.max_deliver, self.batch = max_deliver, batch
        self.leading = False
        """Whether this replica holds the consumer's lock (leads), as /healthz and `profset_role_leading` report it."""
        self.bound = False
        """Whether it leads and has bound its pull subscription."""
        self._idle_seq = 0
        """The stream sequence an idle pass last accounted for."""
        self.backlog = Backlog(ledger, self.consumer, projection.source)
        self.applier = Applier(
            projection, self.backlog, service, nc, self.js, max_deliver=max_deliver, retry_base=retry_base, replicas=replicas
        )
        self._lock_key = lock_key("projector", str(ledger.metadata.schema), self.consumer)

    @property
    def projection(self) -> Projection:
        """The projection fed; one set anew (a test's stand-in) is the one the next batch is applied to."""
        return self.applier.projection

    @projection.setter
    def projection(self, projection: Projection) -> None:
        self.applier.projection = projection

    async def run(self, stop: asyncio.Event) -> None:
        """Holds the consumer's lock (or waits for it) and applies events until `stop` is set."""
        while not stop.is_set():
            try:
                async with holding(self.engine, self._lock_key) as conn:
                    if conn is None:
                        await pause(stop, 2.0)
                        continue
                    self.leading = True
                    try:
                        sub = await self._subscribe(conn, stop)
                        if sub is None:
                            continue
                        self.bound = True
                        await self._consume(conn, sub, stop)
                    finally:
                        self.leading = self.bound = False  # before the lock goes: never two replicas leading at once
            except Exception as e:
                log.warning("projector interrupted", consumer=self.consumer, error=repr(e), exc_info=True)
                await pause(stop, 1.0)

    async def _subscribe(self, conn: AsyncConnection, stop: asyncio.Event) -> Any:
        """A pull subscription to the consumer made afresh from the checkpoint; None while the stream is missing."""
        try:
            await self.js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await pause(stop, 1.0)  # the source service has not published yet
            return None
        # The consumer is made afresh from our own checkpoint: a crashed holder leaves messages fetched but never
        # applied, which JetStream would redeliver only after ack_wait, behind newer ones that would move the
        # checkpoint past them (and they would then be skipped as duplicates, i.e. lost).
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self.js.delete_consumer(self.stream, self.consumer)
        await self._make(await self._first_sequence_after(await self._resume_after(conn)))
        self._idle_seq = 0
        return await self.js.pull_subscribe_bind(self.consumer, self.stream)

    async def _make(self, start: int) -> None:
        """Makes the consumer to start at a stream sequence, and checks that it is as asked."""
        config = ConsumerConfig(
            name=self.consumer,  # created on the named subject, the only one a service's user may use for its own
            durable_name=self.consumer,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
            max_deliver=self.max_deliver,
            max_ack_pending=self.batch * 4,
            filter_subjects=self.projection.subjects or None,
        )
        made = await self.js.add_consumer(self.stream, config)
        problem = unlike(made.config, config)
        if problem is not None:  # someone else changed it as it was made: made again on the next pass, loudly
            log.error("consumer not as this projector made it", consumer=self.consumer, why=problem)
            await self.js.delete_consumer(self.stream, self.consumer)
            raise ConsumerTampered(f"{self.consumer}: {problem}")

    async def _resume_after(self, conn: AsyncConnection) -> int:
        """The ledger position delivery resumes after: the checkpoint, or just before the oldest retry."""
        async with conn.begin():
            checkpoint, rows = await self.backlog.state(conn)
            failing = [r.position for r in rows if r.status == "failing" and r.position > 0]
        return int(min([checkpoint, *(p - 1 for p in failing)]))

    async def _first_sequence_after(self, position: int) -> int:
        """The first stream sequence above a ledger position (the relay publishes in position order)."""
        state = (await self.js.stream_info(self.stream)).state
        if not state.messages:  # an empty stream: whatever comes next is new (sequence 0 is no message)
            return int(state.last_seq) + 1
        low, high = max(state.first_seq, 1), state.last_seq + 1
        while low < high:
            middle = (low + high) // 2
            try:
                msg = await self.js.get_msg(self.stream, middle)
            except nats.js.errors.NotFoundError:
                return state.first_seq  # a hole: start from the beginning, the checkpoint skips what was applied
            if ledger_position(dict(msg.headers or {})) > position:
                high = middle
            else:
                low = middle + 1
        return max(low, 1)

    async def caught_up(self, position: int) -> bool:
        """Whether a filtered consumer has accounted for `position`, though its checkpoint may be lower."""
        end = await self._accounted_end()
        return end is not None and end[1] >= position

    async def _accounted_end(self, after_seq: int = 0) -> tuple[int, int] | None:
        """The stream sequence and ledger position of the stream's last message if nothing this consumer takes waits
        to be delivered or acknowledged (acks follow the commit), so everything up to it is accounted for; None if
        something waits, or the stream has nothing past `after_seq`."""
        try:
            state = (await self.js.stream_info(self.stream)).state
            if not state.messages or state.last_seq <= after_seq:
                return None
            last = await self.js.get_msg(self.stream, state.last_seq)
            info = await self.js.consumer_info(self.stream, self.consumer)
        except nats.errors.Error:  # not found while the consumer is made afresh, or the stream repaired: not yet
            return None
        if info.num_pending or info.num_ack_pending:
            return None
        return state.last_seq, ledger_position(dict(last.headers or {}))

    async def _idle(self, conn: AsyncConnection) -> None:
        """Moves a filtered consumer's checkpoint over the events it does not take, once nothing it takes waits, so
        the checkpoint says how far the source is accounted for (status, waits), as an unfiltered one's does."""
        if not self.projection.subjects:
            return
        end = await self._accounted_end(after_seq=self._idle_seq)  # an unchanged stream costs one request
        if end is None:
            return
        async with conn.begin():
            if end[1] > await self.backlog.checkpoint(conn):
                await self.backlog.advance(conn, end[1])
        self._idle_seq = end[0]

    async def _consume(self, conn: AsyncConnection, sub: Any, stop: asyncio.Event) -> None:
        """Fetches, applies and settles batches until `stop` is set; idle, moves a filtered checkpoint on."""
        while not stop.is_set():
            try:
                # fetches carry an expiry and are re-issued, so a server restart cannot silence them (nats.py #504)
                msgs = await sub.fetch(self.batch, timeout=1.0)
            except TimeoutError:  # nats.errors.TimeoutError, or the bare one a batch fetch may raise
                msgs = []
            if not msgs:  # an expired pull may come back empty rather than time out
                await self._idle(conn)
                continue
            await self.applier.settle(await self.applier.apply(conn, msgs))
            metrics.PROJECTION_LAG.labels(self.service, self.consumer).set(msgs[-1].metadata.num_pending)

    async def replay(self) -> tuple[int, int]:
        """Applies dead and parked events again, in order per aggregate; returns (applied, still failing)."""
        return await self.applier.replay(self.engine)
