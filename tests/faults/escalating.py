"""The appeals service as a process of its own for the kill test, its escalator on a clock the test moves: the hours
ahead of the wall clock are read, at every tick, from the file that `APPEALS_TEST_CLOCK` names (the escalation tests'
controllable clock, across a process boundary). Everything else is the service as `python -m appeals` runs it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import appeals.main
from appeals.config import AppealsSettings
from appeals.escalator import Escalator

from kit import clock

CLOCK = Path(os.environ["APPEALS_TEST_CLOCK"])


def moved() -> datetime:
    """The wall clock, as many hours ahead as the test's file says."""
    return clock.now() + timedelta(hours=float(CLOCK.read_text().strip() or 0))


class MovedEscalator(Escalator):
    """The service's own escalator, ticking on the test's clock."""

    async def run(self, stop: asyncio.Event, now: Callable[[], datetime] = moved) -> None:
        await super().run(stop, moved)


appeals.main.Escalator = MovedEscalator  # type: ignore[misc]
appeals.main.create_service(AppealsSettings()).serve()
