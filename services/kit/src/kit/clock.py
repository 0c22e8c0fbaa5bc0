"""The edge's clock: what "today" and "now" are in the union's time zone. The domain never reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def today(tz: ZoneInfo) -> date:
    """Today's date in the union's time zone."""
    return datetime.now(tz).date()


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant after `day` in the union's time zone: a `known_on` bound on recording time."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
"""A recording bound later than any fact: "as known now"."""


def known_by(known_on: date | None, tz: ZoneInfo) -> datetime:
    """The instant before which a fact must have been recorded to count: the end of `known_on`, or ever."""
    return end_of_day(known_on, tz) if known_on else FAR_FUTURE
