"""A hot stream's writers one at a time, across replicas, each deciding on what the one before it appended (issue 35).

A command that changes the tree loads it, decides and appends in the tree's turn (`kit.locks.turn`), so no other writer,
in this replica or another, moves the tree between its load and its append: it never loses a race, and is never
answered 409 for one. One at a time would be one commit at a time; instead a writer leaves the turn as soon as its
append is queued, and the next writer of this replica decides on the tree as that append leaves it, without reading
it: their appends share the store's group commits. The turn goes to other replicas once the appends under way have
ended, so they read all of them; should one fail (a repeat, whose events are not written again), those decided after
it find the stream elsewhere than they expected, and are decided again on the tree read afresh (`kit.store.retries`)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, Generic, TypeVar

from contracts.base import Event
from kit.locks import Held, turn
from kit.store import Committed, EventStore, Fold, Meta

S = TypeVar("S")


class _Ahead(Generic[S]):
    """One replica's view of a stream in its turn: the state and version its queued appends leave, if known."""

    def __init__(self) -> None:
        self.state: tuple[S, int] | None = None

    def settled(self, written: asyncio.Future[Committed]) -> None:
        """Forgets the view once an append it counted on did not land, so the next writer reads the stream afresh."""
        if written.cancelled() or written.exception() is not None or written.result().repeated:
            self.state = None


_ahead: weakref.WeakKeyDictionary[EventStore, dict[str, _Ahead[Any]]] = weakref.WeakKeyDictionary()


class Desk(Generic[S]):
    """A stream in its writers' turn: load it, decide, `append`, leave, and await the append outside the turn."""

    def __init__(self, store: EventStore, stream_id: str, fold: Fold[S], held: Held) -> None:
        self.store, self.stream_id, self.fold, self.held = store, stream_id, fold, held
        self.ahead: _Ahead[S] = _ahead.setdefault(store, {}).setdefault(stream_id, _Ahead())
        self.loaded: tuple[S, int] | None = None

    async def load(self) -> tuple[S, int]:
        """The stream's state and version: as the appends this replica has under way leave it, or read afresh."""
        if self.held.handed and self.ahead.state is not None:
            self.loaded = self.ahead.state
        else:
            # the turn was taken anew (another replica may have written since), or an append counted on failed
            self.ahead.state = None
            self.loaded = self.ahead.state = await self.store.load(self.stream_id, self.fold)
        return self.loaded

    def append(self, events: Sequence[Event], *, expected_version: int, meta: Meta, data: Any) -> asyncio.Future[Committed]:
        """Queues the events at the version loaded, and counts on them for the next writer; their commit is awaited
        outside the turn, which is let go to other replicas only once it has ended."""
        assert self.loaded is not None and self.loaded[1] == expected_version, "appended at the version loaded"
        state = self.fold.after(self.loaded[0], events)
        write = self.store.append(self.stream_id, events, expected_version=expected_version, meta=meta, data=data)
        written = self.confirm(write)
        self.ahead.state = (state, expected_version + len(events))
        written.add_done_callback(self.ahead.settled)
        return written

    def confirm(self, write: Coroutine[Any, Any, Committed]) -> asyncio.Future[Committed]:
        """Queues a write decided on the state loaded that adds no event to the stream (it may confirm its version, as
        a `Batch` of none), to be awaited outside the turn. It starts before the next writer of the turn does (tasks
        start in the order they are made), so its append is queued before that writer's."""
        written = asyncio.ensure_future(write)
        self.held.owes(written)
        return written


@contextlib.asynccontextmanager
async def writing(store: EventStore, stream_id: str, fold: Fold[S]) -> AsyncIterator[Desk[S]]:
    """The stream in its writers' turn, across every replica of the service."""
    async with turn(store.engine, store.context, stream_id) as held:
        yield Desk(store, stream_id, fold, held)
