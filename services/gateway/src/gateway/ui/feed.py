"""The exchange's events pushed to this gateway through a JetStream consumer of its own, and handed to the live pages
that follow one material each.

The gateway's NATS user may not listen to `exchange.>` itself (nobody may tap a context's subjects); it may keep a push
consumer of the EXCHANGE stream under one of its own names (`NAMES`, which deploy/src/profset/natsauth.py permits),
delivered to its own inbox. One consumer per gateway process, whatever the number of open pages: each message wakes
the pages of the material it is about (the delivery's `ce-subject` is `<material id>:<recipient>`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from kit import logs

log = logs.get("gateway.live")

STREAM = "EXCHANGE"
NAMES = ("gateway_live", *(f"gateway_live_{n}" for n in range(1, 8)))
"""The consumer names a gateway may take, one per running replica (NATS permissions can't match a name's prefix)."""
IDLE_END = 60.0  # seconds without this gateway listening before the server drops its consumer (a replica that died)
CHECK = 20.0  # seconds between checks that the consumer still stands (dropped while the connection was down)


class LiveFeed:
    """Wakes the listeners of a material when one of its events arrives."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.listeners: dict[str, set[asyncio.Event]] = {}
        self.name: str | None = None
        self.inbox = ""
        self.sub: Any = None
        self.watch: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def listen(self, material_id: str) -> AsyncIterator[asyncio.Event]:
        """An event set each time something happens to the material (cleared by the listener)."""
        woken = asyncio.Event()
        self.listeners.setdefault(material_id, set()).add(woken)
        try:
            await self.start()
            yield woken
        finally:
            waiting = self.listeners.get(material_id, set())
            waiting.discard(woken)
            if not waiting:
                self.listeners.pop(material_id, None)

    async def start(self) -> None:
        """Makes the consumer and its subscription unless they run; a refusal leaves the pages to their re-reads."""
        async with self.lock:
            if self.sub is not None:
                return
            try:
                await self._bind()
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as e:
                log.warning("live updates unavailable", error=str(e))
                return
            if self.watch is None:
                self.watch = asyncio.create_task(self._watch())

    async def _bind(self) -> None:
        js = self.nc.jetstream(timeout=5)
        for name in NAMES:
            with contextlib.suppress(nats.js.errors.NotFoundError):
                if (await js.consumer_info(STREAM, name)).push_bound:
                    continue  # another replica's
            inbox = self.nc.new_inbox()
            self.sub = await self.nc.subscribe(inbox, cb=self._arrived)
            config = ConsumerConfig(
                name=name,
                deliver_subject=inbox,
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.NONE,
                filter_subject="exchange.>",
                inactive_threshold=IDLE_END,
                mem_storage=True,
            )
            try:
                await js.add_consumer(STREAM, config)
            except BaseException:
                await self._drop()
                raise
            self.name, self.inbox = name, inbox
            log.info("live updates on", consumer=name)
            return
        raise nats.errors.Error("every live consumer name is taken")

    async def _arrived(self, msg: Any) -> None:
        about = (msg.headers or {}).get("ce-subject", "").split(":")[0]
        for woken in list(self.listeners.get(about, ())) if about else _all(self.listeners):
            woken.set()

    async def _watch(self) -> None:
        """Puts the consumer back if the server dropped it (e.g. after a long disconnection)."""
        while True:
            await asyncio.sleep(CHECK)
            try:
                if self.name is not None:
                    info = await self.nc.jetstream(timeout=5).consumer_info(STREAM, self.name)
                    if info.config.deliver_subject == self.inbox:
                        continue
                    log.warning("live consumer taken by another replica; taking another name", consumer=self.name)
            except nats.js.errors.NotFoundError:
                log.warning("live consumer gone; making it again", consumer=self.name)
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                continue  # the connection is down: try later
            async with self.lock:
                await self._drop()
            await self.start()
            for waiting in list(self.listeners.values()):  # the pages re-read what they may have missed
                for woken in waiting:
                    woken.set()

    async def _drop(self) -> None:
        if self.sub is not None:
            with contextlib.suppress(Exception):
                await self.sub.unsubscribe()
        self.sub, self.name = None, None

    async def close(self) -> None:
        """Stops and lets the server forget the consumer, so another replica may take its name."""
        if self.watch is not None:
            self.watch.cancel()
        name = self.name
        await self._drop()
        if name is not None:
            with contextlib.suppress(Exception):
                await self.nc.jetstream(timeout=2).delete_consumer(STREAM, name)


def _all(listeners: dict[str, set[asyncio.Event]]) -> list[asyncio.Event]:
    return [woken for waiting in listeners.values() for woken in waiting]
