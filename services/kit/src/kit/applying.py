"""Applying a fetched batch in one transaction with the checkpoint (the source's ledger position), so that a crash
never applies an event twice: whole, or, should a message fail, again a savepoint per message so that only it is held
back. After `max_deliver` attempts a failing message is buried in the dead-letter stream, and the later events of its
aggregate are parked behind it (never applied out of order) while others flow on; `replay` applies them again."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import psycopg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.envelope import Header

from . import logs, metrics, tracing
from .backlog import Backlog
from .db import driver
from .projection import Delivered, Projection, ledger_position
from .streams import bound, dead_letter_config

log = logs.get("projector")


@dataclass
class Outcome:
    """What became of a batch's messages: to ack, to retry, to bury."""

    acks: list[Msg] = field(default_factory=list)
    naks: list[Msg] = field(default_factory=list)
    dead: list[tuple[Msg, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """Messages by what became of them, counted once the batch has committed."""

    def ack(self, msg: Msg, result: str | None = None) -> None:
        self.acks.append(msg)
        if result is not None:
            self.counts[result] += 1


@dataclass
class _Pass:
    """One pass over a batch: the backlog as the pass found it, and what it has made of the messages so far."""

    checkpoint: int
    retrying: set[int]  # positions JetStream redelivers after they failed
    blocked: set[str]  # aggregates whose later events wait behind a failing or dead one
    whole: bool
    highest: int = 0
    outcome: Outcome = field(default_factory=Outcome)


class _BatchFailed(Exception):
    """A message failed while the batch was applied whole."""


@dataclass
class Applier:
    """Applies one consumer's batches to its projection and settles them with JetStream."""

    projection: Projection
    backlog: Backlog
    service: str
    nc: Client
    js: JetStreamContext
    max_deliver: int
    retry_base: float
    replicas: int  # of the dead-letter stream, should this consumer be the first to need it

    @property
    def consumer(self) -> str:
        return self.backlog.consumer

    async def apply(self, conn: AsyncConnection, msgs: Sequence[Msg]) -> Outcome:
        """Applies a batch in one transaction with the checkpoint; says which messages to ack, retry or bury."""
        try:
            outcome = await self._pass(conn, msgs, whole=True)
        except _BatchFailed as e:
            # rolled back: applied again one savepoint per message, so only the failing one is held back
            log.info("batch failed whole; applying it message by message", consumer=self.consumer, error=str(e))
            outcome = await self._pass(conn, msgs, whole=False)
        self._count(outcome.counts)
        return outcome

    async def _pass(self, conn: AsyncConnection, msgs: Sequence[Msg], *, whole: bool) -> Outcome:
        """One pass over the batch; `whole` applies it without savepoints and raises `_BatchFailed` if a message fails."""
        async with conn.begin():
            checkpoint, rows = await self.backlog.state(conn)
            retrying = {r.position for r in rows if r.status == "failing"}
            blocked = {r.aggregate_id for r in rows if r.status in ("failing", "dead")}
            # a retried message that goes through unparks others, and one of those failing is buried at once
            p = _Pass(checkpoint, retrying, blocked, whole and not retrying, highest=checkpoint)
            async with _pipeline(conn, p.whole and self.projection.pipelined(msgs)):
                for msg in msgs:
                    await self._take(conn, msg, p)
                await self.backlog.advance(conn, p.highest)
            if rows or p.blocked:  # the backlog may have changed: count what waits behind a failing event
                parked = sum(1 for r in await self.backlog.open_rows(conn) if r.status == "parked")
                metrics.PARKED.labels(self.service, self.consumer).set(parked)
        metrics.PROJECTION_POSITION.labels(self.service, self.consumer).set(p.highest)
        return p.outcome

    async def _take(self, conn: AsyncConnection, msg: Msg, p: _Pass) -> None:
        """Skips, parks, applies or holds back one message."""
        headers = dict(msg.headers or {})
        # a message without a ledger position is malformed: keyed apart, it fails and is buried
        position = ledger_position(headers) or -msg.metadata.sequence.stream
        aggregate = headers.get(Header.SUBJECT, "")
        p.highest = max(p.highest, position)
        retried = position in p.retrying
        if 0 < position <= p.checkpoint and not retried:
            p.outcome.ack(msg, "duplicate")
        elif aggregate in p.blocked and not retried:
            await self.backlog.keep(conn, position, aggregate, "parked", msg.metadata.num_delivered, None, headers, msg.data)
            p.outcome.ack(msg, "parked")
        elif not p.whole:
            await self._apply_alone(conn, msg, headers, position, aggregate, p)
        else:
            try:
                with self._span(headers):
                    await self.projection.apply(conn, Delivered.parse(self.projection.source, headers, msg.data))
            except Exception as e:  # the batch is rolled back and applied again message by message
                raise _BatchFailed(repr(e)[:500]) from e
            p.outcome.ack(msg, "applied")

    async def _apply_alone(
        self, conn: AsyncConnection, msg: Msg, headers: dict[str, str], position: int, aggregate: str, p: _Pass
    ) -> None:
        """Applies one message under a savepoint; a failure blocks its aggregate, to retry or, at last, to bury."""
        error = await self._try_apply(conn, headers, msg.data, p.outcome.counts)
        if error is None:
            p.outcome.ack(msg)
            if position in p.retrying:
                await self.backlog.forget(conn, position)
                if await self._unpark(conn, aggregate, p.outcome.counts):
                    p.blocked.discard(aggregate)
            return
        p.blocked.add(aggregate)
        attempts = msg.metadata.num_delivered
        dead = attempts >= self.max_deliver
        await self.backlog.keep(conn, position, aggregate, "dead" if dead else "failing", attempts, error, headers, msg.data)
        (p.outcome.dead.append((msg, error)) if dead else p.outcome.naks.append(msg))

    async def _try_apply(self, conn: AsyncConnection, headers: dict[str, str], body: bytes, counts: Counter[str]) -> str | None:
        with self._span(headers):
            try:
                async with conn.begin_nested():
                    await self.projection.apply(conn, Delivered.parse(self.projection.source, headers, body))
            except Exception as e:  # noqa: BLE001 - the message is at fault, or the read model: retried, then dead-lettered
                counts["failed"] += 1
                log.warning("event failed to apply", consumer=self.consumer, position=headers.get(Header.SEQUENCE), error=repr(e))
                return repr(e)[:2000]
        counts["applied"] += 1
        return None

    def _span(self, headers: dict[str, str]) -> contextlib.AbstractContextManager[tracing.Span]:
        """The span of one event's apply, under the relay's publish span its `ce-traceparent` names."""
        return tracing.span(
            f"apply {self.consumer}",
            tracing.SpanKind.CONSUMER,
            headers.get(Header.TRACEPARENT),
            ce_type=headers.get(Header.TYPE, ""),
            ce_sequence=headers.get(Header.SEQUENCE, ""),
        )

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

    async def settle(self, outcome: Outcome) -> None:
        """Acks, retries with backoff, or buries each message, once its batch has committed."""
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

    async def replay(self, engine: AsyncEngine) -> tuple[int, int]:
        """Applies dead and parked events again, in order per aggregate; returns (applied, still failing)."""
        counts: Counter[str] = Counter()
        async with engine.begin() as conn:
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
