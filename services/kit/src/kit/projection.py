"""What a projection is: a read model of another context's stream (`Projection`, fed `Delivered` events by the
projector) or of the service's own events (`Inline`), each declaring once what its `apply` reads back (`Reads`)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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
ApplyOwn = Callable[[AsyncConnection, Sequence["Recorded"]], Awaitable[None]]
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


@dataclass(frozen=True, init=False)
class Projection:
    """A named read model fed from another context's stream."""

    name: str
    source: str
    apply: Apply
    events: tuple[type[Event], ...]
    """The events it takes, and JetStream delivers no others; empty means the whole context."""
    reads: Reads

    def __init__(
        self,
        name: str,
        source: str,
        apply: Apply,
        events: Sequence[type[Event]] = (),
        writes_only: Sequence[type[Event]] = (),
        *,
        reads: Reads = True,
    ) -> None:
        # `writes_only` (the events that read nothing) is the older spelling, kept while projections move to `reads`
        if writes_only:
            if reads is not True:
                raise ValueError(f"projection {name} declares both reads and writes_only")
            reads = tuple(e for e in events if e not in writes_only)
        for attr, value in (("name", name), ("source", source), ("apply", apply), ("events", tuple(events))):
            object.__setattr__(self, attr, value)
        object.__setattr__(self, "reads", reads if isinstance(reads, bool) else tuple(reads))
        self._check()

    def _check(self) -> None:
        readers = () if isinstance(self.reads, bool) else self.reads
        strangers = [e.__name__ for e in (*self.events, *readers) if e.context != self.source]
        if strangers:
            raise ValueError(f"projection {self.name} takes events of another context than {self.source}: {strangers}")
        if self.reads is not True and not self.events:  # the kit pipelines only events it can name
            raise ValueError(f"projection {self.name} reads nothing for some events: name the events it takes")

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
    """A read model of the service's own events, updated in the append's transaction (`kit.store.inline`)."""

    apply: ApplyOwn
    reads: Reads | Callable[[Sequence[Recorded]], bool] = True
    """As a `Projection`'s, or a test of an append's events (when what it reads depends on more than their kinds)."""

    async def __call__(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        await self.apply(conn, recorded)

    @property
    def writes_only(self) -> bool:
        """Whether the event store may pipeline its statements with the append's, unless `reads_if` says otherwise."""
        return self.reads is not True

    def reads_if(self, recorded: Sequence[Recorded]) -> bool:
        """Whether its `apply` reads something back for these events: it then runs before the store's pipeline."""
        if isinstance(self.reads, bool):
            return self.reads
        if isinstance(self.reads, Sequence):
            kinds = tuple(self.reads)
            return any(isinstance(r.event, kinds) for r in recorded)
        return self.reads(recorded)
