"""A rule's verdict with its detail in English and Russian, and the counting conventions of RULES.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from contracts.audits import Status

YEAR_DAYS = 365
"""RULES.md: a yearly duty is met when the last one is within the 365 days before the date asked about."""
WEEK_DAYS = 7
"""RULES.md: "once a week" means the last refresh is at most 7 days before the date asked about."""


@dataclass(frozen=True)
class Verdict:
    """What one rule says of one org on one date."""

    rule: str
    status: Status
    detail: str
    detail_ru: str
    norm: bool = False


@dataclass(frozen=True)
class Said:
    """A verdict before the catalogue puts its rule id on it."""

    status: Status
    en: str
    ru: str


def met(en: str, ru: str) -> Said:
    return Said(Status.MET, en, ru)


def breached(en: str, ru: str) -> Said:
    return Said(Status.BREACHED, en, ru)


def not_applicable(en: str, ru: str) -> Said:
    return Said(Status.NOT_APPLICABLE, en, ru)


def unknown(en: str, ru: str) -> Said:
    return Said(Status.UNKNOWN, en, ru)


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """`n` with the Russian noun form its number takes (1 член, 2 члена, 5 членов, 21 член)."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} {few}"
    return f"{n} {many}"


def days_ru(n: int) -> str:
    return plural_ru(n, "день", "дня", "дней")


def members_ru(n: int) -> str:
    return plural_ru(n, "член профсоюза", "члена профсоюза", "членов профсоюза")


def orgs_ru(n: int) -> str:
    return plural_ru(n, "организация", "организации", "организаций")


def day_ru(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def percent(share: Decimal) -> str:
    """A share as a percentage, cut (never rounded up) to hundredths: 0.04999 shows as 4.99."""
    return str((share * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def yearly(day: date, registered_on: date, last: date | None, what_en: str, what_ru: str) -> Said:
    """A duty done at least once a year; an org registered under 365 days before is not yet due."""
    age = (day - registered_on).days
    if age < YEAR_DAYS:
        return not_applicable(
            f"registered {age} days before {day} (< {YEAR_DAYS}): {what_en} not yet due",
            f"зарегистрирована за {days_ru(age)} до {day_ru(day)} (< {YEAR_DAYS}): {what_ru} ещё не требуется",
        )
    if last is None:
        return breached(f"{what_en}: none recorded by {day}", f"{what_ru}: не было ни разу по {day_ru(day)}")
    since = (day - last).days
    if since <= YEAR_DAYS:
        return met(f"{what_en} {since} days before {day} (≤ {YEAR_DAYS})", f"{what_ru} за {days_ru(since)} до {day_ru(day)}")
    return breached(
        f"{what_en} last {since} days before {day} (> {YEAR_DAYS})",
        f"{what_ru}: последний раз за {days_ru(since)} до {day_ru(day)} (> {YEAR_DAYS})",
    )
