"""Opaque ids chosen by the server: time-ordered UUIDs (version 7), so indexes stay local."""

from __future__ import annotations

import secrets
import time
import uuid


def new_id() -> str:
    """A new UUIDv7 as a string."""
    ms = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))
