"""Read-your-writes across services (`min_positions`): the positions a request asks for, checked at the door, and
the waits for them, bounded per caller and in all so that nobody can stall a service by asking for what never comes."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from contracts.base import Payload
from contracts.envelope import ErrorCode, ErrorDetail

from .errors import Refused, invalid, unavailable
from .store.reading import Streams

if TYPE_CHECKING:
    from .projector import Projector

LEDGER_END = "ledger_end"
"""The verb every service answers with where its own ledger ends, so the gateway can refuse a position beyond it."""


class LedgerEnd(Payload):
    """Asks where the service's ledger ends (no fields)."""


def min_positions(raw: str | None) -> dict[str, int]:
    """The positions of a `min_positions` header: JSON like {"registry": 812}, each a position 0 or above."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
        wanted = {str(k): int(v) for k, v in parsed.items()}
    except (ValueError, AttributeError, TypeError, OverflowError):
        raise invalid("min_positions", 'min_positions must be JSON like {"registry": 812}', rule="json") from None
    for context, position in wanted.items():
        if position < 0:
            raise invalid(f"min_positions.{context}", f"a position of {context} is 0 or above", rule="ge")
    return wanted


def beyond_end(context: str, position: int, end: int) -> Refused:
    """The refusal of a position the context's ledger has not reached (it names no value the caller did not send)."""
    message = f"{context} has no position {position} yet: its ledger ends at {end}"
    return invalid(f"min_positions.{context}", message, rule="ledger_end")


class Waits:
    """The waits for min_positions: a caller's first few look for their positions at once, the next queue behind them
    (costing nothing but a task until their turn), and past that, or past a bound for the whole service, one is
    refused (`rate_limited`)."""

    def __init__(self, per_caller: int = 4, at_once: int = 4096, queued_per_caller: int = 320) -> None:
        self.per_caller, self.at_once, self.queued_per_caller = per_caller, at_once, queued_per_caller
        self._admitted: Counter[str] = Counter()
        self._turns: dict[str, asyncio.Semaphore] = {}

    def take(self, caller: str) -> None:
        """Counts a caller's wait in, or refuses it when the caller or the service has enough waiting."""
        if self._admitted[caller] >= self.per_caller + self.queued_per_caller or self._admitted.total() >= self.at_once:
            message = f"too many requests waiting for min_positions at once (at most {self.per_caller} a caller); retry"
            raise Refused(ErrorCode.RATE_LIMITED, message, [ErrorDetail(field="min_positions", rule="waits", message=message)])
        self._admitted[caller] += 1

    @contextlib.asynccontextmanager
    async def turn(self, caller: str) -> AsyncIterator[None]:
        """One of the caller's turns to look (after the waits ahead of it), the wait counted out when it ends."""
        turns = self._turns.setdefault(caller, asyncio.Semaphore(self.per_caller))
        try:
            async with turns:
                yield
        finally:
            self._admitted[caller] -= 1
            if self._admitted[caller] <= 0:  # nobody of this caller waits: its turns go with it
                del self._admitted[caller]
                self._turns.pop(caller, None)

    def waiting(self, caller: str) -> int:
        """How many waits a caller has in, looking or queued."""
        return self._admitted[caller]


class CatchUp:
    """A service's side of read-your-writes: what a request is owed, refused at once beyond a ledger's end, and the
    bounded wait for its projectors to apply it, which the dispatcher runs off its request workers."""

    def __init__(self, service: str, store: Streams, projectors: Sequence[Projector], read_wait: float, waits: Waits) -> None:
        self.service, self.store, self.projectors, self.read_wait, self.waits = service, store, projectors, read_wait, waits
        self._end = 0

    async def owed(self, caller: str, raw: str | None) -> dict[str, int]:
        """The positions of other contexts the request must still wait for, its wait counted in for the caller; a
        position beyond the service's own ledger is `invalid`, one wait too many `rate_limited`."""
        wanted = min_positions(raw)
        if (mine := wanted.pop(self.service, 0)) > self._end:
            self._end = max(self._end, await self.store.ledger_end())
            if mine > self._end:
                raise beyond_end(self.service, mine, self._end)
        # its own read models are written with its appends; one check says whether the others are there already
        if not wanted or await self.wait_for(wanted, 0):
            return {}
        self.waits.take(caller)
        return wanted

    async def wait(self, caller: str, owed: Mapping[str, int]) -> None:
        """Waits, bounded from now on, for positions `owed` counted in; `unavailable` if they do not come in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.read_wait
        async with self.waits.turn(caller):
            caught_up = await self.wait_for(owed, max(0.0, deadline - loop.time()))
        if not caught_up:
            raise unavailable("read models have not caught up with min_positions yet; retry")

    def wrote(self, positions: Sequence[int]) -> None:
        """Positions this service just committed: its ledger reaches at least that far."""
        if positions:
            self._end = max(self._end, positions[-1])

    async def wait_for(self, wanted: Mapping[str, int], timeout: float) -> bool:
        """Waits, bounded, until this service's read models have applied the given positions."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for context, position in wanted.items():
            projectors = [p for p in self.projectors if p.projection.source == context]
            if context == self.service or not projectors:
                continue  # own read models are written with the append; unknown contexts are not ours to wait for
            while not await self._applied(projectors, context, position):
                if loop.time() > deadline:
                    return False
                await asyncio.sleep(0.05)
        return True

    async def _applied(self, projectors: Sequence[Projector], context: str, position: int) -> bool:
        """Whether every consumer of a context has applied what it takes up to a position."""
        checkpoints = self.store.ledger.checkpoints.c
        names = [p.consumer for p in projectors]
        query = select(checkpoints.consumer, checkpoints.position).where(
            checkpoints.consumer.in_(names), checkpoints.source == context
        )
        async with self.store.engine.connect() as conn:
            reached = {r.consumer: r.position for r in await conn.execute(query)}
        for p in projectors:
            if reached.get(p.consumer, -1) >= position:
                continue
            # a filtered consumer's checkpoint moves only with the events it takes; JetStream knows whether it waits
            if not (p.projection.subjects and await p.caught_up(position)):
                return False
        return True

    async def ledger_end(self, _: LedgerEnd, __: object) -> dict[str, Any]:
        """The `ledger_end` verb: where this service's ledger ends."""
        self._end = max(self._end, await self.store.ledger_end())
        return {"context": self.service, "position": self._end}
