"""The rule catalogue and the audit's life on plain values: no IO."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from audits.domain import audit
from audits.domain.catalogue import CATALOGUE, assess, rules_for
from audits.domain.contest import Entry, rank_information_work, weeks_refreshed
from audits.domain.facts import Budget, Child, Facts, Members, Post, Resource
from audits.domain.periods import bounds, previous_quarter
from audits.domain.readings import READINGS
from audits.domain.verdicts import members_ru

from contracts.audits import ChecklistItem, Severity, Status
from kit.errors import RuleBroken

DAY = date(2026, 6, 15)


HUNDRED = Members(100)


def facts(level: str = "primary", members: Members = HUNDRED, **kw: object) -> Facts:
    return Facts(org_id="o", level=level, day=DAY, registered_on=date(1995, 1, 1), members=members, **kw)  # type: ignore[arg-type]


def verdict(f: Facts, rule: str) -> Status:
    return next(v.status for v in assess(f) if v.rule == rule)


def test_the_catalogue_holds_the_rules_the_issue_names_once_each() -> None:
    assert [r.id for r in CATALOGUE] == [
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
        "P7",
        "P8",
        "P10",
        "P11",
        "T1",
        "T3",
        "T4",
        "T5",
        "T6",
        "T7",
        "T8",
        "C1",
        "C2",
        "C3",
        "M1",
        "M2",
    ]
    assert [r.id for r in CATALOGUE if r.norm] == ["M1"]
    assert [r.id for r in rules_for("central")] == ["C1", "C2", "C3", "M2"]


def test_every_rule_has_a_reading_in_both_languages() -> None:
    assert set(READINGS) == {r.id for r in CATALOGUE}
    assert all(en.endswith(".") and ru.endswith(".") for en, ru in READINGS.values())


@pytest.mark.parametrize(("members", "expected"), [(500, Status.NOT_APPLICABLE), (501, Status.BREACHED)])
def test_p4_starts_strictly_above_500(members: int, expected: Status) -> None:
    assert verdict(facts(members=Members(members)), "P4") is expected


def test_a_size_rule_is_unknown_only_when_a_missing_headcount_could_change_it() -> None:
    assert verdict(facts(members=Members(0, reported=False)), "P4") is Status.UNKNOWN
    assert verdict(facts("territorial", Members(999, missing=1)), "T5") is Status.UNKNOWN
    assert verdict(facts("territorial", Members(1001, missing=1)), "T5") is Status.BREACHED


@pytest.mark.parametrize(("age", "expected"), [(7, Status.MET), (8, Status.BREACHED)])
def test_a_notice_board_is_fresh_for_seven_days(age: int, expected: Status) -> None:
    board = Resource("notice_board", "members", date(2020, 1, 1), DAY - timedelta(days=age))
    assert verdict(facts(resources=(board,)), "P1") is expected


@pytest.mark.parametrize(("info", "expected"), [("4999.99", Status.BREACHED), ("5000.00", Status.MET)])
def test_m1_compares_money_exactly(info: str, expected: Status) -> None:
    assert verdict(facts(budget=Budget(Decimal("100000.00"), Decimal(info))), "M1") is expected


def test_a_yearly_duty_is_not_due_in_the_first_365_days() -> None:
    young = Facts("o", "primary", DAY, DAY - timedelta(days=364), Members(10))
    assert verdict(young, "P10") is Status.NOT_APPLICABLE
    shared = {"parent_id": "t", "access": frozenset({"t"})}
    assert verdict(facts(last_submission=DAY - timedelta(days=365), **shared), "P10") is Status.MET
    assert verdict(facts(last_submission=DAY - timedelta(days=366), **shared), "P10") is Status.BREACHED


def test_t1_counts_only_children_due_and_audits_within_a_year() -> None:
    old, young = date(2000, 1, 1), DAY - timedelta(days=100)
    children = (Child("a", "primary", old, DAY - timedelta(days=365)), Child("b", "primary", young))
    assert verdict(facts("territorial", Members(10), children=children), "T1") is Status.MET
    late = (Child("a", "primary", old, DAY - timedelta(days=366)),)
    assert verdict(facts("territorial", Members(10), children=late), "T1") is Status.BREACHED


def test_russian_plurals() -> None:
    assert [members_ru(n) for n in (1, 3, 11, 21, 553)] == [
        "1 член профсоюза",
        "3 члена профсоюза",
        "11 членов профсоюза",
        "21 член профсоюза",
        "553 члена профсоюза",
    ]


def test_an_audit_moves_forward_only_and_scores_its_checklist() -> None:
    state = audit.NONE
    for e in audit.decide_schedule("a", "o", "t", DAY, True):
        state = audit.evolve(state, e)
    with pytest.raises(RuleBroken, match="not started"):
        audit.decide_finding(state, "f", "P1", Severity.MAJOR, "x")
    items = [ChecklistItem(rule=r, status=s, detail="", detail_ru="") for r, s in (("P1", Status.MET), ("P3", Status.BREACHED))]
    with pytest.raises(RuleBroken, match="after today"):
        audit.decide_start(state, DAY + timedelta(days=1), items, DAY)
    for e in [*audit.decide_start(state, DAY, items, DAY)]:
        state = audit.evolve(state, e)
    for e in audit.decide_finding(state, "f", "P3", Severity.CRITICAL, "нет чата"):
        state = audit.evolve(state, e)
    assert audit.default_score(state) == 50 - 15
    with pytest.raises(RuleBroken, match="before it started"):
        audit.decide_complete(state, DAY - timedelta(days=1), None, DAY)
    with pytest.raises(RuleBroken, match="after today"):
        audit.decide_complete(state, DAY + timedelta(days=1), None, DAY)
    assert audit.decide_complete(state, DAY, None, DAY), "completed today counts"
    with pytest.raises(RuleBroken, match="does not exist"):
        audit.decide_complete(state, DAY, None, DAY, org_exists=False)
    with pytest.raises(RuleBroken, match="T1"):
        audit.decide_schedule("b", "o", "x", DAY, False)
    assert Post("chair", DAY).trained_on is None


def test_periods_and_contest_weeks() -> None:
    assert bounds("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31)) and previous_quarter("2026-Q1") == "2025-Q4"
    assert weeks_refreshed([date(2026, 4, 1), date(2026, 4, 7), date(2026, 4, 8)], date(2026, 4, 1), date(2026, 6, 30)) == (2, 13)
    ranked = rank_information_work([Entry("x", None), Entry("y", 70), Entry("z", 90)])
    assert [e.org_id for e in ranked] == ["z", "y", "x"]


def test_docs_rules_md_gives_every_reading() -> None:
    """docs/rules.md lists each rule of the catalogue with the reading `GET /rules` gives."""
    text = (Path(__file__).parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in CATALOGUE:
        assert f"### {rule.id} — " in text and READINGS[rule.id][0] in text and READINGS[rule.id][1] in text, rule.id
