"""The three readings of RULES.md the kpi figures follow, case by case at and around each boundary (no IO):
every share compared exactly and rounded only where shown; K5 as two figures; K6 counting each member once,
with the non-union audience a figure of its own."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from kpi.domain import periodbook
from kpi.domain.facts import Budget, Channel, Headcount, Mention, OrgFacts, Stats
from kpi.domain.periods import parse_period
from kpi.domain.rollup import Scope, own_figures, rollup
from kpi.domain.shown import exact_text, shown

from contracts.kpi import SetTargets

Y = parse_period("2026")


def report(facts: dict[str, OrgFacts], parents: dict[str, str | None], targets: dict[str, Any] | None = None) -> dict:
    """Every org's K1–K9 lines as the kpi query answers them, the root's targets given."""
    scope = Scope(facts, parents)
    own, members = own_figures(scope, Y)
    set_ = {k: Decimal(str(v)) for k, v in (targets or {}).items()}
    return {
        org: {k: periodbook.line(k, own[org][k], set_, rollup(k, scope.under(org), own, members)) for k in own[org]}
        for org in facts
    }


def primary(org_id: str = "p", members: int | None = 1000, **facts: Any) -> OrgFacts:
    headcounts = () if members is None else (Headcount(date(2026, 1, 1), members),)
    return OrgFacts(org_id, "primary", headcounts=headcounts, **facts)


# --- every share compared exactly, rounded only where shown ---------------------------------------------------


@pytest.mark.parametrize(
    ("information", "total", "target", "shown_value", "exact", "met"),
    [
        # "4.996 % is below 5 %" (RULES.md, counting conventions): shown cut, never rounded up to the target
        ("4996.00", "100000.00", None, 0.0499, "0.04996", False),
        ("4996.00", "100000.00", 0.05, 0.0499, "0.04996", False),
        ("4999.99", "100000.00", None, 0.0499, "0.0499999", False),
        ("5000.00", "100000.00", None, 0.05, "0.05", True),  # exactly 5 %: met (≥)
        ("5000.10", "100000.00", None, 0.05, "0.050001", True),  # 5.0001 %
        ("5000.00", "100000.00", 0.050001, 0.05, "0.05", False),  # a target above the share by a millionth
        ("1.00", "3.00", 0.333333, 0.3333, "1/3", True),  # a third is above 0.333333, and kept a third
        ("0.00", "100000.00", None, 0.0, "0", False),
        ("0.00", "0.00", None, None, None, None),  # a zero budget has no share (M1 is not applicable)
    ],
)
def test_k2_is_compared_with_its_target_exactly_and_shown_cut(
    information: str, total: str, target: float | None, shown_value: float | None, exact: str | None, met: bool | None
) -> None:
    org = primary(budgets={2026: Budget(Decimal(total), Decimal(information))})
    k2 = report({"p": org}, {"p": None}, {} if target is None else {"K2": target})["p"]["K2"]
    assert (k2["value"], k2["value_exact"], k2["met"]) == (shown_value, exact, met)
    assert k2["target"] == (0.05 if target is None else target), "M1's norm stands until a target is set"


@pytest.mark.parametrize(
    ("orgs", "target", "shown_rollup", "exact", "rollup_met"),
    [
        # (members, information of a 100 000 budget) per primary org under a territorial org without a budget
        ([(300, "5000"), (100, "4990")], 0.05, 0.0499, "0.049975", False),  # weighted just under 5 %
        ([(100, "6000"), (100, "4000")], 0.05, 0.05, "0.05", True),  # exactly on it
        ([(100, "5000"), (100, "5000.02")], 0.05, 0.05, "0.0500001", True),
        ([(300, "4999"), (1, "5300")], 0.05, 0.05, "0.05", True),  # (14.997 + 0.053) / 301: on it, through uneven weights
        ([(300, "4999"), (1, "5299")], 0.05, 0.0499, "1504999/30100000", False),  # a rouble less: just under
    ],
)
def test_a_rollup_is_weighted_exactly_and_compared_exactly(
    orgs: list[tuple[int, str]], target: float, shown_rollup: float, exact: str, rollup_met: bool
) -> None:
    facts = {"t": OrgFacts("t", "territorial")} | {
        f"p{i}": primary(f"p{i}", members, budgets={2026: Budget(Decimal(100000), Decimal(information))})
        for i, (members, information) in enumerate(orgs)
    }
    k2 = report(facts, {"t": None} | {o: "t" for o in facts if o != "t"}, {"K2": target})["t"]["K2"]
    assert (k2["rollup"], k2["rollup_exact"], k2["rollup_met"]) == (shown_rollup, exact, rollup_met)
    assert k2["value"] is None and k2["met"] is None, "the territorial org has no budget of its own"


def test_a_rollup_of_thirds_reaches_a_target_a_decimal_of_28_digits_would_miss() -> None:
    # a third (1 of 3) with 3 members and 0 with 7: (1/3 × 3 + 0 × 7) / 10 is exactly 0.1
    third = primary("a", 3, budgets={2026: Budget(Decimal(3), Decimal(1))})
    nothing = primary("b", 7, budgets={2026: Budget(Decimal(3), Decimal(0))})
    k2 = report({"t": OrgFacts("t", "territorial"), "a": third, "b": nothing}, {"t": None, "a": "t", "b": "t"}, {"K2": 0.1})
    assert (k2["t"]["K2"]["rollup_exact"], k2["t"]["K2"]["rollup_met"]) == ("0.1", True)
    assert k2["a"]["K2"]["value_exact"] == "1/3" and k2["a"]["K2"]["value"] == 0.3333


def test_a_rollup_over_many_budgets_is_compared_exactly_and_its_long_fraction_shown_cut_to_30_places() -> None:
    facts = {"t": OrgFacts("t", "territorial")} | {
        f"p{i}": primary(f"p{i}", 100 + i, budgets={2026: Budget(Decimal(100003 + 2 * i), Decimal(5000 + i))}) for i in range(40)
    }
    k2 = report(facts, {"t": None} | {o: "t" for o in facts if o != "t"}, {"K2": 0.05})["t"]["K2"]
    exact = sum(Fraction(5000 + i, 100003 + 2 * i) * (100 + i) for i in range(40)) / sum(100 + i for i in range(40))
    assert k2["rollup_exact"] == f"{math.floor(exact * 10**30) / Decimal(10**30):.30f}…"
    assert k2["rollup_met"] is (exact >= Fraction("0.05")) and k2["rollup"] == math.floor(exact * 10**4) / 10**4
    assert Fraction(str(exact_text(Fraction(1, 2**90)))) == Fraction(1, 2**90), "90 places that end are all kept"


@pytest.mark.parametrize(
    ("x", "places", "text", "display"),
    [
        (Fraction(4996, 100000), 4, "0.04996", 0.0499),
        (Fraction(1, 53), 4, "1/53", 0.0188),  # 0.018867…: cut, not rounded up to 0.0189
        (Fraction(200, 3), 1, "200/3", 66.6),  # K7's index to 0.1 point
        (Fraction(3, 40), 4, "0.075", 0.075),
        (Fraction(1), 4, "1", 1.0),
        (7, 4, "7", 7),  # a count is shown as it is
    ],
)
def test_a_figure_is_shown_cut_and_its_exact_text_reads_back(x: Fraction | int, places: int, text: str, display: float) -> None:
    assert (exact_text(x), shown(x, places)) == (text, display)
    assert Fraction(text) == x


# --- K5: two figures ---------------------------------------------------------------------------------------------

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"


@pytest.mark.parametrize(
    ("mentions", "positive", "citations"),
    [
        ([], 0, 0),
        ([(POSITIVE, False)], 1, 0),
        ([(NEUTRAL, True)], 0, 1),  # a neutral piece quoting a leader is a citation, not a positive publication
        ([(POSITIVE, True)], 1, 1),  # counted once in each figure it qualifies for
        ([(NEGATIVE, True)], 0, 1),
        ([(NEGATIVE, False)], 0, 0),
        ([(POSITIVE, True), (POSITIVE, False), (NEUTRAL, True), (NEGATIVE, False)], 2, 2),
    ],
)
def test_k5_gives_positive_publications_and_citations_of_leaders_as_two_figures(
    mentions: list[tuple[str, bool]], positive: int, citations: int
) -> None:
    dated = tuple(Mention(date(2026, 5, 1 + i), tone, cites) for i, (tone, cites) in enumerate(mentions))
    late = (Mention(date(2027, 1, 1), POSITIVE, True),)  # in the next period
    k5 = report({"p": primary(mentions=dated + late)}, {"p": None})["p"]["K5"]
    assert (k5["value"], k5["parts"]["citations"]["value"]) == (positive, citations)
    assert k5["components"]["reported"] == len(mentions)


@pytest.mark.parametrize(
    ("targets", "met", "citations_met"),
    [
        ({"K5": 2, "K5.citations": 2}, True, True),
        ({"K5": 3, "K5.citations": 2}, False, True),
        ({"K5": 2, "K5.citations": 3}, True, False),
        ({"K5": 2}, True, None),  # no target for citations: no verdict on them
        ({"K5.citations": 1}, None, True),
    ],
)
def test_k5_targets_compare_positive_publications_and_citations_each_with_its_own(
    targets: dict[str, float], met: bool | None, citations_met: bool | None
) -> None:
    mentions = (Mention(date(2026, 3, 1), POSITIVE, True), Mention(date(2026, 3, 2), POSITIVE, False))
    mentions += (Mention(date(2026, 3, 3), NEUTRAL, True),)
    k5 = report({"p": primary(mentions=mentions)}, {"p": None}, targets)["p"]["K5"]
    assert (k5["met"], k5["parts"]["citations"]["met"]) == (met, citations_met)
    assert SetTargets(org_id="p", period="2026", targets=targets).targets.keys() == targets.keys(), "the API takes them"


def test_k5_figures_roll_up_each_summed() -> None:
    a = primary("a", mentions=(Mention(date(2026, 3, 1), POSITIVE, True),))
    b = primary("b", mentions=(Mention(date(2026, 3, 1), NEUTRAL, True), Mention(date(2026, 4, 1), POSITIVE, False)))
    k5 = report({"t": OrgFacts("t", "territorial"), "a": a, "b": b}, {"t": None, "a": "t", "b": "t"})["t"]["K5"]
    assert (k5["rollup"], k5["parts"]["citations"]["rollup"]) == (2, 2)


# --- K6: each member once, the non-union audience apart ------------------------------------------------------------


def channels(*rows: tuple[str, str, str, int | None], closed_on: date | None = None) -> dict[str, Any]:
    """Resources (id, kind, audience, subscribers reported for 2026-Q4) running all year."""
    opened = tuple(Channel(i, kind, audience, date(2020, 1, 1), closed_on) for i, kind, audience, _ in rows)
    stats = tuple(Stats(i, "2026-Q4", subscribers=n) for i, _, _, n in rows if n is not None)
    return {"channels": opened, "stats": stats}


LIST, CHAT = ("list", "mailing_list", "members"), ("chat", "chat", "members")
WORK, HOME, MOBILE, MESSENGER = "work_email", "personal_email", "mobile", "messenger"
HELD = {
    frozenset({WORK}): 100,
    frozenset({HOME}): 10,  # a personal e-mail usable that day (consent in force): reached by a list like a work one
    frozenset({MOBILE}): 50,
    frozenset({MESSENGER}): 5,
    frozenset({WORK, MOBILE}): 30,  # on the list and in the chat: one member
    frozenset({WORK, HOME}): 4,  # two e-mails: one member
    frozenset(): 101,  # on record without a usable address
}
"""300 members of the org on record on the year's last day, by the kinds of address usable that day each has."""


