"""Whether the service's stream can take events: once it has had no leader for longer than an election takes (two NATS
nodes of three gone, so no JetStream quorum), commands are refused with `unavailable` (503) until it has one again.

An election after one node is lost takes seconds, and the commands answered meanwhile wait in the ledger for the relay,
as they always may. A lost quorum lasts until an operator brings the nodes back: accepting writes all that time would
grow a backlog nobody else can see (no other service learns of them) behind answers that say all went well.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext

from . import logs, metrics
from .errors import Refused, unavailable

log = logs.get("buswatch")

LOOK_EVERY = 1.0
"""Seconds between two looks at the stream (each a `STREAM.INFO` the stream's leader answers)."""


class BusWatch:
    """Looks at one stream every second and says whether commands should be refused now."""

    def __init__(self, service: str, js: JetStreamContext, stream: str, refuse_after: float) -> None:
        self.service, self.js, self.stream, self.refuse_after = service, js, stream, refuse_after
        self.leaderless_since: float | None = None
        metrics.BUS_LEADERLESS.labels(service).set_function(self._leaderless_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Looks until told to stop."""
        while not stop.is_set():
            await self.look()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOOK_EVERY)

    async def look(self) -> None:
        """One look: a stream that answers, or says it is missing (the relay makes it again), has a leader."""
        try:
            info = await self.js.stream_info(self.stream)
            # a replica without a leader may still answer, from what it last knew: a leader named is what counts
            led = info.cluster is None or bool(info.cluster.leader)
        except nats.js.errors.NotFoundError:
            led = True
        except (TimeoutError, nats.errors.Error):  # no leader answers: an election, or no quorum
            led = False
        if not led:
            if self.leaderless_since is None:
                self.leaderless_since = time.monotonic()
                log.warning("stream has no leader", stream=self.stream)
            return
        if self.leaderless_since is not None:
            log.info("stream has a leader again", stream=self.stream, after_s=round(self._leaderless_seconds(), 1))
        self.leaderless_since = None

    def refusal(self) -> Refused | None:
        """The refusal a command gets now, if the stream has been leaderless past the bound."""
        if self.refuse_after <= 0 or self._leaderless_seconds() <= self.refuse_after:
            return None
        return unavailable(
            f"the event bus has had no quorum for over {self.refuse_after:g} s, so no write could reach the other "
            "services; retry once the NATS nodes are back"
        )

    def _leaderless_seconds(self) -> float:
        since = self.leaderless_since
        return 0.0 if since is None else time.monotonic() - since
