"""The relay: publishes the ledger to the context's JetStream stream in position order, and rebuilds it.

One relay is active per service (a session advisory lock). It publishes each event with
`Nats-Msg-Id` = event id and `Nats-Expected-Last-Sequence` chained message to message, so the
server refuses anything out of order and a stream that lost messages is noticed at once. The
stream's own tail (the `ce-sequence` of its last message) is where publishing resumes, so a
restart, a deleted stream or a stream behind the ledger all heal the same way: republish from there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from sqlalchemy import Text, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.envelope import STREAMS, Header

from . import logs, metrics, tracing
from .backlog import Backlog
from .db import Compiled, run_raw
from .locks import holding, lock_key, pause
from .store.tables import Ledger
from .streams import STORE_REFUSED, bound, drift, poison, refusals_resolved, stream_config

__all__ = ["Relay", "StreamBehind", "headers_of", "stream_config"]

log = logs.get("relay")


def headers_of(row: Any, context: str) -> dict[str, str]:
    """The CloudEvents binary-mode headers of a ledger row."""
    headers = {
        Header.ID: str(row.event_id),
        Header.TYPE: row.type,
        Header.SOURCE: f"/profset/{context}",
        Header.SPECVERSION: "1.0",
        Header.TIME: row.recorded_at.isoformat(),
        Header.SUBJECT: row.aggregate_id,
        Header.SEQUENCE: str(row.position),
        Header.CONTENT_TYPE: "application/json",
        Header.MSG_ID: str(row.event_id),
    }
    optional = {
        Header.ORG_ID: row.org_id,
        Header.CORRELATION_ID: row.correlation_id,
        Header.CAUSATION_ID: row.causation_id,
        Header.TRACEPARENT: tracing.of_row(row.correlation_id, str(row.event_id)),
    }
    return headers | {name: value for name, value in optional.items() if value}


class StreamBehind(Exception):
    """The stream does not hold what the relay published last: it was deleted, purged or lost a tail."""


class StreamFull(Exception):
    """The stream's store takes nothing now (its size limit, or the server's disk): the events wait in the ledger."""


def _raise_for(failure: BaseException | None) -> None:
    """What a publish failure that is not the event's own fault means for the relay; nothing if there was none."""
    if isinstance(failure, nats.js.errors.APIError) and failure.err_code in STORE_REFUSED:
        raise StreamFull(f"{failure.description} (code {failure.err_code})")
    if isinstance(failure, nats.js.errors.NoStreamResponseError | nats.errors.NoRespondersError):
        raise StreamBehind("no stream answers")
    if isinstance(failure, nats.js.errors.APIError):
        raise StreamBehind(str(failure))
    if failure is not None:
        raise failure