@pytest.mark.parametrize(
    ("members", "resources", "value", "reached"),
    [
        (300, [(*LIST, 120)], "0.48", 144),  # e-mail: 100 + 10 + 30 + 4, whatever the list's 120 subscribers
        (300, [(*CHAT, 999)], "0.2833", 85),  # mobile or messenger: 50 + 5 + 30
        (300, [(*LIST, 120), (*CHAT, 60)], "0.6633", 199),  # 144 + 85 − the 30 with both, each once
        (300, [(*LIST, 120), ("list2", "mailing_list", "members", 80)], "0.48", 144),  # two lists: still each member once
        (300, [], "0", 0),  # no channel for members: nobody reached
        (300, [("vk", "social_page", "members", 250)], "0", 0),  # P3's channels: lists and chats
        (300, [("chairs", "chat", "chairs", 30), ("activists", "mailing_list", "activists", 40)], "0", 0),
        (300, [("site", "website", "public", 5000)], "0", 0),  # the public apart (below)
        (150, [(*LIST, 120), (*CHAT, 60)], "1", 199),  # more reached on record than the headcount: at most 1
        (None, [(*LIST, 120)], None, 144),  # members unknown: no share
        (0, [(*LIST, 120)], None, 144),
    ],
)
def test_k6_counts_each_member_once_however_many_channels_reach_them(
    members: int | None, resources: list[tuple[str, str, str, int | None]], value: str | None, reached: int
) -> None:
    org = primary(members=members, addresses=HELD, **channels(*resources))
    k6 = report({"p": org}, {"p": None})["p"]["K6"]
    exact = value if value is None or len(value) < 6 else exact_text(Fraction(reached, members or 1))
    assert (k6["value_exact"], k6["components"]["reached"], k6["components"]["on_record"]) == (exact, reached, 300)
    assert "value_at_most" not in k6, "each member counted once: an exact figure"
    assert value is None or k6["value"] == float(value)


