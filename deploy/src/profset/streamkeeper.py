"""The operator's streams: made by the migration with fixed subjects and no republish, and kept so.

Services may only bind to streams (natsauth). `ensure` makes every public context's stream and the dead-letter stream,
or puts one back as it should be; `keep` answers a relay or projector that finds its stream missing (`REPAIR.<STREAM>`)
by making that stream again from the same fixed configuration, never from the request. The local stack and the test
stacks run the keeper as the operator beside the services; docker-compose and Kubernetes run `profset streams --keep`
as the keeper's own NATS user (natsauth.KEEPER), which may do this and nothing else.

While it keeps, it also deletes any consumer of an outside user (the reader, a team) or a gateway's live consumer that
pushes anywhere but its owner's own inbox: NATS permissions can't see a consumer's deliver subject, and the server
delivers as itself, onto any subject (a service's requests, another client's inbox). It looks at a public stream's
consumers as soon as the server's API audit tells of a consumer made or changed there, and at all of them every
`SWEEP_EVERY` seconds, for what was made while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import nats
import nats.js.errors
from nats.js.api import StreamConfig

from contracts.base import INTERNAL
from contracts.envelope import STREAMS
from kit import logs
from kit.locks import pause
from kit.settings import nats_servers
from kit.streams import REPAIR, STREAM_MAX_GIB, dead_letter_config, drift, stream_config, unlimited

from .natsauth import API_AUDIT, GATEWAY_LIVE_CONSUMERS, KEEPER, PUBLIC_STREAMS, inbox, queue_group

log = logs.get("streamkeeper")

SWEEP_EVERY = 60.0
"""Seconds between two looks at every public stream's consumers (the audit is told at most once, and not while away)."""

LIST_PAGE = 256
"""Consumers the server lists at most per request."""


def wanted(replicas: int = 1, max_gib: int = STREAM_MAX_GIB) -> dict[str, StreamConfig]:
    """Every stream of the bus by name, as the operator makes it."""
    configs = [stream_config(context, replicas, max_gib) for context in STREAMS if context not in INTERNAL]
    return {str(c.name): c for c in [*configs, dead_letter_config(replicas)]}


async def ensure_one(js: Any, config: StreamConfig) -> str:
    """Makes one stream, or puts it back as it should be; says what was done."""
    try:
        info = await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        await js.add_stream(config)
        return "made"
    problem = drift(info.config, config)
    if problem is not None:
        log.error("stream changed from the operator's; put back", stream=config.name, why=problem)
        await js.update_stream(config)
        return f"put back ({problem})"
    limits = unlimited(info.config, config)
    if limits is None:
        return "as it should be"
    log.info("stream's limits set", stream=config.name, was=limits)
    await js.update_stream(config)
    return f"limits set ({limits})"


async def ensure(nc: Any, replicas: int = 1, max_gib: int = STREAM_MAX_GIB) -> dict[str, str]:
    """Makes every stream of the bus that is missing and puts back any that was changed; what became of each."""
    js = nc.jetstream(timeout=10)
    return {name: await ensure_one(js, config) for name, config in wanted(replicas, max_gib).items()}


def owner(consumer: str) -> str | None:
    """The user whose own inbox a consumer may push to: the outside user of `reader-2` or `acme`, the gateway of its live
    consumers; None for a service's projection (a pull consumer its projector checks itself) or the operator's own."""
    if consumer in GATEWAY_LIVE_CONSUMERS:
        return "gateway"
    if "_" in consumer:  # `<service>_<projection>`: no outside user's name holds one
        return None
    return re.sub(r"-\d+$", "", consumer)  # a team's name never ends in a hyphen and digits (integrators.valid_name)


def misdirected(consumer: str, deliver_subject: str | None) -> bool:
    """Whether the consumer pushes onto a subject outside its owner's inbox (a pull consumer pushes nowhere)."""
    who = owner(consumer)
    return who is not None and bool(deliver_subject) and not str(deliver_subject).startswith(f"{inbox(who)}.")


def made_on(api_subject: str) -> str | None:
    """The stream a consumer create (or update) request is about, from its API subject; None for any other request."""
    parts = api_subject.split(".")
    if api_subject.startswith("$JS.API.CONSUMER.CREATE.") and len(parts) >= 5:
        return parts[4]
    if api_subject.startswith("$JS.API.CONSUMER.DURABLE.CREATE.") and len(parts) >= 6:
        return parts[5]
    return None


