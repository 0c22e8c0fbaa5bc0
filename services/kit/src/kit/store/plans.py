"""A group of appends decided on what its checks found under the append lock: which appends stand, their events
stamped with positions and versions, and what each caller is told. Pure: the event store does the IO."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.envelope import Reply

from .. import ids
from .records import Batch, Committed, Meta, Recorded, VersionConflict

Also = Callable[[AsyncConnection], Awaitable[None]]
"""Something more to write in an append's transaction (a new person's key, say); rows that need only inserting
(`inserts.Rows`) go out in the pipeline with the group's events."""


class Repeated(Exception):
    """The command id was already used; the first run's reply stands."""


@dataclass
class Pending:
    """One append waiting for the next group commit, and where its outcome goes."""

    batches: Sequence[Batch]
    meta: Meta
    data: Any
    also: Also | None
    done: asyncio.Future[Committed] = field(repr=False)

    def tell(self, outcome: Committed | BaseException) -> None:
        """Hands the caller its outcome, unless it stopped waiting."""
        if self.done.done():
            return
        if isinstance(outcome, Committed):
            self.done.set_result(outcome)
        elif isinstance(outcome, asyncio.CancelledError):
            self.done.cancel()
        else:
            self.done.set_exception(outcome)


@dataclass(frozen=True)
class Checked:
    """What a group's checks found under the lock: the command ids done, the streams' versions (those with events),
    a position for each of its events and the time to record them at."""

    done: frozenset[str]
    versions: Mapping[str, int]
    positions: Sequence[int]
    at: datetime


@dataclass
class Plan:
    """A group decided: each append's outcome in order, the appends that stand with their events and replies, and
    every event of the group in position order."""

    outcomes: list[Committed | Exception] = field(default_factory=list)
    written: list[tuple[Pending, list[Recorded], dict[str, Any]]] = field(default_factory=list)
    everything: list[Recorded] = field(default_factory=list)


def plan_group(group: Sequence[Pending], checked: Checked, context: str) -> Plan:
    """Decides the appends in order, each on what those before it left: a command id done (or used earlier in the
    group) is a repeat, a stream away from its expected version a conflict; the others' events take the next positions."""
    plan = Plan()
    done, versions, slots = set(checked.done), dict(checked.versions), iter(checked.positions)
    for p in group:
        refused = _refusal(p, done, versions)
        if refused is not None:
            plan.outcomes.append(refused)
            continue
        if p.meta.command_id is not None:
            done.add(p.meta.command_id)
        recorded = _stamp(p.batches, versions, slots, checked.at, p.meta)
        versions.update((r.stream_id, r.version) for r in recorded)
        positions = tuple(r.position for r in recorded)
        reply = Reply(ok=True, data=p.data, positions={context: positions[-1]} if positions else {})
        body = reply.model_dump(mode="json", exclude_none=True)
        version = versions.get(p.batches[-1].stream_id, 0) if p.batches else 0
        plan.written.append((p, recorded, body))
        plan.everything += recorded
        plan.outcomes.append(Committed(reply=body, positions=positions, version=version))
    return plan


def _refusal(p: Pending, done: set[str], versions: Mapping[str, int]) -> Exception | None:
    """Why an append cannot stand (a repeat, a stale version), or None."""
    if p.meta.command_id is not None and p.meta.command_id in done:
        return Repeated()
    for b in p.batches:
        if b.expected_version is not None and versions.get(b.stream_id, 0) != b.expected_version:
            found = versions.get(b.stream_id, 0)
            return VersionConflict(f"{b.stream_id} is at version {found}, not {b.expected_version}", b.stream_id)
    return None


def _stamp(
    batches: Sequence[Batch], versions: Mapping[str, int], slots: Iterator[int], at: datetime, meta: Meta
) -> list[Recorded]:
    """The events with their positions and stream versions, in order, on streams standing at `versions`."""
    recorded: list[Recorded] = []
    reached: dict[str, int] = {}
    for b in batches:
        version = reached.get(b.stream_id, versions.get(b.stream_id, 0))
        for e in b.events:
            version += 1
            recorded.append(
                Recorded(next(slots), ids.new_id(), b.stream_id, version, e, at, meta.correlation_id, meta.causation_id)
            )
        reached[b.stream_id] = version
    return recorded
