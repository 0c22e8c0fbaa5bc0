"""Reporting periods as the union names them: a calendar year (`2026`), a quarter (`2026-Q3`) and, for figures
reported by the month, a month (`2026-07`). Shared vocabulary of the services that count by period."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .base import FIRST_DAY, LAST_DAY

_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
YEAR_OR_QUARTER = "a year (2026) or a quarter (2026-Q3)"
ANY_PERIOD = "a year (2026), a quarter (2026-Q3) or a month (2026-07)"


@dataclass(frozen=True, order=True)
class Period:
    """A span of days named as the union names it."""

    first: date
    last: date
    name: str

    @classmethod
    def of(cls, text: str, *, months: bool = False) -> Period:
        """`2026`, `2026-Q3` (and with `months`, `2026-07`) as a span of days; ValueError for anything else."""
        found = _PATTERN.match(text or "")
        if found is None or (found.group(3) and not months):
            raise ValueError(f"a period is {ANY_PERIOD if months else YEAR_OR_QUARTER}")
        year = int(found.group(1))
        if not FIRST_DAY.year <= year <= LAST_DAY.year:  # 9999 overflowed its last week's Monday (found by attack)
            raise ValueError(f"a period from {FIRST_DAY.year} to {LAST_DAY.year}")
        if found.group(2):
            quarter = int(found.group(2))
            return cls(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), text)
        if found.group(3):
            month = int(found.group(3))
            return cls(date(year, month, 1), _month_end(year, month), text)
        return cls(date(year, 1, 1), date(year, 12, 31), text)

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        """The quarter the day falls in."""
        return cls.of(_name(day, quarter=True))

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
        return list(_mondays(self.first, self.last))

    def next(self) -> Period:
        """The period of the same kind that follows."""
        return Period.of(_name(self.last + timedelta(days=1), self.is_quarter))

    def previous(self) -> Period:
        """The period of the same kind before this one."""
        return Period.of(_name(self.first - timedelta(days=1), self.is_quarter))


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _name(day: date, quarter: bool) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if quarter else str(day.year)


@functools.cache
def _mondays(first: date, last: date) -> tuple[date, ...]:
    """Kept per period: a union's K3 asks it of every org."""
    monday, found = week_of(first), []
    while monday <= last:
        found.append(monday)
        monday += timedelta(days=7)
    return tuple(found)