async def police(js: Any, stream: str) -> list[str]:
    """Deletes the stream's consumers that push outside their owner's inbox; the names of those deleted."""
    found: list[Any] = []
    while True:  # the server lists a page at a time
        page = await js.consumers_info(stream, offset=len(found) or None)
        found += page
        if len(page) < LIST_PAGE:
            break
    deleted = []
    for info in found:
        if not misdirected(info.name, info.config.deliver_subject):
            continue
        try:
            await js.delete_consumer(stream, info.name)
        except nats.js.errors.NotFoundError:  # gone already (its owner, or an inactive threshold)
            continue
        log.error(
            "consumer pushed outside its owner's inbox; deleted",
            stream=stream,
            consumer=info.name,
            deliver_subject=info.config.deliver_subject,
        )
        deleted.append(info.name)
    return deleted


async def _police_quietly(js: Any, stream: str) -> None:
    """`police`, with a failure logged: the next audit or sweep looks again."""
    try:
        await police(js, stream)
    except nats.js.errors.NotFoundError:  # no such stream (yet): nothing on it to police
        pass
    except Exception as e:  # noqa: BLE001 - a keeper goes on keeping
        log.warning("could not look at a stream's consumers", stream=stream, error=repr(e))


async def _sweeping(js: Any, every: float, stop: asyncio.Event) -> None:
    """Looks at every public stream's consumers now and every `every` seconds, until `stop` is set."""
    while not stop.is_set():
        for stream in PUBLIC_STREAMS:
            if stop.is_set():
                return
            await _police_quietly(js, stream)
        await pause(stop, every)


@contextlib.asynccontextmanager
async def keeping(
    nc: Any, replicas: int = 1, max_gib: int = STREAM_MAX_GIB, sweep_every: float = SWEEP_EVERY
) -> AsyncIterator[None]:
    """Answers repair requests for the block: the named stream, made as it should be (the request's body is ignored);
    and deletes the consumers that push outside their owner's inbox (`misdirected`) as soon as they are made."""
    js, configs = nc.jetstream(timeout=10), wanted(replicas, max_gib)
    policed = set(PUBLIC_STREAMS)

    async def on_audit(msg: Any) -> None:
        try:
            stream = made_on(str(json.loads(msg.data).get("subject", "")))
        except (ValueError, AttributeError):
            return
        if stream in policed:
            await _police_quietly(js, stream)

    async def on_repair(msg: Any) -> None:
        config = configs.get(msg.subject.rsplit(".", 1)[-1])
        if config is None:
            await msg.respond(b"no such stream")
            return
        try:
            done = await ensure_one(js, config)
        except Exception as e:  # noqa: BLE001 - told to the asker, who tries again
            await msg.respond(f"failed: {e!r}".encode())
            return
        log.info("stream repaired on request", stream=config.name, done=done)
        await msg.respond(b"ok")

    sub = await nc.subscribe(f"{REPAIR}.*", queue=queue_group(KEEPER), cb=on_repair)
    audit = await nc.subscribe(API_AUDIT, cb=on_audit)
    await nc.flush()  # the server knows the subscriptions before the block asks anything of them
    stop = asyncio.Event()
    sweeper = asyncio.create_task(_sweeping(js, sweep_every, stop))
    try:
        yield
    finally:
        # the event as well as the cancel: Python 3.11's wait_for (inside nats-py's request) swallows a cancel that
        # meets its reply, and the sweep went on for another round (seen in CI: a keeper's exit held 120 s)
        stop.set()
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)  # our own cancellation still propagates
        for each in (sub, audit):
            with contextlib.suppress(Exception):
                await each.unsubscribe()


async def run(nats_url: str, keep: bool, replicas: int = 1, max_gib: int = 0) -> dict[str, str]:
    """`profset streams`: ensures every stream; with `keep`, then answers repairs until cancelled."""
    # replies to its JetStream requests come to the keeper's own inbox, the only one its user may listen to
    nc = await nats.connect(
        nats_servers(nats_url), name="profset-streamkeeper", inbox_prefix=inbox(KEEPER), max_reconnect_attempts=-1 if keep else 2
    )
    try:
        max_gib = max_gib or STREAM_MAX_GIB
        done = await ensure(nc, replicas, max_gib)
        if keep:
            async with keeping(nc, replicas, max_gib):
                await asyncio.Event().wait()
        return done
    finally:
        await nc.close()
