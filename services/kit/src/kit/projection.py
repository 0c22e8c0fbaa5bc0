"""What a projector feeds: a named read model (`Projection`) and the events it is given (`Delivered`)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event, decode_event
from contracts.envelope import Header


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


@dataclass(frozen=True)
class Projection:
    """A named read model fed from one context's stream."""

    name: str
    source: str
    apply: Apply
    events: Sequence[type[Event]] = ()
    """The events it takes, and JetStream delivers no others; empty means the whole context."""
    writes_only: Sequence[type[Event]] = ()
    """The events whose `apply` only writes (never reads a result, not even a row count): a batch of nothing else
    goes to the server in one pipeline, rather than a round trip a statement."""

    def __post_init__(self) -> None:
        strangers = [e.__name__ for e in (*self.events, *self.writes_only) if e.context != self.source]
        if strangers:
            raise ValueError(f"projection {self.name} takes events of another context than {self.source}: {strangers}")

    @property
    def subjects(self) -> list[str]:
        """The consumer's filter subjects; empty for the whole context."""
        return sorted({e.nats_subject() for e in self.events})

    @cached_property
    def _piped(self) -> frozenset[str]:
        return frozenset(e.nats_subject() for e in self.writes_only)

    def pipelined(self, msgs: Sequence[Msg]) -> bool:
        """Whether every message of a batch is of an event whose `apply` only writes."""
        return bool(self._piped) and all(m.subject in self._piped for m in msgs)
