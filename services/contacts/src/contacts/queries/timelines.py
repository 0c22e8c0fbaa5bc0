"""Reading timelines as known on a recording date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kit.clock import end_of_day
from kit.rpc import Context

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def known_by(known_on: date | None, ctx: Context) -> datetime:
    """The instant before which a fact must have been recorded to count: the end of `known_on`, or ever."""
    return end_of_day(known_on, ctx.tz) if known_on else FAR_FUTURE
