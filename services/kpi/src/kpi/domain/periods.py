"""Reporting periods as kpi takes them from a caller: parsed into `contracts.periods.Period`, refused by field."""

from __future__ import annotations

from contracts.periods import Period, week_of
from kit.errors import invalid

__all__ = ["Period", "parse_period", "series", "week_of"]


def parse_period(text: str, field: str = "period", *, months: bool = False) -> Period:
    """`2026`, `2026-Q3` (and with `months`, `2026-07`) as a span of days; anything else is refused."""
    try:
        return Period.of(text, months=months)
    except ValueError as e:
        raise invalid(field, str(e), rule="period") from None


def series(start: Period, end: Period) -> list[Period]:
    """Consecutive periods of one kind from `start` to `end`, both included (at most 40)."""
    if start.is_quarter != end.is_quarter:
        raise invalid("end", "a series runs over years or over quarters, not both", rule="period")
    if end.first < start.first:
        raise invalid("end", "the series ends before it starts", rule="period")
    found = [start]
    while found[-1].first < end.first:
        if len(found) >= 40:
            raise invalid("end", "a series has at most 40 periods", rule="period")
        found.append(found[-1].next())
    return found
