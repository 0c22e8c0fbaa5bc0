"""The projector: a durable pull consumer that applies another context's events to a read model.

Each batch is applied in one transaction together with the checkpoint (the source's ledger position),
so a crash never applies an event twice. A message that fails is retried by JetStream; after
`max_deliver` attempts it goes to the dead-letter stream, and the later events of its aggregate are
parked behind it (never applied out of order) while other aggregates flow on. `replay` applies them
once the cause is fixed. One projector per consumer is active at a time (an advisory lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.base import Event, decode_event
from contracts.envelope import DEAD_LETTER_STREAM, STREAMS, Header

from . import logs, metrics
from .store.tables import Ledger

log = logs.get("projector")


@dataclass(frozen=True)
class Delivered:
    """An event as a consumer receives it from another context's stream."""

    context: str
    position: int
    event_id: str
    aggregate_id: str
    org_id: str | None
    type: str
    event: Event
    recorded_at: datetime

    @classmethod
    def parse(cls, context: str, headers: dict[str, str], body: bytes) -> Delivered:
        """Decodes the CloudEvents headers and body; raises on anything malformed."""
        return cls(
            context=context,
            position=int(headers[Header.SEQUENCE]),
            event_id=headers[Header.ID],
            aggregate_id=headers[Header.SUBJECT],
            org_id=headers.get(Header.ORG_ID),
            type=headers[Header.TYPE],
            event=decode_event(headers[Header.TYPE], json.loads(body)),
            recorded_at=datetime.fromisoformat(headers[Header.TIME]),
        )


Apply = Callable[[AsyncConnection, Delivered], Awaitable[None]]


@dataclass
class Projection:
    """A named read model fed from one context's stream."""

    name: str
    source: str
    apply: Apply
    subjects: Sequence[str] = ()
    """Filter subjects; empty means the whole context."""


