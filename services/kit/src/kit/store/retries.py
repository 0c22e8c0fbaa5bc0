"""A command that lost an optimistic-concurrency race is decided again on the fresh state: its retries take turns
per stream within the process, with jittered pauses between them for writers elsewhere, a bounded number of times.

There is one retry layer, the request/reply dispatcher's: `kit.rpc` runs every command handler under `retrying`, so a
handler is written load -> decide -> append once, top to bottom, and a lost race runs the whole handler again on what
it then reads. A caller that runs a handler outside request/reply (an operator's command) wraps it the same way. A
version the caller chose (an `If-Match`) is never retried: the handler compares it with the version it loaded and
refuses with `conflict`, an answer rather than a lost race; one lost after that check is run again, and refused then.
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..errors import conflict
from .records import VersionConflict

T = TypeVar("T")

TRIES = 24
"""Attempts a command gets: enough for every request of a burst on one stream (a registry's workers) to land."""

FIRST_PAUSE, LONGEST_PAUSE = 0.002, 0.05
"""Bounds of the jittered pause before a retry (seconds): it doubles per retry up to the longest."""

_turns: weakref.WeakValueDictionary[tuple[asyncio.AbstractEventLoop, str], asyncio.Lock] = weakref.WeakValueDictionary()
"""Per event loop and stream, the lock its retries take turns on; a lock nobody holds or waits for goes away (a lock
serves one loop only, and one kept alive by a reference cycle must not reach the next loop, as in a test run)."""


def pause_before(retry: int) -> float:
    """A random pause before the `retry`-th retry (1, 2, ...): full jitter under a doubling ceiling."""
    return random.uniform(0, min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** (retry - 1)))  # noqa: S311 - jitter, not a secret


def _turn(stream_id: str) -> asyncio.Lock:
    key = (asyncio.get_running_loop(), stream_id)
    lock = _turns.get(key)
    if lock is None:
        lock = _turns[key] = asyncio.Lock()
    return lock


async def retrying(attempt: Callable[[], Awaitable[T]], tries: int = TRIES) -> T:
    """Runs load -> decide -> append again when another writer moved the stream first; a `conflict` once `tries`
    attempts have all lost. A refusal (`Refused`, such as a handler's own `conflict`) is passed on at once.

    Losers of one race would otherwise all retry at once and all but one lose again: here a retry waits for its turn
    on the stream, so the losers of this process append one after another, each on the state the last one left."""
    try:
        return await attempt()
    except VersionConflict as e:
        lost = e
    for retry in range(1, tries):
        await asyncio.sleep(pause_before(retry))
        try:
            async with _turn(lost.stream_id):
                return await attempt()
        except VersionConflict as e:
            lost = e
    raise conflict(str(lost)) from None
