"""A group of appends decided on what was found under the append lock (or what the writer foresaw): which stand,
with their events stamped, and what each caller is told. Pure: the writer does the IO."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.envelope import Reply

from .forecast import Checked, Guess
from .records import Batch, Committed, Meta, Recorded, VersionConflict
from .statements import stamp

Also = Callable[[AsyncConnection], Awaitable[None]]
"""Something more to write in an append's transaction (a new person's key, say); one marked `writes_only` goes out
in a pipeline with the group's others."""


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
    wake: bool = True


@dataclass
class Plan:
    """A group decided: each append's outcome, the appends to write with their events and replies, every event in
    position order, the streams' versions after it, and the guess it stands on, if any."""

    outcomes: list[Committed | Exception] = field(default_factory=list)
    written: list[tuple[Pending, list[Recorded], dict[str, Any]]] = field(default_factory=list)
    everything: list[Recorded] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    guess: Guess | None = None


def plan_group(group: Sequence[Pending], checked: Checked, context: str, *, strict: bool = False) -> Plan:
    """Decides each append (a repeat? a stale version?) and stamps the events of those that stand; `strict`
    raises at the first that does not."""
    plan = Plan()
    slots = iter(checked.positions)
    for p in group:
        try:
            recorded, committed = _decide(p, checked, slots, context)
        except (Repeated, VersionConflict) as e:
            if strict:
                raise
            plan.outcomes.append(e)
            continue
        plan.written.append((p, recorded, committed.reply))
        plan.everything += recorded
        plan.outcomes.append(committed)
    plan.versions = dict(checked.versions)
    return plan


def _decide(pending: Pending, checked: Checked, slots: Iterator[int], context: str) -> tuple[list[Recorded], Committed]:
    """One append's events with positions and versions, and its reply; a repeat or a stale version raises."""
    batches, meta = pending.batches, pending.meta
    if meta.command_id is not None and meta.command_id in checked.done:
        raise Repeated
    current = checked.versions
    for b in batches:
        if b.expected_version is not None and current.get(b.stream_id, 0) != b.expected_version:
            found = current.get(b.stream_id, 0)
            raise VersionConflict(f"{b.stream_id} is at version {found}, not {b.expected_version}", b.stream_id)
    if meta.command_id is not None:
        checked.done.add(meta.command_id)  # a later append of the group with the same id repeats this one
    recorded = stamp(batches, current, slots, checked.at, meta)
    positions = tuple(r.position for r in recorded)
    reply = Reply(ok=True, data=pending.data, positions={context: positions[-1]} if positions else {})
    body = reply.model_dump(mode="json", exclude_none=True)
    version = current.get(batches[-1].stream_id, 0) if batches else 0
    return recorded, Committed(reply=body, positions=positions, version=version)