@dataclass
class _Outcome:
    acks: list[Msg] = field(default_factory=list)
    naks: list[Msg] = field(default_factory=list)
    dead: list[tuple[Msg, str]] = field(default_factory=list)


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
    ) -> None:
        self.engine, self.ledger, self.service, self.projection, self.nc = engine, ledger, service, projection, nc
        self.js = nc.jetstream(timeout=10)
        self.consumer = f"{service}_{projection.name}"
        self.stream = STREAMS[projection.source]
        self.max_deliver, self.batch, self.retry_base = max_deliver, batch, retry_base
        self.bound = False
        self._lock_key = int.from_bytes(
            hashlib.sha256(f"projector:{ledger.metadata.schema}:{self.consumer}".encode()).digest()[:8], "big", signed=True
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Holds the consumer's lock (or waits for it) and applies events until `stop` is set."""
        while not stop.is_set():
            try:
                async with self.engine.connect() as conn:
                    got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._lock_key})).scalar_one()
                    await conn.commit()
                    if not got:
                        await _sleep(stop, 2.0)
                        continue
                    sub = await self._subscribe(stop)
                    if sub is None:
                        continue
                    self.bound = True
                    await self._consume(conn, sub, stop)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - a lost server or a deleted consumer: bind again and carry on
                log.warning("projector interrupted", consumer=self.consumer, error=repr(e))
                self.bound = False
                await _sleep(stop, 1.0)

    async def _subscribe(self, stop: asyncio.Event) -> Any:
        try:
            await self.js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await _sleep(stop, 1.0)  # the source service has not published yet
            return None
        config = ConsumerConfig(
            durable_name=self.consumer,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
            max_deliver=self.max_deliver,
            max_ack_pending=self.batch * 4,
            filter_subjects=list(self.projection.subjects) or None,
        )
        await self.js.add_consumer(self.stream, config)
        return await self.js.pull_subscribe_bind(self.consumer, self.stream)

    async def _consume(self, conn: AsyncConnection, sub: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                # fetches carry an expiry and are re-issued, so a server restart cannot silence them (nats.py #504)
                msgs = await sub.fetch(self.batch, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            outcome = await self.handle(conn, msgs)
            await self._settle(outcome)
            metrics.PROJECTION_LAG.labels(self.service, self.consumer).set(msgs[-1].metadata.num_pending)

    async def handle(self, conn: AsyncConnection, msgs: Sequence[Msg]) -> _Outcome:
        """Applies a batch in one transaction with the checkpoint; says which messages to ack, retry or bury."""
        outcome = _Outcome()
        source, pending = self.projection.source, self.ledger.pending
        async with conn.begin():
            checkpoint = await self._checkpoint(conn)
            rows = (
                await conn.execute(
                    select(pending.c.position, pending.c.aggregate_id, pending.c.status).where(
                        pending.c.consumer == self.consumer, pending.c.source == source
                    )
                )
            ).all()
            retrying = {r.position for r in rows if r.status == "failing"}
            blocked = {r.aggregate_id for r in rows if r.status in ("failing", "dead")}
            highest = checkpoint
            for msg in msgs:
                headers = dict(msg.headers or {})
                # a message without a ledger position is malformed: keyed apart, it fails and is buried
                position = _position(headers) or -msg.metadata.sequence.stream
                aggregate = headers.get(Header.SUBJECT, "")
                highest = max(highest, position)
                if 0 < position <= checkpoint and position not in retrying:
                    outcome.acks.append(msg)
                    metrics.PROJECTED.labels(self.service, self.consumer, "duplicate").inc()
                elif aggregate in blocked and position not in retrying:
                    await self._keep(conn, position, aggregate, "parked", msg, None)
                    outcome.acks.append(msg)
                    metrics.PROJECTED.labels(self.service, self.consumer, "parked").inc()
                else:
                    error = await self._try_apply(conn, headers, msg.data)
                    if error is None:
                        outcome.acks.append(msg)
                        if position in retrying:
                            await self._forget(conn, [position])
                            if await self._unpark(conn, aggregate):
                                blocked.discard(aggregate)
                        continue
                    blocked.add(aggregate)
                    dead = msg.metadata.num_delivered >= self.max_deliver
                    await self._keep(conn, position, aggregate, "dead" if dead else "failing", msg, error)
                    (outcome.dead.append((msg, error)) if dead else outcome.naks.append(msg))
            await self._advance(conn, highest)
        metrics.PROJECTION_POSITION.labels(self.service, self.consumer).set(highest)
        return outcome

    async def _try_apply(self, conn: AsyncConnection, headers: dict[str, str], body: bytes) -> str | None:
        try:
            async with conn.begin_nested():
                await self.projection.apply(conn, Delivered.parse(self.projection.source, headers, body))
        except Exception as e:  # noqa: BLE001 - the message is at fault, or the read model: retried, then dead-lettered
            metrics.PROJECTED.labels(self.service, self.consumer, "failed").inc()
            log.warning("event failed to apply", consumer=self.consumer, position=headers.get(Header.SEQUENCE), error=repr(e))
            return repr(e)[:2000]
        metrics.PROJECTED.labels(self.service, self.consumer, "applied").inc()
        return None

    async def _unpark(self, conn: AsyncConnection, aggregate: str) -> bool:
        """Applies, in order, what was parked behind a message that has now gone through; False if one failed."""
        pending = self.ledger.pending
        parked = (
            await conn.execute(
                select(pending)
                .where(pending.c.consumer == self.consumer, pending.c.aggregate_id == aggregate, pending.c.status == "parked")
                .order_by(pending.c.position)
            )
        ).all()
        for row in parked:
            error = await self._try_apply(conn, row.headers, row.body)
            if error is not None:  # already acked upstream: it can only be buried and replayed later
                await conn.execute(update(pending).where(*self._row(row.position)).values(status="dead", error=error))
                await self._bury(row.headers, row.body, error)
                return False
            await self._forget(conn, [row.position])
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
        try:
            await self.js.stream_info(DEAD_LETTER_STREAM)
        except nats.js.errors.NotFoundError:
            await self.js.add_stream(StreamConfig(name=DEAD_LETTER_STREAM, subjects=["deadletter.>"], storage=StorageType.FILE))
        kept = {k: v for k, v in headers.items() if not k.startswith("Nats-")}
        kept.update({"ps-consumer": self.consumer, "ps-error": error[:500]})
        await self.js.publish(f"deadletter.{self.service}.{self.projection.name}", body, headers=kept)
        log.error("event dead-lettered", consumer=self.consumer, position=headers.get(Header.SEQUENCE))

    async def _checkpoint(self, conn: AsyncConnection) -> int:
        checkpoints = self.ledger.checkpoints
        row = (
            await conn.execute(
                select(checkpoints.c.position)
                .where(checkpoints.c.consumer == self.consumer, checkpoints.c.source == self.projection.source)
                .with_for_update()
            )
        ).first()
        return 0 if row is None else int(row.position)

    async def _advance(self, conn: AsyncConnection, position: int) -> None:
        checkpoints = self.ledger.checkpoints
        stmt = pg_insert(checkpoints).values(consumer=self.consumer, source=self.projection.source, position=position)
        stmt = stmt.on_conflict_do_update(
            index_elements=[checkpoints.c.consumer, checkpoints.c.source],
            set_={"position": stmt.excluded.position, "updated_at": text("now()")},
        )
        await conn.execute(stmt)

    async def _keep(self, conn: AsyncConnection, position: int, aggregate: str, status: str, msg: Msg, error: str | None) -> None:
        pending = self.ledger.pending
        values = {
            "consumer": self.consumer,
            "source": self.projection.source,
            "position": position,
            "aggregate_id": aggregate,
            "status": status,
            "attempts": msg.metadata.num_delivered,
            "error": error,
            "headers": dict(msg.headers or {}),
            "body": msg.data,
        }
        stmt = pg_insert(pending).values(**values)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[pending.c.consumer, pending.c.source, pending.c.position],
                set_={"status": status, "attempts": values["attempts"], "error": error},
            )
        )

    async def _forget(self, conn: AsyncConnection, positions: list[int]) -> None:
        pending = self.ledger.pending
        await conn.execute(
            delete(pending).where(
                pending.c.consumer == self.consumer, pending.c.source == self.projection.source, pending.c.position.in_(positions)
            )
        )

    def _row(self, position: int) -> tuple[Any, ...]:
        pending = self.ledger.pending
        return (pending.c.consumer == self.consumer, pending.c.source == self.projection.source, pending.c.position == position)

    async def replay(self) -> tuple[int, int]:
        """Applies dead and parked events again, in order per aggregate; returns (applied, still failing)."""
        pending = self.ledger.pending
        applied = failed = 0
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(pending)
                    .where(pending.c.consumer == self.consumer, pending.c.status.in_(("dead", "parked")))
                    .order_by(pending.c.aggregate_id, pending.c.position)
                )
            ).all()
            stuck: set[str] = set()
            for row in rows:
                if row.aggregate_id in stuck:
                    continue
                error = await self._try_apply(conn, row.headers, row.body)
                if error is None:
                    await self._forget(conn, [row.position])
                    applied += 1
                else:
                    await conn.execute(update(pending).where(*self._row(row.position)).values(status="dead", error=error))
                    stuck.add(row.aggregate_id)
                    failed += 1
        return applied, failed


def _position(headers: dict[str, str]) -> int:
    try:
        return int(headers[Header.SEQUENCE])
    except (KeyError, ValueError):
        return 0


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
