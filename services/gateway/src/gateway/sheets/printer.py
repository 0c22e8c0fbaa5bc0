"""Sheets rendered a few at a time: each Typst compile holds tens of megabytes while it runs, and the memory a thread's
allocator took is seldom given back, so a burst of sheets in the default pool (40 threads) grew the gateway from about
400 MB to 1.8 GB for good. A pool of its own bounds both; a full queue answers 503 with Retry-After at once."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from contracts.envelope import Error, ErrorCode, ErrorDetail

from ..errors import ApiError
from .render import Paper, Sheet, render

RETRY_AFTER = 2
"""Seconds a refused sheet is asked to wait: about what the sheets ahead of it take."""


def busy() -> ApiError:
    """Too many sheets waiting: 503, try again in a moment."""
    message = "too many sheets are being printed at once; try again in a moment"
    error = Error(code=ErrorCode.UNAVAILABLE, message=message, details=[ErrorDetail(rule="busy", message=message)])
    return ApiError(error, retry_after=RETRY_AFTER)


class Printer:
    """Renders sheets in `at_once` threads of its own, with at most `queued` sheets waiting or rendering."""

    def __init__(self, at_once: int, queued: int) -> None:
        self._pool = ThreadPoolExecutor(at_once, thread_name_prefix="sheet-render")
        self._queued, self._most_queued = 0, max(queued, at_once)

    async def render(self, sheet: Sheet, paper: Paper) -> bytes:
        """The sheet's PDF, rendered off the event loop in the bounded pool; refused (503) when the queue is full."""
        if self._queued >= self._most_queued:
            raise busy()
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, render, sheet, paper)
        finally:
            self._queued -= 1


@functools.cache
def printer(at_once: int, queued: int) -> Printer:
    """The process's printer of these bounds (a gateway's settings name them; every app of a process shares it)."""
    return Printer(at_once, queued)
