"""The bus's streams as the operator makes them: fixed subjects, no republish; services only bind to them.

A service's NATS user may not create or change a stream (a stream with extra subjects would tap other traffic). A relay
or projector that finds a stream missing asks the operator's stream keeper on `REPAIR.<STREAM>`, which makes it again
from these same configurations, never from the request.
"""

from __future__ import annotations

from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DiscardPolicy, StorageType, StreamConfig

from contracts.envelope import DEAD_LETTER_STREAM, STREAMS

from . import logs

log = logs.get("streams")

REPAIR = "profset.streams.repair"
"""Where a service asks the keeper for its stream back: `profset.streams.repair.<STREAM>` (each only its own)."""


def refusals_resolved(js: Any) -> Any:
    """nats-py (2.16) raises inside its publish-ack callback when the stream refuses a message (a wrong expected
    sequence, say), so the publish's future never resolves and the relay would wait out its timeout; here such a
    future gets the refusal at once. Must run before the context's first `publish_async`, which binds the callback."""
    handle = js._handle_async_reply

    async def resolving(msg: Any) -> None:
        try:
            await handle(msg)
        except nats.js.errors.APIError as e:
            future = js._publish_async_futures.get(msg.subject[len(js._async_reply_prefix or b"") :])
            if future is not None and not future.done():
                future.set_exception(e)

    js._handle_async_reply = resolving
    return js


GIB = 1 << 30
STREAM_MAX_GIB = 2
"""A context's stream may hold this much (the keeper's `--max-gib`). A runaway writer then fills its own stream, not
the store every stream shares; a full stream refuses new events (discard new, never the history), which wait in the
ledger — nothing is lost — while `ProfsetStreamNearlyFull` has already warned. JetStream reserves each limit in its
store, so seven context streams at this and the dead letters must fit in it (20 GiB in deploy/nats and k8s/nats)."""
MAX_EVENT_BYTES = 8 << 20
"""One event's largest message: the servers' `max_payload` (deploy/nats), said on the stream too, so a server
configured larger still holds the stream to it; a larger event is parked."""
DEAD_LETTER_DAYS = 90
"""How long a buried message stays to be looked at and replayed; an older one is still in its source stream and the
ledger, where `profset rebuild` reaches it."""
DEAD_LETTER_GIB = 1
"""A storm of failures is bounded too; the oldest burials go first (each a copy of an event kept elsewhere)."""


def stream_config(context: str, replicas: int = 1, max_gib: int = STREAM_MAX_GIB) -> StreamConfig:
    """The context's stream: every subject of the context, kept for replay up to its size limit, duplicates dropped for
    two minutes."""
    return StreamConfig(
        name=STREAMS[context],
        subjects=[f"{context}.>"],
        storage=StorageType.FILE,
        duplicate_window=120.0,
        num_replicas=replicas,
        allow_direct=True,
        max_bytes=max_gib * GIB,
        max_msg_size=MAX_EVENT_BYTES,
        discard=DiscardPolicy.NEW,
    )


