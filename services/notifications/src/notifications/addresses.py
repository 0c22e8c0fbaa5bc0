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
    address is never older than those few letters when it is used. Asks go out `chunk` at a time, so that they
    leave in one write and contacts takes them together."""

    def __init__(self, ask: Callable[[Any], Coroutine[Any, Any, Address]], rows: Sequence[Any], chunk: int) -> None:
        self.ask, self.rows, self.chunk = ask, rows, chunk
        self.place = {r.notification_id: i for i, r in enumerate(rows)}
        self.asked: dict[str, asyncio.Task[Address]] = {}
        self.next = 0
        self._ask_for(0)

    async def get(self, row: Any) -> Address:
        """The row's address, once contacts has answered."""
        self._ask_for(self.place[row.notification_id])
        return await self.asked.pop(row.notification_id)

    def known(self, row: Any) -> str | None:
        """The row's address if contacts has given one already; nothing is waited for."""
        task = self.asked.get(row.notification_id)
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None  # a failed ask fails its own letter, when that letter asks for it
        found = task.result()
        return found if isinstance(found, str) else None

    def cancel(self) -> None:
        """Drops the asks whose letters will not go in this round."""
        for task in self.asked.values():
            task.cancel()

    def _ask_for(self, sending: int) -> None:
        """Keeps the answers for the next two chunks' letters on their way."""
        loop = asyncio.get_running_loop()
        while self.next < len(self.rows) and self.next <= sending + self.chunk:
            for row in self.rows[self.next : self.next + self.chunk]:
                self.asked[row.notification_id] = loop.create_task(self.ask(row))
            self.next += self.chunk
