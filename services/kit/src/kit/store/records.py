"""What the event store takes and gives: folds, metadata, recorded events, committed appends and their errors."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from contracts.base import Event

S = TypeVar("S")


@dataclass(frozen=True)
class Fold(Generic[S]):
    """How a stream's events fold into a state, and whether to cache and snapshot that state."""

    initial: S
    evolve: Callable[[S, Event], S]
    encode: Callable[[S], Any] | None = None
    decode: Callable[[Any], S] | None = None
    snapshot_every: int = 200
    cached: bool = False
    evolve_all: Callable[[S, Sequence[Event]], S] | None = None
    """The state after several events at once, where that costs less than one `evolve` each (a large state's copy)."""

    def after(self, state: S, events: Sequence[Event]) -> S:
        """The state after the events."""
        if self.evolve_all is not None:
            return self.evolve_all(state, events)
        for event in events:
            state = self.evolve(state, event)
        return state


@dataclass(frozen=True)
class Meta:
    """Who asked and which command this is; travels with every append."""

    command_id: str | None = None
    fingerprint: str = ""
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Recorded:
    """An event as the ledger holds it."""

    position: int
    event_id: str
    stream_id: str
    version: int
    event: Event
    recorded_at: datetime
    correlation_id: str | None = None
    causation_id: str | None = None


@dataclass(frozen=True)
class Committed:
    """What an append (or the first run of a repeated command) answered."""

    reply: dict[str, Any]
    positions: tuple[int, ...] = ()
    version: int = 0
    repeated: bool = False


@dataclass(frozen=True)
class Batch:
    """Events for one stream, appended only if the stream is still at `expected_version` (None: anywhere)."""

    stream_id: str
    events: Sequence[Event]
    expected_version: int | None = None


class VersionConflict(Exception):
    """The stream moved on since it was read; the handler may load and decide again."""

    def __init__(self, message: str, stream_id: str = "") -> None:
        super().__init__(message)
        self.stream_id = stream_id


def fingerprint(*parts: object) -> str:
    """A digest of a request, so a reused idempotency key with another request is refused."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
