"""Read-your-writes across services (`min_positions`): the positions a request asks for, checked at the door, and
the waits for them, bounded per caller and in all so that nobody can stall a service by asking for what never comes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from contracts.base import Payload
from contracts.envelope import ErrorCode, ErrorDetail

from .errors import Refused, invalid, unavailable
from .store.streams import Streams

PositionsWaiter = Callable[[Mapping[str, int], float], Awaitable[bool]]

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
    """The waits for min_positions in flight: a few per caller and a bounded number in all; one more is refused."""

    def __init__(self, per_caller: int, at_once: int) -> None:
        self.per_caller, self.at_once = per_caller, at_once
        self._held: Counter[str] = Counter()

    def take(self, caller: str) -> None:
        """Counts a caller's wait in, or refuses it (`rate_limited`) when the caller or the service has enough."""
        if self._held[caller] >= self.per_caller or self._held.total() >= self.at_once:
            message = f"too many requests waiting for min_positions at once (at most {self.per_caller} a caller); retry"
            raise Refused(ErrorCode.RATE_LIMITED, message, [ErrorDetail(field="min_positions", rule="waits", message=message)])
        self._held[caller] += 1

    def give_back(self, caller: str) -> None:
        """Counts a finished wait out."""
        self._held[caller] -= 1
        if self._held[caller] <= 0:
            del self._held[caller]

    def held(self, caller: str) -> int:
        """How many waits a caller has in flight."""
        return self._held[caller]


class CatchUp:
    """A service's side of read-your-writes: what a request is owed, refused at once beyond a ledger's end, and the
    bounded wait for it, which the dispatcher runs off its request workers."""

    def __init__(self, service: str, store: Streams, wait_for: PositionsWaiter, read_wait: float, waits: Waits) -> None:
        self.service, self.store, self.wait_for, self.read_wait, self.waits = service, store, wait_for, read_wait, waits
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
        """Waits, bounded, for positions `owed` counted in; `unavailable` if they do not come in time."""
        try:
            caught_up = await self.wait_for(owed, self.read_wait)
        finally:
            self.waits.give_back(caller)
        if not caught_up:
            raise unavailable("read models have not caught up with min_positions yet; retry")

    def wrote(self, positions: Sequence[int]) -> None:
        """Positions this service just committed: its ledger reaches at least that far."""
        if positions:
            self._end = max(self._end, positions[-1])

    async def ledger_end(self, _: LedgerEnd, __: object) -> dict[str, Any]:
        """The `ledger_end` verb: where this service's ledger ends."""
        self._end = max(self._end, await self.store.ledger_end())
        return {"context": self.service, "position": self._end}