def dead_letter_config(replicas: int = 1) -> StreamConfig:
    """Where consumers bury what they gave up on: `deadletter.<service>.<consumer>`, nothing else."""
    return StreamConfig(
        name=DEAD_LETTER_STREAM,
        subjects=["deadletter.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_age=DEAD_LETTER_DAYS * 86400.0,
        max_bytes=DEAD_LETTER_GIB * GIB,
        discard=DiscardPolicy.OLD,
    )


LIMITS = ("max_bytes", "max_msg_size", "max_age", "discard")
"""Set again by the keeper when they differ; replicas are not, as scaling a stream is the operator's own step."""


def unlimited(found: StreamConfig, wanted: StreamConfig) -> str | None:
    """Which of the stream's limits differ from the operator's (the keeper sets them again); None if none. Not a drift:
    a service whose settings differ from the keeper's must not ask it to mend the stream over and over."""
    for name in LIMITS:
        if getattr(wanted, name) is not None and getattr(found, name) != getattr(wanted, name):
            return f"{name} {getattr(found, name)!r} instead of {getattr(wanted, name)!r}"
    return None


def drift(found: StreamConfig, wanted: StreamConfig) -> str | None:
    """What makes a stream other than the operator made it (subjects, republish, mirror, sources); None if nothing."""
    if sorted(found.subjects or []) != sorted(wanted.subjects or []):
        return f"subjects {found.subjects} instead of {wanted.subjects}"
    for name in ("republish", "mirror", "sources", "subject_transform"):
        if getattr(found, name, None):
            return f"it has a {name}"
    return None


POISON_CODES = {10054}
"""JetStream refusals that are the message's own fault (10054: larger than the stream's maximum message size): the
event is parked, however often it is tried, so publishing it again would only stall every event after it."""


STORE_REFUSED = {10077}
"""JetStream refusals of the store, not the message (10077: the stream is at its size limit, or the disk is full): the
relay waits and tries again, as the event is fine."""


def poison(failure: BaseException | None) -> str | None:
    """Why a publish failure is the event's own fault (parked, and the relay goes on); None if it is the bus's."""
    if isinstance(failure, nats.errors.MaxPayloadError):
        return f"larger than the server's maximum payload: {failure!r}"[:500]
    if isinstance(failure, nats.js.errors.APIError) and failure.err_code in POISON_CODES:
        return f"refused by the stream: {failure.description} (code {failure.err_code})"[:500]
    return None


class StreamRefused(Exception):
    """A stream is missing or not as the operator made it, and nobody allowed to mend it did."""


async def ask_for(nc: Client, js: Any, wanted: StreamConfig) -> None:
    """Asks the operator's keeper to make the stream as it should be; with no keeper answering, tries itself (which only
    the operator's own identity may: a service's user is refused by the server and this raises)."""
    try:
        reply = await nc.request(f"{REPAIR}.{wanted.name}", b"", timeout=10)
    except nats.errors.NoRespondersError:
        log.warning("no stream keeper answers; making the stream with this identity", stream=wanted.name)
        try:
            await js.add_stream(wanted)
        except nats.js.errors.BadRequestError:  # it exists, changed: put back as it should be
            await js.update_stream(wanted)
        return
    if reply.data != b"ok":
        raise StreamRefused(f"the keeper could not mend {wanted.name}: {reply.data.decode(errors='replace')}")


async def bound(nc: Client, js: Any, wanted: StreamConfig) -> Any:
    """The stream's info once it is as the operator made it (asking the keeper to make or mend it); raises otherwise."""
    try:
        info = await js.stream_info(wanted.name)
        problem = drift(info.config, wanted)
    except nats.js.errors.NotFoundError:
        problem = "missing"
    if problem is None:
        return info
    log.error("stream not as the operator made it; asking for it to be mended", stream=wanted.name, why=problem)
    await ask_for(nc, js, wanted)
    info = await js.stream_info(wanted.name)
    problem = drift(info.config, wanted)
    if problem is not None:
        raise StreamRefused(f"{wanted.name}: {problem}")
    return info


class ConsumerTampered(Exception):
    """The durable consumer bound to is not configured as its projector made it."""


def unlike(found: ConsumerConfig, wanted: ConsumerConfig) -> str | None:
    """How a consumer differs from the one wanted in what decides what it applies; None if in nothing."""
    filters = set(found.filter_subjects or ([found.filter_subject] if found.filter_subject else []))
    if filters != set(wanted.filter_subjects or []):
        return f"filter {sorted(filters)} instead of {sorted(wanted.filter_subjects or [])}"
    if found.deliver_subject != wanted.deliver_subject:  # a pull consumer turned into a push one delivers elsewhere
        return f"deliver_subject {found.deliver_subject!r} instead of {wanted.deliver_subject!r}"
    for name in ("durable_name", "deliver_policy", "ack_policy", "max_deliver"):  # as far as asked; the rest defaults
        if getattr(wanted, name) is not None and getattr(found, name) != getattr(wanted, name):
            return f"{name} {getattr(found, name)!r} instead of {getattr(wanted, name)!r}"
    return None
