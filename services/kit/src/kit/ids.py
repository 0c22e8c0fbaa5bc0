"""Opaque ids chosen by the server: time-ordered UUIDs (version 7), so indexes stay local."""

from __future__ import annotations

import os
import time

_CHUNK = 10 * 256  # random bytes for 256 ids, read from the OS at once: one system call, not one per id
_random = bytearray()


def new_id() -> str:
    """A new UUIDv7 as a string."""
    global _random
    if not _random:
        _random = bytearray(os.urandom(_CHUNK))
    rand = int.from_bytes(_random[-10:]) >> 6  # 74 random bits
    del _random[-10:]
    ms = time.time_ns() // 1_000_000
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _forget_after_fork() -> None:
    """A forked child must not hand out the ids its parent's bytes would make."""
    _random.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
