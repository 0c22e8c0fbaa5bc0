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