def test_k6_keeps_the_subscribers_measured_beside_the_members_counted() -> None:
    org = primary(members=300, addresses=HELD, **channels((*LIST, 120), (*CHAT, 60), ("site", "website", "public", 900)))
    components = report({"p": org}, {"p": None})["p"]["K6"]["components"]
    assert components == {
        "reached": 199,
        "members": 300,
        "on_record": 300,
        "channels": 2,
        "subscribers_at_least": 120,  # the largest members' channel
        "subscribers_at_most": 180,  # all of them added
    }


def test_k6_members_of_a_closed_channel_are_not_reached() -> None:
    org = primary(members=300, addresses=HELD, **channels((*LIST, 120), closed_on=date(2026, 12, 31)))
    assert report({"p": org}, {"p": None})["p"]["K6"]["value_exact"] == "0"


@pytest.mark.parametrize(
    ("reached", "target", "shown_value", "met"),
    [
        (4996, 0.05, 0.0499, False),  # 4.996 % of 100 000 members misses 5 %, shown cut
        (4999, 0.05, 0.0499, False),
        (5000, 0.05, 0.05, True),  # exactly on it
        (5001, 0.05, 0.05, True),
        (5000, 0.050001, 0.05, False),
    ],
)
def test_k6_is_compared_with_its_target_exactly(reached: int, target: float, shown_value: float, met: bool) -> None:
    org = primary(members=100000, addresses={frozenset({WORK}): reached}, **channels((*LIST, 7)))
    k6 = report({"p": org}, {"p": None}, {"K6": target})["p"]["K6"]
    assert (k6["value"], k6["value_exact"], k6["met"]) == (shown_value, str(Decimal(reached) / 100000), met)


