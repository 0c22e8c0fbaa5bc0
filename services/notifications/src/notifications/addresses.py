"""A round's addresses, asked of contacts a few letters before each letter goes: the asking overlaps the sending,
and no address is kept past its letter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any


class Unavailable(Exception):
    """A temporary reason not to send now."""


Address = str | Unavailable | None
"""A usable address, a temporary reason there is none now, or None: none usable at all."""


class Ahead:
    """Each row's address, asked a few letters before the letter goes: the asking overlaps the sending, and an
    address is never older than those few letters when it is used. Rows are asked `chunk` at a time, in one
    request each, so that contacts answers them with one query."""

    def __init__(
        self, ask: Callable[[Sequence[Any]], Coroutine[Any, Any, dict[str, Address]]], rows: Sequence[Any], chunk: int
    ) -> None:
        self.ask, self.rows, self.chunk = ask, rows, chunk
        self.place = {r.notification_id: i for i, r in enumerate(rows)}
        self.asked: dict[int, asyncio.Task[dict[str, Address]]] = {}  # by chunk number
        self.next = 0  # the next chunk to ask
        self._ask_for(0)

    async def get(self, row: Any) -> Address:
        """The row's address, once contacts has answered; it is not kept after."""
        number = self.place[row.notification_id] // self.chunk
        self._ask_for(number)
        return (await self.asked[number]).pop(row.notification_id)

    def known(self, row: Any) -> str | None:
        """The row's address if contacts has given one already; nothing is waited for."""
        task = self.asked.get(self.place[row.notification_id] // self.chunk)
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None  # a failed ask fails its own letters, when they ask for it
        found = task.result().get(row.notification_id)
        return found if isinstance(found, str) else None

    def cancel(self) -> None:
        """Drops the asks whose letters will not go in this round."""
        for task in self.asked.values():
            task.cancel()

    def _ask_for(self, number: int) -> None:
        """Keeps the answers for chunk `number` and the one after it on their way; forgets those before it."""
        loop = asyncio.get_running_loop()
        while self.next * self.chunk < len(self.rows) and self.next <= number + 1:
            start = self.next * self.chunk
            self.asked[self.next] = loop.create_task(self.ask(self.rows[start : start + self.chunk]))
            self.next += 1
        for done in [n for n in self.asked if n < number]:
            del self.asked[done]