class Relay:
    """Publishes one service's committed events to its stream, in order, exactly once per stream."""

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        context: str,
        nc: Client,
        *,
        batch: int = 500,
        idle_check: float = 5.0,
        replicas: int = 1,
    ) -> None:
        self.engine, self.ledger, self.context, self.nc = engine, ledger, context, nc
        # a window as wide as a batch: each publish finds a slot at once (the last batch's are all settled), so it is
        # made without a stall timeout, whose `wait_for` yielded to the loop: the client wrote each event on its own
        self.js = refusals_resolved(nc.jetstream(timeout=10, publish_async_max_pending=batch))
        self.stream = STREAMS[context]
        self.batch, self.idle_check, self.replicas = batch, idle_check, replicas
        self.wake = asyncio.Event()
        self.active = False
        """Whether this replica holds the relay's lock (leads), as /healthz and `profset_role_leading` report it."""
        self._tail: tuple[int, int] | None = None  # (ledger position, stream sequence) the stream ends at
        self.parked = Backlog(ledger, "relay", context)
        """Events the stream refused for what they are, each with its reason (`pending`, consumer `relay`)."""
        self._lock_key = lock_key("relay", str(ledger.metadata.schema))
        # the ledger's JSON as the server prints it, so an event is not decoded only to be encoded again to publish
        events = ledger.events
        columns = [c for c in events.c if c.name != "data"]
        # only a hint for noticing a stream that lost its tail (the stream itself says where publishing resumes),
        # so its commit need not wait for the disk: set for its own transaction, in the one statement a batch
        self._hint = (
            f'INSERT INTO "{ledger.metadata.schema}"."{ledger.relay.name}" (stream, position, stream_seq) '
            "SELECT %(stream)s, %(position)s, %(seq)s FROM set_config('synchronous_commit', 'off', true) "
            "ON CONFLICT (stream) DO UPDATE SET position = excluded.position, stream_seq = excluded.stream_seq, "
            "updated_at = now()"
        )
        self._after = Compiled(
            select(*columns, events.c.data.cast(Text).label("body"))
            .where(events.c.position > bindparam("after"))
            .order_by(events.c.position)
            .limit(bindparam("n"))
        )

    def notify(self) -> None:
        """Called after a local append commits, so publishing starts without waiting for the poll."""
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Holds the relay lock (or waits for it) and publishes until `stop` is set."""
        while not stop.is_set():
            try:
                async with holding(self.engine, self._lock_key) as conn:
                    if conn is None:
                        self.active = False
                        await pause(stop, 2.0)
                        continue
                    self.active = True
                    log.info("relay active", stream=self.stream)
                    try:
                        await self._publish_while_held(conn, stop)
                    finally:
                        self.active = False  # before the lock goes: two replicas never both say they lead
            except Exception as e:  # noqa: BLE001 - a lost server is survived: reconnect, resync, carry on
                log.warning("relay interrupted", error=repr(e))
                self._tail = None
                await pause(stop, 1.0)

    async def _publish_while_held(self, conn: AsyncConnection, stop: asyncio.Event) -> None:
        since_check = 0.0
        while not stop.is_set():
            if self._tail is None:
                await self.sync(conn)
            # cleared before the read, so an append that commits while it runs wakes the next one at once
            self.wake.clear()
            try:
                sent = await self.publish_batch(conn)
            except StreamFull as e:
                log.error("stream takes no new events; they wait in the ledger", stream=self.stream, why=str(e))
                metrics.RELAY_REPAIRS.labels(self.context, "full").inc()
                self._tail = None
                await pause(stop, 5.0)  # no faster than the operator can raise a limit or free a disk
                continue
            except StreamBehind as e:
                log.warning("stream behind the ledger; republishing", stream=self.stream, why=str(e))
                metrics.RELAY_REPAIRS.labels(self.context, "behind").inc()
                self._tail = None
                continue
            if sent:
                since_check = 0.0
                continue
            waited = await pause(self.wake, 0.2)
            since_check += 0.0 if waited else 0.2
            if since_check >= self.idle_check:
                since_check = 0.0
                await self._check_stream()

    async def sync(self, conn: AsyncConnection) -> None:
        """Finds where the stream ends (creating it if missing) and resumes after that position."""
        # bound only to the stream the operator made (its subjects, no republish); a missing one is asked for back
        info = await bound(self.nc, self.js, stream_config(self.context, self.replicas))
        self._measure(info)
        last_seq = info.state.last_seq
        position = 0
        if info.state.messages:
            last = await self.js.get_msg(self.stream, last_seq)
            position = int((last.headers or {}).get(Header.SEQUENCE, 0))
        recorded = await self._recorded(conn)
        if recorded is not None and position < recorded[0]:
            log.warning("stream lost events; republishing", stream=self.stream, stream_has=position, published=recorded[0])
            metrics.RELAY_REPAIRS.labels(self.context, "behind").inc()
        self._tail = (position, last_seq)
        metrics.RELAY_POSITION.labels(self.context).set(position)

    async def publish_batch(self, conn: AsyncConnection) -> int:
        """Publishes the next committed events after the stream's tail; returns how many."""
        assert self._tail is not None
        position, seq = self._tail
        rows = await self._after.rows(conn, {"after": position, "n": self.batch})
        await conn.commit()
        if not rows:
            return 0
        futures: list[Any] = []
        refused: BaseException | None = None  # refused by the client before it was sent (too large to send at all)
        try:
            for i, row in enumerate(rows):
                headers = self._traced(headers_of(row, self.context), row.subject)
                headers["Nats-Expected-Last-Sequence"] = str(seq + i)
                try:
                    futures.append(await self.js.publish_async(row.subject, row.body.encode(), headers=headers))
                except nats.errors.MaxPayloadError as e:
                    refused = e
                    break
            results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 30)
        except BaseException:  # a timeout, a lost connection: the batch is published again from the stream's tail
            for future in futures:
                future.cancel()  # frees their slots in the client's window of pending publishes
            raise
        done = 0
        failure: BaseException | None = refused if len(results) < len(rows) else None
        for row, result in zip(rows, results, strict=False):
            if isinstance(result, BaseException):
                failure = result
                break
            position, seq, done = row.position, result.seq, done + 1
        if done:
            self._tail = (position, seq)
            await self._record(conn, position, seq)
            metrics.RELAYED.labels(self.context).inc(done)
            metrics.RELAY_POSITION.labels(self.context).set(position)
        reason = poison(failure)
        if reason is not None:  # the events after it were refused only for the chained sequence: sent again next batch
            await self._park(conn, rows[done], reason)
            return done + 1
        _raise_for(failure)
        return done

    def _traced(self, headers: dict[str, str], subject: str) -> dict[str, str]:
        """The headers with the relay's own publish span as the event's traceparent, when spans are recorded: a
        consumer's spans then hang under it (the span covers the hand-over to the client, not the server's ack)."""
        parent = headers.get(Header.TRACEPARENT)
        if parent is None or not tracing.recording():
            return headers
        with tracing.span(f"publish {subject}", tracing.SpanKind.PRODUCER, parent, stream=self.stream) as published:
            headers[Header.TRACEPARENT] = tracing.current() or parent
            published.set_attribute("ce_sequence", headers[Header.SEQUENCE])
        return headers

    async def _park(self, conn: AsyncConnection, row: Any, reason: str) -> None:
        """Keeps an event the stream will never take, with its reason, and moves on past it (a gap, as a rollback
        leaves); after a restart it is tried once more, and parked again."""
        await self.parked.keep(conn, row.position, row.aggregate_id, "dead", 1, reason, headers_of(row, self.context), b"")
        await conn.commit()
        assert self._tail is not None
        self._tail = (row.position, self._tail[1])
        metrics.RELAY_REPAIRS.labels(self.context, "parked").inc()
        log.error("event parked: the stream refuses it", stream=self.stream, position=row.position, why=reason)

    async def _check_stream(self) -> None:
        """While idle, notices a stream that was deleted, lost messages or was changed since the last publish."""
        try:
            info = await self.js.stream_info(self.stream)
            self._measure(info)
            intact = self._tail is not None and info.state.last_seq == self._tail[1]
            intact = intact and drift(info.config, stream_config(self.context, self.replicas)) is None
        except nats.js.errors.NotFoundError:
            intact = False
        if not intact:
            self._tail = None

    def _measure(self, info: Any) -> None:
        """How full the stream is, for the alert that comes before it refuses events."""
        metrics.STREAM_BYTES.labels(self.stream).set(info.state.bytes)
        metrics.STREAM_MAX_BYTES.labels(self.stream).set(info.config.max_bytes or -1)

    async def _recorded(self, conn: AsyncConnection) -> tuple[int, int] | None:
        relay = self.ledger.relay
        row = (await conn.execute(select(relay.c.position, relay.c.stream_seq).where(relay.c.stream == self.stream))).first()
        await conn.commit()
        return None if row is None else (row.position, row.stream_seq)

    async def _record(self, conn: AsyncConnection, position: int, seq: int) -> None:
        await run_raw(conn, self._hint, {"stream": self.stream, "position": position, "seq": seq})
        await conn.commit()
