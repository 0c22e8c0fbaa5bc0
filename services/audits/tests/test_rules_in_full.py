"""RULES.md read in full, on plain facts: each case written from the rule's text and its counting conventions, at
and around each boundary (issue 28)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from audits.domain import deskreview
from audits.domain.catalogue import assess
from audits.domain.facts import Budget, Child, Facts, Members, Plans, Post, Reachable, Resource

from contracts.audits import ChecklistItem, Status
from kit.errors import RuleBroken

DAY = date(2026, 6, 15)
OLD = date(2000, 1, 1)
MET, BREACHED, NA, UNKNOWN = Status.MET, Status.BREACHED, Status.NOT_APPLICABLE, Status.UNKNOWN
PLANNED = Plans(current=True)


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def run(kind: str, audience: str = "members") -> Resource:
    return Resource(kind, audience, OLD)


def said(rule: str, level: str = "primary", members: Members | None = None, **kw: Any) -> tuple[Status, str]:
    f = Facts(org_id="o", level=level, day=DAY, registered_on=kw.pop("registered_on", OLD), members=members or Members(100), **kw)
    v = next(v for v in assess(f) if v.rule == rule)
    return v.status, v.detail


# P2, P7: "Duties named without a period … are checked yearly, as audits are: at least one within the 365 days
# before the date"; an org registered less than 365 days before is not yet due.
@pytest.mark.parametrize("rule, field", [("P2", "last_print_run"), ("P7", "last_meeting")])
@pytest.mark.parametrize(
    "registered, last, expected",
    [
        (OLD, ago(0), MET),
        (OLD, ago(365), MET),
        (OLD, ago(366), BREACHED),
        (OLD, None, BREACHED),
        (ago(364), None, NA),
        (ago(365), None, BREACHED),
    ],
)
def test_yearly_duties_without_a_period(rule: str, field: str, registered: date, last: date | None, expected: Status) -> None:
    assert said(rule, registered_on=registered, **{field: last})[0] is expected


# P8: "in small orgs the chair or an activist" — a small org has fewer than 100 members on the date; a verdict is
# unknown only when a fact needed to decide whether the rule applies is missing.
CHAIR, WORKER = Post("chair", OLD), Post("info_worker", OLD)


@pytest.mark.parametrize(
    "members, posts, plans, expected",
    [
        (Members(99), (CHAIR,), PLANNED, MET),
        (Members(1), (CHAIR,), PLANNED, MET),
        (Members(100), (CHAIR,), PLANNED, BREACHED),
        (Members(0, reported=False), (CHAIR,), PLANNED, UNKNOWN),
        (Members(0, reported=False), (CHAIR,), Plans(), BREACHED),
        (Members(0, reported=False), (WORKER,), PLANNED, MET),
        (Members(5000), (WORKER,), PLANNED, MET),
        (Members(99), (), PLANNED, BREACHED),
        (Members(99), (CHAIR,), Plans(current=True, previous_planned=True), BREACHED),
        (Members(99), (CHAIR,), Plans(current=True, previous_planned=True, previous_reported=True), MET),
    ],
)
def test_p8_counts_the_chair_of_a_small_org(members: Members, posts: tuple[Post, ...], plans: Plans, expected: Status) -> None:
    assert said("P8", members=members, posts=posts, plans=plans)[0] is expected


# P10: yearly the contact base goes to the parent, "and the parent is given access to the electronic channels".
@pytest.mark.parametrize(
    "last, access, expected",
    [
        (ago(30), {"t"}, MET),
        (ago(365), {"t", "cc"}, MET),
        (ago(30), set(), BREACHED),
        (ago(30), {"cc"}, BREACHED),
        (ago(366), {"t"}, BREACHED),
        (None, {"t"}, BREACHED),
    ],
)
def test_p10_needs_the_base_and_the_parents_access(last: date | None, access: set[str], expected: Status) -> None:
    assert said("P10", last_submission=last, parent_id="t", root_id="cc", access=frozenset(access))[0] is expected


# T7: the bases go to the CC's department "and gives access to the channels".
@pytest.mark.parametrize("access, expected", [({"cc"}, MET), (set(), BREACHED), ({"other"}, BREACHED)])
def test_t7_needs_the_ccs_access(access: set[str], expected: Status) -> None:
    kw = {"last_submission": ago(10), "parent_id": "cc", "root_id": "cc", "access": frozenset(access)}
    assert said("T7", "territorial", **kw)[0] is expected


# P11: "at least one copy (print or electronic) per 100 members" = max(1, ceil(members / 100)) (the formats are
# added up by the query that gathers the copies).
@pytest.mark.parametrize(
    "members, copies, expected",
    [(100, 1, MET), (101, 1, BREACHED), (101, 2, MET), (0, 1, MET), (0, 0, BREACHED), (99, 1, MET), (1000, 9, BREACHED)],
)
def test_p11_copies_per_hundred_members(members: int, copies: int, expected: Status) -> None:
    assert said("P11", members=Members(members), solidarnost_copies=copies)[0] is expected


# T3 and T4 are separate verdicts. T4 needs a running mailing list reaching chairs and activists *and* a running
# chat whose audience is chairs.
@pytest.mark.parametrize(
    "resources, expected",
    [
        ((run("mailing_list", "chairs"), run("mailing_list", "activists"), run("chat", "chairs")), MET),
        ((run("mailing_list", "chairs"), run("chat", "chairs")), BREACHED),
        ((run("mailing_list", "activists"), run("chat", "chairs")), BREACHED),
        ((run("mailing_list", "chairs"), run("mailing_list", "activists"), run("chat", "activists")), BREACHED),
        ((run("mailing_list", "chairs"), run("mailing_list", "activists"), run("chat", "members")), BREACHED),
        ((run("chat", "chairs"),), BREACHED),
    ],
)
def test_t4_mailing_chairs_and_activists_and_a_chat_of_chairs(resources: tuple[Resource, ...], expected: Status) -> None:
    assert said("T4", "territorial", resources=resources)[0] is expected


# T3: "keeps contact bases of its primary orgs' activists and runs electronic channels with their chairs and
# activists".
def primary(org_id: str, registered: date = OLD, base: date | None = None) -> Child:
    return Child(org_id, "primary", registered, last_base=base)


@pytest.mark.parametrize(
    "children, resources, expected",
    [
        ((primary("a", base=ago(365)), primary("b", base=ago(1))), (run("chat", "activists"),), MET),
        ((primary("a", base=ago(366)), primary("b", base=ago(1))), (run("chat", "activists"),), BREACHED),
        ((primary("a", base=ago(1)), primary("b", registered=ago(364))), (run("mailing_list", "chairs"),), MET),
        ((primary("a", base=ago(1)), primary("b", registered=ago(365))), (run("mailing_list", "chairs"),), BREACHED),
        ((primary("a", base=ago(1)),), (run("chat", "members"),), BREACHED),
        ((), (run("chat", "chairs"),), MET),
    ],
)
def test_t3_keeps_the_primaries_bases(children: tuple[Child, ...], resources: tuple[Resource, ...], expected: Status) -> None:
    assert said("T3", "territorial", children=children, resources=resources)[0] is expected


def test_t3_names_the_primary_orgs_whose_base_is_missing() -> None:
    status, detail = said(
        "T3", "territorial", children=(primary("a", base=ago(1)), primary("b")), resources=(run("chat", "chairs"),)
    )
    assert status is BREACHED and "1 of 2" in detail and "b" in detail.split(":")[-1]


# C1: the CC's elected body reviews information work yearly, and the CC checks "every structural org": every
# territorial and primary org at any depth, each by an audit whose auditing org is the CC.
RECENT = ago(10)


def structural(org_id: str, level: str = "primary", registered: date = OLD, audit: date | None = RECENT) -> Child:
    return Child(org_id, level, registered, last_audit=audit)


@pytest.mark.parametrize(
    "review, orgs, registered, expected",
    [
        (ago(365), (structural("t", "territorial"), structural("p"), structural("deep")), OLD, MET),
        (ago(366), (structural("t", "territorial"), structural("p")), OLD, BREACHED),
        (None, (structural("t", "territorial"),), OLD, BREACHED),
        (ago(10), (structural("t", "territorial"), structural("deep", audit=ago(366))), OLD, BREACHED),
        (ago(10), (structural("t", "territorial"), structural("deep", audit=None)), OLD, BREACHED),
        (ago(10), (structural("t", "territorial"), structural("new", registered=ago(364), audit=None)), OLD, MET),
        (ago(10), (), OLD, MET),
        (None, (structural("t", "territorial"),), ago(364), NA),
    ],
)
def test_c1_reviews_and_checks_every_structural_org(
    review: date | None, orgs: tuple[Child, ...], registered: date, expected: Status
) -> None:
    assert said("C1", "central", last_review=review, structural=orgs, registered_on=registered)[0] is expected


# C2: "keeps contact bases (e-mail, mobile) of the chairs of all structural orgs and of their information workers
# and activists, and runs mailings … and chats on them".
LEADERS = (run("mailing_list", "chairs"), run("chat", "activists"))


@pytest.mark.parametrize(
    "base, resources, expected",
    [
        ((Reachable("t", 1, 2, 2), Reachable("p", 1, 1, 1)), LEADERS, MET),
        ((Reachable("t", 1, 2, 1), Reachable("p", 1, 1, 1)), LEADERS, BREACHED),
        ((Reachable("t", 0, 1, 1),), LEADERS, BREACHED),
        ((Reachable("t", 1, 1, 1),), (run("mailing_list", "chairs"),), BREACHED),
        ((Reachable("t", 1, 1, 1),), (run("mailing_list", "members"), run("chat", "members")), BREACHED),
        ((), LEADERS, MET),
    ],
)
def test_c2_every_structural_orgs_leaders_reachable(
    base: tuple[Reachable, ...], resources: tuple[Resource, ...], expected: Status
) -> None:
    assert said("C2", "central", contact_base=base, resources=resources)[0] is expected


def test_c2_names_the_share_and_the_orgs_missing() -> None:
    _, detail = said("C2", "central", contact_base=(Reachable("t", 1, 2, 1), Reachable("p", 1, 1, 1)), resources=LEADERS)
    assert "50.00 %" in detail and "1 of 2" in detail and detail.endswith(": t")


# C3: the CC "runs the union's website and social pages".
@pytest.mark.parametrize(
    "resources, expected",
    [
        ((run("website", "public"), run("social_page", "public")), MET),
        ((run("website", "public"),), BREACHED),
        ((run("social_page", "public"),), BREACHED),
        ((), BREACHED),
    ],
)
def test_c3_website_and_social_pages(resources: tuple[Resource, ...], expected: Status) -> None:
    assert said("C3", "central", resources=resources)[0] is expected


# M1: "every share compared with a threshold … is compared exactly: 4.996 % is below 5 %".
@pytest.mark.parametrize("information, expected", [("4996", BREACHED), ("4999.99", BREACHED), ("5000", MET), ("5000.01", MET)])
def test_m1_compares_the_share_exactly(information: str, expected: Status) -> None:
    status, detail = said("M1", budget=Budget(Decimal("100000"), Decimal(information)))
    assert status is expected
    if information == "4996":
        assert "4.99 %" in detail  # shown cut, never rounded up to a 5 that would read as met


# C1: "a desk review of the whole union may be planned in one step".
def test_a_desk_review_starts_an_audit_of_every_org_with_its_checklist() -> None:
    item = ChecklistItem(rule="P1", status=MET, detail="", detail_ru="")
    review, audits = deskreview.decide_plan(
        False, "central", "r", "cc", DAY, ago(-30), DAY, {"t": ("a1", [item]), "p": ("a2", [])}
    )
    assert [type(e).__name__ for e in review] == ["DeskReviewPlanned"] and review[0].orgs == 2  # type: ignore[attr-defined]
    assert {a: [type(e).__name__ for e in es] for a, es in audits.items()} == {
        "a1": ["AuditScheduled", "AuditStarted"],
        "a2": ["AuditScheduled", "AuditStarted"],
    }


@pytest.mark.parametrize(
    "planned, level, planned_on, due_on, field",
    [
        (True, "central", DAY, DAY, "planned_on"),
        (False, "territorial", DAY, DAY, "org_id"),
        (False, None, DAY, DAY, "planned_on"),
        (False, "central", ago(-1), ago(-2), "planned_on"),
        (False, "central", DAY, ago(1), "due_on"),
    ],
)
def test_a_desk_review_refuses(planned: bool, level: str | None, planned_on: date, due_on: date, field: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        deskreview.decide_plan(planned, level, "r", "cc", planned_on, due_on, DAY, {})
    assert refused.value.rule == "C1" and refused.value.details[0].field == field


@pytest.mark.parametrize(
    "completed, today, exists, expected",
    [
        (DAY, ago(-99), True, "done"),
        (None, DAY, True, "due"),
        (None, ago(-1), True, "overdue"),
        (None, ago(-1), False, "dissolved"),
        (DAY, ago(-1), False, "done"),
    ],
)
def test_desk_review_progress(completed: date | None, today: date, exists: bool, expected: str) -> None:
    assert deskreview.progress(completed, DAY, today, exists) == expected
