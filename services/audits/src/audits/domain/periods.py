"""Calendar quarters and years as audits name them (`2026-Q3`, `2026`), over `contracts.periods`."""

from __future__ import annotations

from datetime import date

from contracts.periods import Period


def quarter_of(day: date) -> str:
    return Period.quarter_of(day).name


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a year (`2026`) or a quarter (`2026-Q3`)."""
    span = Period.of(period)
    return span.first, span.last


def previous_quarter(quarter: str) -> str:
    return Period.of(quarter).previous().name
