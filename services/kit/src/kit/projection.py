"""What a projection is: a read model of another context's stream (`Projection`, fed `Delivered` events by the
projector) or of the service's own events (`Inline`), each declaring once what its `apply` reads back (`Reads`)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event, decode_event
from contracts.envelope import Header

if TYPE_CHECKING:
    from .store.records import Recorded


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
InlineProjection = Callable[[AsyncConnection, Sequence["Recorded"]], Awaitable[None]]
"""Updates read models in the append's transaction; it may be given the events of several appends at once (a group
commit, a rebuild), in position order, and must not read the ledger, whose rows are written after it."""
Reads = bool | Sequence[type[Event]]
"""What a projection's `apply` reads back from the database (a row, a result, even a row count): True, for any event
(the default); False, for none; or the events that do. Statements that nobody reads go to the server in one pipeline,
rather than a round trip each, so a projection says this once and the kit decides how to send them."""


def ledger_position(headers: dict[str, str]) -> int:
    """The source's ledger position a message carries; 0 if it carries none."""
    try:
        return int(headers[Header.SEQUENCE])
    except (KeyError, ValueError):
        return 0


@dataclass(frozen=True)
class Projection:
    """A named read model fed from another context's stream."""

    name: str
    source: str
    apply: Apply
    events: Sequence[type[Event]] = ()
    """The events it takes, and JetStream delivers no others; empty means the whole context."""
    reads: Reads = field(default=True, kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))
        readers = () if isinstance(self.reads, bool) else tuple(self.reads)
        if not isinstance(self.reads, bool):
            object.__setattr__(self, "reads", readers)
        strangers = [e.__name__ for e in (*self.events, *readers) if e.context != self.source]
        if strangers:
            raise ValueError(f"projection {self.name} takes events of another context than {self.source}: {strangers}")
        if self.reads is not True and not self.events:  # the kit pipelines only events it can name
            raise ValueError(f"projection {self.name} reads nothing for some events: name the events it takes")

    def consumer(self, service: str) -> str:
        """Its durable consumer's name in `service`, which also names its checkpoint and backlog rows."""
        return f"{service}_{self.name}"

    @property
    def subjects(self) -> list[str]:
        """The consumer's filter subjects; empty for the whole context."""
        return sorted({e.nats_subject() for e in self.events})

    @cached_property
    def writes_only(self) -> tuple[type[Event], ...]:
        """The events whose `apply` reads nothing back."""
        if self.reads is True:
            return ()
        return tuple(e for e in self.events if self.reads is False or e not in self.reads)

    @cached_property
    def _piped(self) -> frozenset[str]:
        return frozenset(e.nats_subject() for e in self.writes_only)

    def pipelined(self, msgs: Sequence[Msg]) -> bool:
        """Whether every message of a batch is of an event whose `apply` reads nothing back."""
        return bool(self._piped) and all(m.subject in self._piped for m in msgs)


@dataclass(frozen=True)
class Inline:
    """A read model of the service's own events, updated in the append's transaction; a plain `InlineProjection`
    is taken to read back for every event."""

    apply: InlineProjection
    reads: Reads | Callable[[Sequence[Recorded]], bool] = True
    """As a `Projection`'s, or a test of an append's events (when what it reads depends on more than their kinds)."""

    async def __call__(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        await self.apply(conn, recorded)

    def pipelined(self, recorded: Sequence[Recorded]) -> bool:
        """Whether its `apply` reads nothing back for these events, so the event store may send its statements in
        the append's pipeline."""
        if isinstance(self.reads, bool):
            return not self.reads
        if isinstance(self.reads, Sequence):
            return not any(isinstance(r.event, tuple(self.reads)) for r in recorded)
        return not self.reads(recorded)
