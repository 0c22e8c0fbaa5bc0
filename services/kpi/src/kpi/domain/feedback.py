"""K7's speed of feedback as measured from members' appeals (D1): each org's appeals filed in the period, their time to
a first answer and whether it came within the target time the situation sets — from the record, never typed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from .periods import Period
from .shown import shown, up


@dataclass(frozen=True)
class AppealTimes:
    """An appeal filed to the org: when, its first answer (at whichever level) and whether it was late where filed."""

    filed_on: date
    filed_at: datetime
    answered_at: datetime | None = None
    on_time: bool | None = None
    escalated: bool = False


@dataclass(frozen=True)
class Speed:
    """The appeals filed in a period that have a verdict — answered, or escalated for want of an answer in time — with
    how many were answered on time and the median hours to a first answer (exact)."""

    appeals: int
    on_time: int
    median_hours: Fraction | None

    @property
    def share_on_time(self) -> Fraction | None:
        return Fraction(self.on_time, self.appeals) if self.appeals else None

    def shown(self) -> dict[str, Any]:
        """As the KPI answer shows it: the share cut to 4 places, the hours rounded up (they must stay under a bound)."""
        hours = None if self.median_hours is None else str(up(self.median_hours, 2))
        share = shown(self.share_on_time)
        return {"appeals": self.appeals, "on_time": self.on_time, "share_on_time": share, "median_hours": hours}


def measured(appeals: Iterable[AppealTimes], p: Period) -> Speed:
    """The period's speed: appeals filed in it, answered or escalated; one still waiting within its time has no verdict
    yet and is left out."""
    inside = [a for a in appeals if p.contains(a.filed_on) and (a.answered_at is not None or a.escalated)]
    hours = sorted(_hours(a.answered_at - a.filed_at) for a in inside if a.answered_at)
    # escalated is late where filed, whatever clock the answer was given by
    return Speed(len(inside), sum(1 for a in inside if a.on_time and not a.escalated), median(hours))


def _hours(span: timedelta) -> Fraction:
    return Fraction(span // timedelta(microseconds=1), 3_600_000_000)


def median(values: list[Fraction]) -> Fraction | None:
    """The middle value of sorted values (of an even count, the mean of the two middle ones); None of none."""
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
