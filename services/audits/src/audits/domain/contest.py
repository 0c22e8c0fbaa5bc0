"""Contests (T2, C4): a level's orgs ranked for a period — information work, and notice boards on their own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from contracts.audits import Status

from .verdicts import Verdict


@dataclass(frozen=True)
class Entry:
    """One org's figures in a contest; `None` sorts last."""

    org_id: str
    audit_score: int | None = None
    compliance: Fraction | None = None
    weeks_refreshed: int = 0
    weeks: int = 0


def compliance_share(verdicts: Iterable[Verdict]) -> Fraction | None:
    """Met ÷ decided (met or breached) rules; None when no rule was decided."""
    decided = [v for v in verdicts if v.status in (Status.MET, Status.BREACHED)]
    return Fraction(sum(v.status is Status.MET for v in decided), len(decided)) if decided else None


def weeks_refreshed(refreshes: Iterable[date], first: date, last: date) -> tuple[int, int]:
    """How many of the period's weeks (7-day spans from its first day) saw a notice-board refresh, of how many."""
    weeks = (last - first).days // 7 + 1
    hit = {(day - first).days // 7 for day in refreshes if first <= day <= last}
    return len(hit), weeks


def rank_information_work(entries: Sequence[Entry]) -> list[Entry]:
    """By audit score, then compliance; orgs without a score follow those with one."""
    return sorted(entries, key=lambda e: (e.audit_score is None, -(e.audit_score or 0), -(e.compliance or 0), e.org_id))


def rank_notice_boards(entries: Sequence[Entry]) -> list[Entry]:
    """By the share of the period's weeks with a refreshed notice board (P1)."""
    return sorted(entries, key=lambda e: (-Fraction(e.weeks_refreshed, e.weeks or 1), e.org_id))


def last_day(period_last: date, today: date) -> date:
    """A period still running is judged up to today."""
    return min(period_last, today)