@pytest.mark.parametrize(
    ("resources", "audience", "at_most"),
    [
        ([], 0, 0),
        ([("site", "website", "public", 5000)], 5000, 5000),
        ([("site", "website", "public", 5000), ("vk", "social_page", "public", 2000)], 5000, 7000),  # a follower of both
        ([("site", "website", "public", 5000), (*LIST, 280)], 5000, 5000),  # members' channels are not the public's
        ([("tg", "chat", "public", 40)], 40, 40),
    ],
)
def test_k6_gives_the_non_union_audience_as_a_figure_of_its_own(
    resources: list[tuple[str, str, str, int | None]], audience: int, at_most: int
) -> None:
    org = primary(members=300, addresses=HELD, **channels(*resources))
    k6 = report({"p": org}, {"p": None}, {"K6.non_union": 4000})["p"]["K6"]
    public = k6["parts"]["non_union"]
    assert (public["value"], public["value_at_most"], public["met"]) == (
        audience,
        at_most,
        True if audience >= 4000 else None if at_most >= 4000 else False,
    )
    assert k6["value"] <= 1, "the public never raises the members' share"
    assert k6["components"]["reached"] == (144 if (*LIST, 280) in resources else 0), "nor the members reached"


def test_k6_of_a_territorial_org_reaches_the_members_of_the_primary_orgs_under_it_and_rolls_up_by_members() -> None:
    t = OrgFacts("t", "territorial", **channels(("t-chat", "chat", "members", 10)))  # its own chat, for all its members
    a = primary("a", 300, addresses={frozenset({WORK}): 150, frozenset({MOBILE}): 60}, **channels((*LIST, 150)))
    b_held = {frozenset({WORK, MOBILE}): 30, frozenset(): 70}
    b = primary("b", 100, addresses=b_held, **channels(("site", "website", "public", 900)))
    lines = report({"t": t, "a": a, "b": b}, {"t": None, "a": "t", "b": "t"}, {"K6": 0.3})
    k6 = lines["t"]["K6"]
    # t's chat reaches the mobiles of a's 60 and b's 30 of its 400 members; a's list 150 of 300; b reaches none
    assert (k6["value_exact"], k6["components"]["on_record"], k6["met"]) == ("0.225", 310, False)
    # (90/400 × 400 + 150/300 × 300 + 0 × 100) / 800 = 240 / 800
    assert (k6["rollup_exact"], k6["rollup_met"]) == ("0.3", True)
    assert "rollup_at_most" not in k6 and k6["parts"]["non_union"]["rollup"] == 900
    assert lines["b"]["K6"]["components"]["reached"] == 0, "a primary org reaches its members by its own channels only"
