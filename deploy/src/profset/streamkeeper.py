"""The operator's streams: made by the migration with fixed subjects and no republish, and kept so.

Services may only bind to streams (natsauth). `ensure` makes every public context's stream and the dead-letter stream,
or puts one back as it should be; `keep` answers a relay or projector that finds its stream missing (`REPAIR.<STREAM>`)
by making that stream again from the same fixed configuration, never from the request. The local stack and the test
stacks run the keeper as the operator beside the services; docker-compose and Kubernetes run `profset streams --keep`
as the keeper's own NATS user (natsauth.KEEPER), which may do this and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import nats
import nats.js.errors
from nats.js.api import StreamConfig

from contracts.base import INTERNAL
from contracts.envelope import STREAMS
from kit import logs
from kit.settings import nats_servers
from kit.streams import REPAIR, dead_letter_config, drift, stream_config

from .natsauth import KEEPER, inbox, queue_group

log = logs.get("streamkeeper")


def wanted(replicas: int = 1) -> dict[str, StreamConfig]:
    """Every stream of the bus by name, as the operator makes it."""
    configs = [stream_config(context, replicas) for context in STREAMS if context not in INTERNAL]
    return {str(c.name): c for c in [*configs, dead_letter_config(replicas)]}


async def ensure_one(js: Any, config: StreamConfig) -> str:
    """Makes one stream, or puts it back as it should be; says what was done."""
    try:
        info = await js.stream_info(config.name)
    except nats.js.errors.NotFoundError:
        await js.add_stream(config)
        return "made"
    problem = drift(info.config, config)
    if problem is None:
        return "as it should be"
    log.error("stream changed from the operator's; put back", stream=config.name, why=problem)
    await js.update_stream(config)
    return f"put back ({problem})"


async def ensure(nc: Any, replicas: int = 1) -> dict[str, str]:
    """Makes every stream of the bus that is missing and puts back any that was changed; what became of each."""
    js = nc.jetstream(timeout=10)
    return {name: await ensure_one(js, config) for name, config in wanted(replicas).items()}


@contextlib.asynccontextmanager
async def keeping(nc: Any, replicas: int = 1) -> AsyncIterator[None]:
    """Answers repair requests for the block: the named stream, made as it should be (the request's body is ignored)."""
    js, configs = nc.jetstream(timeout=10), wanted(replicas)

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
    await nc.flush()  # the server knows the subscription before the block asks anything of it
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def run(nats_url: str, keep: bool, replicas: int = 1) -> dict[str, str]:
    """`profset streams`: ensures every stream; with `keep`, then answers repairs until cancelled."""
    # replies to its JetStream requests come to the keeper's own inbox, the only one its user may listen to
    nc = await nats.connect(
        nats_servers(nats_url), name="profset-streamkeeper", inbox_prefix=inbox(KEEPER), max_reconnect_attempts=-1 if keep else 2
    )
    try:
        done = await ensure(nc, replicas)
        if keep:
            async with keeping(nc, replicas):
                await asyncio.Event().wait()
        return done
    finally:
        await nc.close()
