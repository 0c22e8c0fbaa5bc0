"""K7's speed measured from appeals (D1): the median hours to a first answer and the share answered within the target
time, over the appeals filed in the period that have a verdict; it replaces the reported figure where it exists, and
a territorial org shows its subtree's beside its own (no IO)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from kpi.domain.facts import Channel, FeedbackTimes, OrgFacts
from kpi.domain.feedback import AppealTimes, measured, median
from kpi.domain.periods import parse_period
from kpi.domain.rollup import Scope, own_figures

Q3 = parse_period("2026-Q3")
AT = datetime(2026, 7, 1, 9, tzinfo=UTC)


def appeal(hours: float | None, on_time: bool | None = None, escalated: bool = False, at: datetime = AT) -> AppealTimes:
    answered = None if hours is None else at + timedelta(hours=hours)
    return AppealTimes(at.date(), at, answered, on_time, escalated)


def test_the_median_is_exact_and_of_an_even_count_the_mean_of_the_middle_two() -> None:
    assert median([]) is None
    assert median([Fraction(1), Fraction(5), Fraction(9)]) == 5
    assert median([Fraction(1), Fraction(2), Fraction(4), Fraction(9)]) == Fraction(3)


def test_only_appeals_filed_in_the_period_with_a_verdict_count_and_an_escalated_one_is_late() -> None:
    appeals = [
        appeal(2, on_time=True),
        appeal(30, on_time=False),
        appeal(1, on_time=True, escalated=True),  # answered by another clock after it went up: late where filed
        appeal(None, escalated=True),  # went up, still unanswered: late
        appeal(None),  # still within its time: no verdict yet
        appeal(1, on_time=True, at=datetime(2026, 10, 1, 9, tzinfo=UTC)),  # filed in Q4
    ]
    speed = measured(appeals, Q3)
    assert (speed.appeals, speed.on_time, speed.share_on_time) == (4, 1, Fraction(1, 4))
    assert speed.median_hours == 2, "of 1, 2 and 30 hours"
    assert speed.shown() == {"appeals": 4, "on_time": 1, "share_on_time": 0.25, "median_hours": "2.00"}
    assert measured([appeal(1 / 3, on_time=True)], Q3).shown()["median_hours"] == "0.34", "rounded up"


def test_measured_speed_replaces_the_reported_figure_and_the_subtree_shows_its_own() -> None:
    form = (Channel("form", "feedback_form", "public", date(2020, 1, 1)),)
    reported = OrgFacts("p1", "primary", channels=form, feedback=(FeedbackTimes("2026-Q3", 10, Decimal(5)),))
    measured_p1 = replace(reported, appeals=(appeal(2, on_time=True), appeal(None, escalated=True)))
    p2 = OrgFacts("p2", "primary", channels=form, feedback=(FeedbackTimes("2026-Q3", 10, Decimal(5)),))
    t = OrgFacts("t", "territorial", appeals=(appeal(80, on_time=False),))
    scope = Scope({"t": t, "p1": measured_p1, "p2": p2}, {"t": None, "p1": "t", "p2": "t"})
    own, _ = own_figures(scope, Q3)
    k7 = {org: own[org]["K7"] for org in own}
    # published 20 (a public form) + form 20 + digital share 20 + speed: p2 20 (5 h reported); p1 20 × 1/2 measured
    assert (k7["p2"].value, k7["p2"].components["speed_from"]) == (80, "reports")
    assert (k7["p1"].value, k7["p1"].components["speed_from"]) == (70, "appeals")
    assert k7["p1"].components["appeals"] == {"appeals": 2, "on_time": 1, "share_on_time": 0.5, "median_hours": "2.00"}
    assert k7["t"].components["feedback_speed"] == 0, "its own appeal was late"
    assert k7["t"].components["appeals_subtree"] == {
        "appeals": 3, "on_time": 1, "share_on_time": 0.3333, "median_hours": "41.00",
    }  # fmt: skip
