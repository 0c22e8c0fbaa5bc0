"""Answers computed from a service's read models, kept while those read models stand still.

The read models only change in transactions that append to the service's own ledger (inline projections) or
that move a consumer's checkpoint row (every projector batch upserts it, stamping `now()`), or that take an
event off the pending backlog (a retry or an operator's replay). So the ledger's last position, every
checkpoint row and the backlog name a state of the read models: an answer computed at one state is good for
as long as a read finds the same one. The state is read before the answer is computed, so an answer is never
filed under a state older than the one it saw, only (harmlessly) under a newer one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from . import metrics
from .projection import Projection
from .store.reading import Streams

T = TypeVar("T")
Compute = Callable[[AsyncConnection], Awaitable[T]]

WHOLE_TREE = 256
"""The weight of an answer as big as a whole tree: a cache of 2,048 keeps at most eight of them (a client asking
for many days must not fill the memory with trees)."""

_STATE = """SELECT (SELECT coalesce(max(position), 0) FROM {s}.events),
  (SELECT coalesce(string_agg(concat_ws(':', consumer, source, position, updated_at), ',' ORDER BY consumer, source), '')
     FROM {s}.checkpoints),
  (SELECT count(*) FROM {s}.pending), (SELECT coalesce(sum(position), 0) FROM {s}.pending)"""

_WRITTEN_BY = """SELECT
  (SELECT coalesce(string_agg(concat_ws(':', source, position, updated_at), ',' ORDER BY source), '')
     FROM {s}.checkpoints WHERE consumer = %s),
  (SELECT count(*) FROM {s}.pending WHERE consumer = %s),
  (SELECT coalesce(sum(position), 0) FROM {s}.pending WHERE consumer = %s)"""
"""The state of read models that one consumer alone writes: its checkpoint rows and its backlog."""


class ReadCache:
    """A bounded map from a question to its answer at one state of the read models; concurrent askers of the
    same question share one computation."""

    def __init__(self, store: Streams, name: str, size: int = 2048, written_by: Projection | None = None) -> None:
        """`written_by`: the one projection whose batches alone change what the answers read (a mirror of another
        context's facts), so that the service's own appends and its other consumers leave the answers kept."""
        self.engine, self.name, self.size = store.engine, name, size
        # the state is read on every request: one prepared statement on the store's autocommit connections, which
        # are its short reads' already, so the cache opens no connection of its own (the Kubernetes budget counts them)
        self.direct = store.direct
        schema = f'"{store.ledger.metadata.schema}"'
        self._sql = (_STATE if written_by is None else _WRITTEN_BY).format(s=schema)
        self._params = () if written_by is None else (written_by.consumer(str(store.ledger.metadata.schema)),) * 3
        self._answers: OrderedDict[Hashable, tuple[Hashable, Any, int]] = OrderedDict()
        self._weight = 0
        self._running: dict[tuple[Hashable, Hashable], asyncio.Future[Any]] = {}

    async def reading(self) -> Reading:
        """The read models' present state, for the questions of one request (one round trip)."""
        return Reading(self, tuple((await self.direct.fetch(self._sql, self._params))[0]))

    async def get(self, question: Hashable, compute: Compute[T], weight: int = 1) -> T:
        """The answer to one question at the present state."""
        return await (await self.reading()).get(question, compute, weight)

    def _kept(self, question: Hashable, state: Hashable) -> tuple[bool, Any]:
        kept = self._answers.get(question)
        if kept is None or kept[0] != state:
            return False, None
        self._answers.move_to_end(question)
        return True, kept[1]

    def _keep(self, question: Hashable, state: Hashable, answer: Any, weight: int) -> None:
        """Keeps the answer, letting the least recently asked go while the kept weigh more than the size."""
        replaced = self._answers.pop(question, None)
        self._weight += weight - (replaced[2] if replaced else 0)
        self._answers[question] = (state, answer, weight)
        while self._weight > self.size and len(self._answers) > 1:
            self._weight -= self._answers.popitem(last=False)[1][2]


@dataclass(frozen=True)
class Reading:
    """One state of the read models, and the answers kept for it."""

    cache: ReadCache
    state: Hashable

    async def get(self, question: Hashable, compute: Compute[T], weight: int = 1) -> T:
        """The answer kept for the question at this state, or `compute`'s on a connection of its own, then kept
        (`weight`: how many ordinary answers it counts as, WHOLE_TREE for a tree)."""
        cache, state = self.cache, self.state
        found, answer = cache._kept(question, state)
        if found:
            metrics.READ_CACHE.labels(cache.name, "hit").inc()
            return answer  # type: ignore[no-any-return]
        running = cache._running.get((question, state))
        if running is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # we were cancelled, not the computation we waited on
        metrics.READ_CACHE.labels(cache.name, "miss").inc()
        shared: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        cache._running[(question, state)] = shared
        try:
            async with cache.engine.connect() as conn:
                answer = await compute(conn)
        except BaseException:
            shared.cancel()  # whoever waited computes it themselves
            raise
        finally:
            cache._running.pop((question, state), None)
        shared.set_result(answer)
        cache._keep(question, state, answer, weight)
        return answer
