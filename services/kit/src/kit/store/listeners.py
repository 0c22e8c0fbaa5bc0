"""The event store's commit listeners (the relay), told of a run of commits together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class CommitListeners(list[Callable[[], None]]):
    """Callbacks told of commits: at once after a quiet spell, else of every commit within a window, together at its
    end, the window doubling from the least to the most while commits keep coming, so that appends made one after
    another (a receipt per letter) are published in batches, not each on its own."""

    def __init__(self, window: tuple[float, float]) -> None:
        super().__init__()
        (self.least, self.most), self._window = window, window[0]
        self._woken_at = float("-inf")
        self._later: asyncio.TimerHandle | None = None

    def committed(self) -> None:
        """Tells the listeners of a commit: at once if the window since their last wake has passed (the next window is
        the least again), else at its end, with every commit until then (the next one twice as long)."""
        if self._later is not None:
            return  # a wake is on its way, and tells of this commit as well
        loop = asyncio.get_running_loop()
        wait = self._woken_at + self._window - loop.time()
        self._window = self.least if wait <= 0 else min(2 * self._window, self.most)
        if wait <= 0:
            self._wake()
        else:
            self._later = loop.call_later(wait, self._wake)

    def _wake(self) -> None:
        self._later, self._woken_at = None, asyncio.get_running_loop().time()
        for notify in self:
            notify()
