"""Waiting for an eventually consistent system, and running a component in the background meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Polls `check` until it returns something truthy (and returns it), or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await check()
            if last:
                return last  # type: ignore[no-any-return]
        except AssertionError as e:
            last = e
        await asyncio.sleep(interval)
    raise AssertionError(f"not so within {timeout}s; last seen: {last!r}")


@contextlib.asynccontextmanager
async def running(component: Any) -> AsyncIterator[Any]:
    """Runs a relay or projector in the background for the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(component.run(stop))
    try:
        yield component
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
