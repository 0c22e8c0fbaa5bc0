"""A projection declares once what its `apply` reads back; the projector and the event store pipeline the rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from kit_helpers import headcount

from contracts.contacts import ChannelClosed
from contracts.registry import HeadcountReported, OrgRenamed
from kit.projection import Inline, Projection
from kit.store import Recorded


async def nothing(conn: Any, d: Any) -> None:
    pass


def batch(*kinds: type) -> list[Any]:
    """Fetched messages of these events, as far as the projection looks at them."""
    return [SimpleNamespace(subject=k.nats_subject()) for k in kinds]


def recorded(*events: Any) -> list[Recorded]:
    return [Recorded(i, f"e{i}", "s", i, e, datetime(2026, 3, 1, tzinfo=UTC)) for i, e in enumerate(events, 1)]


def renamed() -> OrgRenamed:
    return OrgRenamed(org_id="o", name="Новое имя", effective_on=date(2026, 3, 1))


EVENTS = (HeadcountReported, OrgRenamed)


def test_a_projection_that_declares_nothing_is_never_pipelined() -> None:
    projection = Projection("p", "registry", nothing, EVENTS)
    assert projection.writes_only == () and not projection.pipelined(batch(HeadcountReported))


def test_one_that_reads_nothing_is_pipelined_for_every_event_it_takes() -> None:
    projection = Projection("p", "registry", nothing, EVENTS, reads=False)
    assert projection.writes_only == EVENTS and projection.pipelined(batch(HeadcountReported, OrgRenamed))


def test_one_that_reads_for_some_events_is_pipelined_for_batches_without_them() -> None:
    projection = Projection("p", "registry", nothing, EVENTS, reads=(OrgRenamed,))
    assert projection.writes_only == (HeadcountReported,)
    assert projection.pipelined(batch(HeadcountReported, HeadcountReported))
    assert not projection.pipelined(batch(HeadcountReported, OrgRenamed))


def test_a_declaration_the_kit_cannot_honour_is_refused() -> None:
    with pytest.raises(ValueError, match="name the events"):
        Projection("p", "registry", nothing, reads=False)  # the whole context: no events to pipeline by name
    with pytest.raises(ValueError, match="another context"):
        Projection("p", "registry", nothing, EVENTS, reads=(ChannelClosed,))


@pytest.mark.parametrize(
    ("reads", "deferred"),
    [
        (True, [False, False]),
        (False, [True, True]),
        ((OrgRenamed,), [True, False]),
        (lambda rs: any(isinstance(r.event, OrgRenamed) for r in rs), [True, False]),
    ],
)
def test_an_inline_projection_tells_the_event_store_what_it_may_pipeline(reads: Any, deferred: list[bool]) -> None:
    project = Inline(nothing, reads=reads)
    assert [project.pipelined(recorded(headcount("o", 1))), project.pipelined(recorded(renamed()))] == deferred


async def test_an_inline_projection_is_applied_as_its_apply() -> None:
    seen: list[Sequence[Recorded]] = []

    async def apply(conn: Any, rs: Sequence[Recorded]) -> None:
        seen.append(rs)

    events = recorded(headcount("o", 1))
    await Inline(apply, reads=False)(None, events)  # type: ignore[arg-type]
    assert seen == [events]
