"""The formulas of K1–K9, roll-ups, periods and closing, on facts built by hand (no IO)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from kpi.domain import periodbook
from kpi.domain.facts import (
    Act,
    Budget,
    Channel,
    FeedbackTimes,
    Headcount,
    Mention,
    OrgFacts,
    Participation,
    Post,
    Stats,
    Training,
)
from kpi.domain.indicators import FORMULAS, Figure
from kpi.domain.periods import parse_period, series
from kpi.domain.rollup import Scope, own_figures, rollup

from contracts.kpi import SetTargets
from kit.errors import Refused, RuleBroken

Q3 = parse_period("2026-Q3")


def test_periods_are_years_and_quarters_and_anything_else_is_refused() -> None:
    assert (Q3.first, Q3.last) == (date(2026, 7, 1), date(2026, 9, 30))
    assert parse_period("2026").last == date(2026, 12, 31)
    assert parse_period("2026-02", months=True).last == date(2026, 2, 28)
    assert len(parse_period("2026").weeks()) == 53  # 2026 starts and ends on a Thursday
    assert len(Q3.weeks()) == 14  # Mon 29 Jun … Mon 28 Sep
    assert [p.name for p in series(parse_period("2025-Q4"), parse_period("2026-Q2"))] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    for bad in ("2026-Q5", "26", "2026-07"):
        with pytest.raises(Refused) as refused:
            parse_period(bad)
        assert refused.value.details[0].field == "period"


def primary() -> OrgFacts:
    return OrgFacts(
        org_id="p",
        level="primary",
        headcounts=(Headcount(date(2026, 1, 1), 400, 1), Headcount(date(2026, 8, 1), 500, 2)),
        posts=(
            Post("ann", "info_worker", date(2020, 1, 1)),
            Post("bob", "info_activist", date(2026, 8, 1)),
            Post("cid", "chair", date(2020, 1, 1)),
            Post("dan", "info_activist", date(2019, 1, 1), until=date(2026, 9, 1)),
        ),
        trainings=(Training("ann", date(2021, 5, 5)), Training("bob", date(2026, 10, 1)), Training("dan", date(2020, 1, 1))),
        budgets={2026: Budget(Decimal("1000000.00"), Decimal("60000.00"))},
        acts=(
            Act("m1", "sent_up", date(2026, 7, 1)),
            Act("m1", "cascaded", date(2026, 7, 2)),
            Act("m2", "acknowledged", date(2026, 7, 15)),
            Act("m3", "sent_up", date(2026, 10, 1)),
        ),
        participation=(Participation("c1", date(2026, 8, 3), 120, 80), Participation("c2", date(2026, 10, 3), 5, 5)),
        channels=(
            Channel("site", "website", "public", date(2020, 1, 1)),
            Channel("vk", "social_page", "members", date(2020, 1, 1)),
            Channel("list", "mailing_list", "members", date(2020, 1, 1)),
            Channel("chat", "chat", "members", date(2020, 1, 1)),
            Channel("board", "notice_board", "members", date(2020, 1, 1)),
            Channel("form", "feedback_form", "public", date(2020, 1, 1), closed_on=date(2026, 9, 1)),
        ),
        stats=(
            Stats("site", "2026-07", visits=1000, engagement=10, subscribers=0),
            Stats("site", "2026-08", visits=2000, engagement=20),
            Stats("vk", "2026-Q3", subscribers=300, visits=500, engagement=50),
            Stats("vk", "2026-07", visits=99999),  # the quarter's report covers it: not counted twice
            Stats("list", "2026-Q2", subscribers=150),
            Stats("chat", "2026-08", subscribers=100),
            Stats("chat", "2026-10", subscribers=999),  # after the period
        ),
        mentions=(
            Mention(date(2026, 7, 10), "positive", False),
            Mention(date(2026, 7, 11), "neutral", True),
            Mention(date(2026, 7, 12), "positive", True),
            Mention(date(2026, 7, 13), "negative", False),
            Mention(date(2026, 10, 1), "positive", False),
        ),
        feedback=(FeedbackTimes("2026-07", 10, Decimal(20)), FeedbackTimes("2026-08", 30, Decimal(40))),
        addresses={
            frozenset({"work_email"}): 120,
            frozenset({"mobile"}): 90,
            frozenset({"work_email", "mobile"}): 60,
            frozenset(): 200,
        },
    )


def figures_of(facts: OrgFacts) -> dict[str, object]:
    scope = Scope({facts.org_id: facts}, {facts.org_id: None})
    own, _ = own_figures(scope, Q3)
    return {k: own[facts.org_id][k].value for k in FORMULAS} | {"_": own[facts.org_id]}


def test_every_indicator_of_one_primary_org_by_hand() -> None:
    got = figures_of(primary())
    assert got["K1"] == 1  # ann and bob hold information posts on 30 Sep; dan left on 1 Sep
    assert got["K2"] == Fraction("0.06")  # 60 000 / 1 000 000, exactly
    assert got["K3"] == Fraction(2, 14)  # weeks of 29 Jun (1 and 2 Jul) and 13 Jul (15 Jul); 14 weeks overlap Q3
    assert got["_"]["K3"].components["materials_per_week"] == 0.0714  # m1 only (1/14); m2 was acknowledged
    assert got["K4"] == 3500  # site 1000 + 2000 (months), vk 500 (its quarter report)
    assert got["K5"] == 2  # positive ones; the citing neutral one counts among citations only
    assert got["_"]["K5"].parts["citations"].value == 2  # the neutral and the positive one quoting a leader
    # K6: the list reaches 180 e-mails, the chat 150 mobiles, 60 members have both: 270 of 500, each once
    assert (got["K6"], got["_"]["K6"].components["reached"]) == (Fraction(270, 500), 270)
    assert got["_"]["K6"].components["subscribers_at_least"] == 150  # the list's report of Q2; the chat's of August 100
    # K7: published (website) 20 + form closed 0 + hotline 0 + speed avg (200+1200)/40 = 35 h -> 10
    # + digital share 4 of 5 running (site, vk, list, chat; not the board) -> 16
    assert got["K7"] == 46
    assert got["K8"] == 200  # c1 reported in August; c2 in October
    assert got["K9"] == 1  # ann; bob trained only in October


def test_an_org_without_facts_answers_none_where_a_value_needs_them() -> None:
    got = figures_of(OrgFacts("p", "primary"))
    assert {k: got[k] for k in FORMULAS} == {
        "K1": 0, "K2": None, "K3": 0, "K4": None, "K5": 0, "K6": None, "K7": 0, "K8": 0, "K9": 0,
    }  # fmt: skip


def test_rollups_sum_counts_and_weight_ratios_by_members() -> None:
    t = OrgFacts("t", "territorial", budgets={2026: Budget(Decimal(100), Decimal(10))})
    a = OrgFacts("a", "primary", headcounts=(Headcount(date(2020, 1, 1), 100),), budgets={2026: Budget(Decimal(100), Decimal(2))})
    b = OrgFacts("b", "primary", headcounts=(Headcount(date(2020, 1, 1), 300),), budgets={2026: Budget(Decimal(100), Decimal(6))})
    scope = Scope({"t": t, "a": a, "b": b}, {"t": None, "a": "t", "b": "t"})
    own, members = own_figures(scope, Q3)
    assert members == {"t": 400, "a": 100, "b": 300}
    # K2: t 0.10 × 400, a 0.02 × 100, b 0.06 × 300 -> (40 + 2 + 18) / 800
    assert rollup("K2", scope.under("t"), own, members).value == Fraction("0.075")
    assert rollup("K1", scope.under("t"), own, members).value == 0
    assert rollup("K2", scope.under("a"), own, members).value == Fraction("0.02")


def test_targets_are_met_by_reaching_them_and_a_closed_period_refuses_changes() -> None:
    assert periodbook.met(Figure(Fraction("0.06")), Decimal("0.05")) is True
    assert periodbook.met(Figure(Fraction("0.04")), Decimal("0.05")) is False
    assert periodbook.met(Figure(None), Decimal(1)) is None
    assert periodbook.target_of({}, "K2") == Decimal("0.05"), "M1's norm stands until a target is set"
    book = periodbook.PeriodBook()
    with pytest.raises(RuleBroken, match="runs until"):
        periodbook.decide_close(book, "p", Q3, date(2026, 9, 30), {})
    closed = periodbook.decide_close(book, "p", Q3, date(2026, 10, 1), {"K1": {"value": 1}})[0]
    book = periodbook.evolve(book, closed)
    with pytest.raises(Refused, match="was closed"):
        periodbook.decide_close(book, "p", Q3, date(2026, 10, 2), {})
    with pytest.raises(RuleBroken, match="frozen"):
        periodbook.decide_targets(book, SetTargets(org_id="p", period="2026-Q3", targets={"K1": Decimal(1)}))


def test_a_restatement_shows_beside_a_frozen_figure_only_when_the_facts_differ() -> None:
    frozen = {"value": 1, "value_exact": "1", "rollup": 1, "rollup_exact": "1", "target": 2.0, "met": False}
    assert periodbook.with_restatement("K9", frozen, {"value_exact": "1", "rollup_exact": "1"})["restatement"] is None
    now = {"value": 2, "value_exact": "2", "rollup": 2, "rollup_exact": "2", "components": {}}
    restated = periodbook.with_restatement("K9", frozen, now | {"met": True})
    assert restated["value"] == 1 and restated["met"] is False and restated["restatement"]["value"] == 2
    assert restated["restatement"]["met"] is True, "the verdict the facts known now give, beside the frozen one"
    share = {"value": 0.0499, "value_exact": "0.04996", "rollup": 0.0499, "rollup_exact": "0.04996"}
    moved = {**share, "value_exact": "0.049961", "rollup_exact": "0.049961"}
    assert periodbook.with_restatement("K2", share, moved)["restatement"] is not None, "the exact figures differ"


@pytest.mark.parametrize(
    ("indicator", "frozen", "exact_now", "restated"),
    [
        ("K3", 0.0189, "1/53", False),  # frozen rounded half to even; 1/53 = 0.018867… now shows 0.0188
        ("K3", 0.0189, "1/52", True),  # 0.01923…: a real change
        ("K7", 66.7, "200/3", False),  # 66.666…: the index was shown to 0.1
        ("K7", 66.7, "66.5", True),
        ("K9", 1, "1", False),
        ("K9", 1, "2", True),  # counts differ by any amount
        ("K2", None, "0.05", True),  # a budget reported later
        ("K2", 0.0447, "0.044714102567240666991120765030…", False),  # a roll-up too long to read, given to 30 places
    ],
)
def test_a_figure_frozen_before_exact_figures_were_kept_differs_only_beyond_its_rounding(
    indicator: str, frozen: float | None, exact_now: str, restated: bool
) -> None:
    then = {"value": frozen, "rollup": frozen}
    now = {"value_exact": exact_now, "rollup_exact": exact_now}
    assert (periodbook.with_restatement(indicator, then, now)["restatement"] is not None) is restated
