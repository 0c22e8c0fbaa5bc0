"""The projector: a durable pull consumer that applies another context's events to a read model.

Each batch is applied in one transaction together with the checkpoint (the source's ledger position),
so a crash never applies an event twice: whole, or, should one of its messages fail, again with a savepoint
per message so that only that one is held back. A message that fails is retried by JetStream; after
`max_deliver` attempts it goes to the dead-letter stream, and the later events of its aggregate are
parked behind it (never applied out of order) while other aggregates flow on. `replay` applies them
once the cause is fixed. One projector per consumer is active at a time (an advisory lock).

A projection that names the events it takes gets a consumer filtered to their subjects, so a service does no work
for the rest. Its checkpoint then moves over the others when it is idle, and `caught_up` answers in between.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats.errors
import nats.js.errors
import psycopg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.envelope import STREAMS, Header

from . import logs, metrics
from .backlog import Backlog
from .db import driver
from .locks import holding, lock_key, pause
from .projection import Delivered, Projection
from .store.tables import Ledger
from .streams import ConsumerTampered, bound, dead_letter_config, unlike

log = logs.get("projector")


@dataclass
class _Outcome:
    acks: list[Msg] = field(default_factory=list)
    naks: list[Msg] = field(default_factory=list)
    dead: list[tuple[Msg, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """Messages by what became of them, counted once the batch has committed."""


class _BatchFailed(Exception):
    """A message failed while the batch was applied whole."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


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
        self.engine, self.ledger, self.service, self.projection, self.nc = engine, ledger, service, projection, nc
        self.js = nc.jetstream(timeout=10)
        self.consumer = f"{service}_{projection.name}"
        self.stream = STREAMS[projection.source]
        self.max_deliver, self.batch, self.retry_base = max_deliver, batch, retry_base
        self.replicas = replicas  # of the dead-letter stream, should this projector be the first to need it
        self.bound = False
        self._idle_seq = 0
        """The stream sequence an idle pass last accounted for."""
        self.backlog = Backlog(ledger, self.consumer, projection.source)
        self._lock_key = lock_key("projector", str(ledger.metadata.schema), self.consumer)

    async def run(self, stop: asyncio.Event) -> None:
        """Holds the consumer's lock (or waits for it) and applies events until `stop` is set."""
        while not stop.is_set():
            try:
                async with holding(self.engine, self._lock_key) as conn:
                    if conn is None:
                        await pause(stop, 2.0)
                        continue
                    sub = await self._subscribe(conn, stop)
                    if sub is None:
                        continue
                    self.bound = True
                    await self._consume(conn, sub, stop)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("projector interrupted", consumer=self.consumer, error=repr(e), exc_info=True)
                self.bound = False
                await pause(stop, 1.0)

    async def _subscribe(self, conn: AsyncConnection, stop: asyncio.Event) -> Any:
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
        start = await self._first_sequence_after(await self._resume_after(conn))
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
        self._idle_seq = 0
        return await self.js.pull_subscribe_bind(self.consumer, self.stream)

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
            if _position(dict(msg.headers or {})) > position:
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
        return state.last_seq, _position(dict(last.headers or {}))

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
        while not stop.is_set():
            try:
                # fetches carry an expiry and are re-issued, so a server restart cannot silence them (nats.py #504)
                msgs = await sub.fetch(self.batch, timeout=1.0)
            except TimeoutError:  # nats.errors.TimeoutError, or the bare one a batch fetch may raise
                msgs = []
            if not msgs:  # an expired pull may come back empty rather than time out
                await self._idle(conn)
                continue
            outcome = await self.handle(conn, msgs)
            await self._settle(outcome)
            metrics.PROJECTION_LAG.labels(self.service, self.consumer).set(msgs[-1].metadata.num_pending)

    async def handle(self, conn: AsyncConnection, msgs: Sequence[Msg]) -> _Outcome:
        """Applies a batch in one transaction with the checkpoint; says which messages to ack, retry or bury."""
        try:
            outcome = await self._handle(conn, msgs, whole=True)
        except _BatchFailed as e:
            # rolled back: applied again one savepoint per message, so only the failing one is held back
            log.info("batch failed whole; applying it message by message", consumer=self.consumer, error=e.error)
            outcome = await self._handle(conn, msgs, whole=False)
        self._count(outcome.counts)
        return outcome

    async def _handle(self, conn: AsyncConnection, msgs: Sequence[Msg], *, whole: bool) -> _Outcome:
        """One pass over the batch; `whole` applies it without savepoints and raises `_BatchFailed` if a message fails."""
        outcome, backlog = _Outcome(), self.backlog
        async with conn.begin():
            checkpoint, rows = await backlog.state(conn)
            retrying = {r.position for r in rows if r.status == "failing"}
            blocked = {r.aggregate_id for r in rows if r.status in ("failing", "dead")}
            # a retried message that goes through unparks others, and one of those failing is buried at once
            whole = whole and not retrying
            async with _pipeline(conn, whole and self.projection.pipelined(msgs)):
                highest = await self._pass(conn, msgs, whole, outcome, checkpoint, retrying, blocked)
                await backlog.advance(conn, highest)
            if rows or blocked:  # the backlog may have changed: count what waits behind a failing event
                parked = sum(1 for r in await backlog.open_rows(conn) if r.status == "parked")
                metrics.PARKED.labels(self.service, self.consumer).set(parked)
        metrics.PROJECTION_POSITION.labels(self.service, self.consumer).set(highest)
        return outcome

    async def _pass(
        self,
        conn: AsyncConnection,
        msgs: Sequence[Msg],
        whole: bool,
        outcome: _Outcome,
        checkpoint: int,
        retrying: set[int],
        blocked: set[str],
    ) -> int:
        """Applies, acks, parks or keeps each message; the highest ledger position seen."""
        highest = checkpoint
        for msg in msgs:
            headers = dict(msg.headers or {})
            # a message without a ledger position is malformed: keyed apart, it fails and is buried
            position = _position(headers) or -msg.metadata.sequence.stream
            aggregate = headers.get(Header.SUBJECT, "")
            highest = max(highest, position)
            if 0 < position <= checkpoint and position not in retrying:
                outcome.acks.append(msg)
                outcome.counts["duplicate"] += 1
            elif aggregate in blocked and position not in retrying:
                await self._keep(conn, position, aggregate, "parked", msg, None)
                outcome.acks.append(msg)
                outcome.counts["parked"] += 1
            elif whole:
                await self._apply_whole(conn, headers, msg.data)
                outcome.acks.append(msg)
                outcome.counts["applied"] += 1
            else:
                error = await self._try_apply(conn, headers, msg.data, outcome.counts)
                if error is None:
                    outcome.acks.append(msg)
                    if position in retrying:
                        await self.backlog.forget(conn, position)
                        if await self._unpark(conn, aggregate, outcome.counts):
                            blocked.discard(aggregate)
                    continue
                blocked.add(aggregate)
                dead = msg.metadata.num_delivered >= self.max_deliver
                await self._keep(conn, position, aggregate, "dead" if dead else "failing", msg, error)
                (outcome.dead.append((msg, error)) if dead else outcome.naks.append(msg))
        return highest

    async def _apply_whole(self, conn: AsyncConnection, headers: dict[str, str], body: bytes) -> None:
        try:
            await self.projection.apply(conn, Delivered.parse(self.projection.source, headers, body))
        except Exception as e:  # the batch is rolled back and applied again message by message
            raise _BatchFailed(repr(e)[:500]) from e

    async def _try_apply(self, conn: AsyncConnection, headers: dict[str, str], body: bytes, counts: Counter[str]) -> str | None:
        try:
            async with conn.begin_nested():
                await self.projection.apply(conn, Delivered.parse(self.projection.source, headers, body))
        except Exception as e:  # noqa: BLE001 - the message is at fault, or the read model: retried, then dead-lettered
            counts["failed"] += 1
            log.warning("event failed to apply", consumer=self.consumer, position=headers.get(Header.SEQUENCE), error=repr(e))
            return repr(e)[:2000]
        counts["applied"] += 1
        return None

    async def _unpark(self, conn: AsyncConnection, aggregate: str, counts: Counter[str]) -> bool:
        """Applies, in order, what was parked behind a message that has now gone through; False if one failed."""
        for row in await self.backlog.parked(conn, aggregate):
            error = await self._try_apply(conn, row.headers, row.body, counts)
            if error is not None:  # already acked upstream: it can only be buried and replayed later
                await self.backlog.bury(conn, row.position, error)
                await self._bury(row.headers, row.body, error)
                return False
            await self.backlog.forget(conn, row.position)
        return True

    async def _settle(self, outcome: _Outcome) -> None:
        for msg in outcome.acks:
            await msg.ack()
        for msg in outcome.naks:
            await msg.nak(delay=self.retry_base * 2 ** (msg.metadata.num_delivered - 1))
        for msg, error in outcome.dead:
            await self._bury(dict(msg.headers or {}), msg.data, error)
            await msg.term()
            metrics.DEAD_LETTERED.labels(self.service, self.consumer).inc()

    async def _bury(self, headers: dict[str, str], body: bytes, error: str) -> None:
        """Publishes a message this consumer gave up on to the dead-letter stream."""
        await bound(self.nc, self.js, dead_letter_config(self.replicas))  # the operator's, never one of our making
        kept = {k: v for k, v in headers.items() if not k.startswith("Nats-")}
        kept.update({"ps-consumer": self.consumer, "ps-error": error[:500]})
        await self.js.publish(f"deadletter.{self.service}.{self.projection.name}", body, headers=kept)
        log.error("event dead-lettered", consumer=self.consumer, position=headers.get(Header.SEQUENCE))

    async def _keep(self, conn: AsyncConnection, position: int, aggregate: str, status: str, msg: Msg, error: str | None) -> None:
        attempts = msg.metadata.num_delivered
        await self.backlog.keep(conn, position, aggregate, status, attempts, error, dict(msg.headers or {}), msg.data)

    async def replay(self) -> tuple[int, int]:
        """Applies dead and parked events again, in order per aggregate; returns (applied, still failing)."""
        counts: Counter[str] = Counter()
        async with self.engine.begin() as conn:
            stuck: set[str] = set()
            for row in await self.backlog.replayable(conn):
                if row.aggregate_id in stuck:
                    continue
                error = await self._try_apply(conn, row.headers, row.body, counts)
                if error is None:
                    await self.backlog.forget(conn, row.position)
                else:
                    await self.backlog.bury(conn, row.position, error)
                    stuck.add(row.aggregate_id)
        self._count(counts)
        return counts["applied"], counts["failed"]

    def _count(self, counts: Counter[str]) -> None:
        for result, n in counts.items():
            metrics.PROJECTED.labels(self.service, self.consumer, result).inc(n)


@contextlib.asynccontextmanager
async def _pipeline(conn: AsyncConnection, wanted: bool) -> AsyncIterator[None]:
    """A psycopg pipeline on the transaction's connection, if `wanted`: statements go out without waiting for each
    result, and the first to fail (known only when the pipeline ends) fails the batch, applied again one by one.
    The rollback that follows also drops psycopg's prepared statements, which a failed pipeline may leave wrong."""
    if not wanted:
        yield
        return
    raw = await driver(conn)
    try:
        async with raw.pipeline():
            yield
    except (psycopg.Error, DBAPIError) as e:  # an apply's failure may surface at any later statement, or at the end
        raise _BatchFailed(repr(e)[:500]) from e


def _position(headers: dict[str, str]) -> int:
    try:
        return int(headers[Header.SEQUENCE])
    except (KeyError, ValueError):
        return 0
