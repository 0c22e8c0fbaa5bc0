"""Answers computed from a service's read models, kept while those read models stand still.

The read models only change in transactions that append to the service's own ledger (inline projections) or
that move a consumer's checkpoint row (every projector batch upserts it, stamping `now()`), or that take an
event off the pending backlog (a retry or an operator's replay). So the ledger's last position, every
checkpoint row and the backlog's size name a state of the read models: an answer computed at one state is
good for as long as a read finds the same one. The state is read before the answer is computed, so an answer
is never filed under a state older than the one it saw, only (harmlessly) under a newer one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import metrics
from .store.tables import Ledger

T = TypeVar("T")


class ReadCache:
    """A bounded map from a question to its answer at one state of the read models; concurrent askers of the
    same question share one computation."""

    def __init__(self, ledger: Ledger, name: str, size: int = 2048) -> None:
        self.name, self.size = name, size
        self._answers: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._running: dict[tuple[Hashable, Hashable], asyncio.Future[Any]] = {}
        e, c, p = ledger.events.c, ledger.checkpoints.c, ledger.pending.c
        stamp = func.concat_ws(":", c.consumer, c.source, c.position, c.updated_at)
        self._state = select(
            select(func.coalesce(func.max(e.position), 0)).scalar_subquery(),
            select(func.coalesce(func.string_agg(stamp, literal_column("','")), "")).scalar_subquery(),
            select(func.count(), func.coalesce(func.sum(p.position), 0)).subquery().table_valued(),
        )

    async def state(self, conn: AsyncConnection) -> Hashable:
        """Names the read models' present state (one round trip)."""
        return tuple((await conn.execute(self._state)).one())

    async def get(self, conn: AsyncConnection, question: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The answer kept for the question at the present state, or `compute()`'s, then kept."""
        state = await self.state(conn)
        kept = self._answers.get(question)
        if kept is not None and kept[0] == state:
            self._answers.move_to_end(question)
            metrics.READ_CACHE.labels(self.name, "hit").inc()
            return kept[1]  # type: ignore[no-any-return]
        running = self._running.get((question, state))
        if running is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # we were cancelled, not the computation we waited on
        metrics.READ_CACHE.labels(self.name, "miss").inc()
        return await self._compute(question, state, compute)

    async def _compute(self, question: Hashable, state: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        shared: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[(question, state)] = shared
        try:
            answer = await compute()
        except BaseException:
            shared.cancel()  # whoever waited computes it themselves
            raise
        finally:
            self._running.pop((question, state), None)
        shared.set_result(answer)
        self._answers[question] = (state, answer)
        self._answers.move_to_end(question)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return answer
