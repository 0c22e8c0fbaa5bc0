"""Reporting periods: a calendar year (`2026`) or a quarter (`2026-Q3`); figures reported for a month
(`2026-07`) also fall inside them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from kit.errors import invalid

_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A span of days named as the union names it."""

    first: date
    last: date
    name: str

    @property
    def is_quarter(self) -> bool:
        return "-Q" in self.name

    def contains(self, day: date) -> bool:
        """Whether the day falls inside the period."""
        return self.first <= day <= self.last

    def within(self, other: Period) -> bool:
        """Whether this whole period lies inside `other`."""
        return other.first <= self.first and self.last <= other.last

    def weeks(self) -> list[date]:
        """The Mondays of the calendar weeks (Monday–Sunday) that overlap the period."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday <= self.last:
            found.append(monday)
            monday += timedelta(days=7)
        return found

    def next(self) -> Period:
        """The period of the same kind that follows."""
        return parse_period(_name(self.last + timedelta(days=1), self.is_quarter))


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def parse_period(text: str, field: str = "period", *, months: bool = False) -> Period:
    """`2026`, `2026-Q3` (and with `months`, `2026-07`) as a span of days; anything else is refused."""
    found = _PATTERN.match(text or "")
    if found is None or (found.group(3) and not months):
        kinds = "a year (2026), a quarter (2026-Q3) or a month (2026-07)" if months else "a year (2026) or a quarter (2026-Q3)"
        raise invalid(field, f"a period is {kinds}", rule="period")
    year = int(found.group(1))
    if found.group(2):
        quarter = int(found.group(2))
        first = date(year, 3 * quarter - 2, 1)
        last = _month_end(year, 3 * quarter)
    elif found.group(3):
        month = int(found.group(3))
        first, last = date(year, month, 1), _month_end(year, month)
    else:
        first, last = date(year, 1, 1), date(year, 12, 31)
    return Period(first, last, text)


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


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _name(day: date, quarter: bool) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if quarter else str(day.year)
