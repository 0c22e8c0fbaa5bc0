"""Calendar quarters and years as the union counts them: `2026-Q3`, `2026`."""

from __future__ import annotations

from datetime import date, timedelta


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a year (`2026`) or a quarter (`2026-Q3`)."""
    year, _, q = period.partition("-Q")
    if not q:
        return date(int(year), 1, 1), date(int(year), 12, 31)
    first = date(int(year), 3 * int(q) - 2, 1)
    after = date(int(year) + 1, 1, 1) if q == "4" else date(int(year), 3 * int(q) + 1, 1)
    return first, after - timedelta(days=1)


def previous_quarter(quarter: str) -> str:
    return quarter_of(bounds(quarter)[0] - timedelta(days=1))
