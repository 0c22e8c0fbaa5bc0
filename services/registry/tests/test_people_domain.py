"""A person's record over valid time (D3, PD1), posts (P8, T1), youth councils, budgets, clauses: no IO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import reduce

import pytest
from registry_helpers import union

from contracts.base import Event
from contracts.officers import OfficerRole, OfficerTrained
from contracts.org_facts import Clause
from contracts.registry import Level
from kit.errors import Refused, RuleBroken
from registry.domain import org_facts, people
from registry.domain.people import NOBODY, Person, Post
from registry.domain.tree import decide_register, evolve

D = date.fromisoformat
SEALED = {"full_name": "pd1:sealed", "birth_date": None, "position": None}
TODAY = D("2026-12-07")


def apply(person: Person, events: list[Event]) -> Person:
    return reduce(people.evolve, events, person)


def member() -> Person:
    """Admitted to P1 in 2000."""
    return apply(NOBODY, people.decide_admit(union(), "x", "p1", SEALED, D("2000-01-01")))


def test_membership_is_a_timeline_answered_on_any_date() -> None:
    tree = union()
    tree = reduce(evolve, decide_register(tree, "p2", "ППО-2", Level.PRIMARY, "t1", D("1996-01-01")), tree)
    person = member()
    person = apply(person, people.decide_transfer(tree, person, "p2", D("2010-01-01")))
    person = apply(person, people.decide_leave(person, D("2020-01-01"), "на пенсии"))
    assert [person.member_of(D(d)) for d in ("1999-12-31", "2000-01-01", "2010-01-01", "2019-12-31", "2020-01-01")] == [
        None,
        "p1",
        "p2",
        "p2",
        None,
    ]
    backdated = apply(person, people.decide_transfer(tree, person, "p2", D("2005-01-01")))
    on = [backdated.member_of(D(d)) for d in ("2004-12-31", "2007-01-01", "2021-01-01")]
    assert on == ["p1", "p2", None], "a backdated fact changes its own dates and no others"
    assert person.last_org() == "p2"


def test_only_a_primary_org_keeps_personal_records() -> None:
    with pytest.raises(RuleBroken, match="D3") as refused:
        people.decide_admit(union(), "x", "t1", SEALED, D("2000-01-01"))
    assert refused.value.details[0].field == "org_id"
    with pytest.raises(RuleBroken, match="H1"):
        people.decide_admit(union(), "x", "p1", SEALED, D("1990-01-01"))


def test_leaving_or_transferring_needs_membership_on_that_date() -> None:
    with pytest.raises(RuleBroken, match="D3"):
        people.decide_leave(member(), D("1999-01-01"), "r")
    with pytest.raises(Refused):
        people.decide_transfer(union(), member(), "p1", D("2005-01-01"))


def test_an_erased_record_is_closed_for_good() -> None:
    erased = apply(member(), people.decide_erase(member(), "заявление", "staff", D("2026-01-01")))
    assert erased.erased and erased.member_of(D("2001-01-01")) == "p1", "history stays"
    for decide in (
        lambda: people.decide_erase(erased, "again", "staff", D("2026-01-02")),
        lambda: people.decide_leave(erased, D("2026-01-02"), "r"),
    ):
        with pytest.raises(RuleBroken, match="PD1"):
            decide()


def test_posts_are_held_between_their_dates_and_relieved_once() -> None:
    post = Post("o1", "p1", None, OfficerRole.CHAIR, D("2015-01-01"), released=True)
    person = apply(member(), people.decide_assign(union(), "x", member(), post, None, None, TODAY))
    assert person.posts["o1"].held_on(D("2015-01-01"))
    with pytest.raises(Refused, match="after"):
        people.decide_relieve(person, "o1", D("2015-01-01"), None)
    person = apply(person, people.decide_relieve(person, "o1", D("2020-01-01"), "переизбран"))
    assert not person.posts["o1"].held_on(D("2020-01-01")) and person.posts["o1"].held_on(D("2019-12-31"))
    with pytest.raises(Refused, match="already relieved"):
        people.decide_relieve(person, "o1", D("2021-01-01"), None)
    training = OfficerTrained(training_id="t", officer_id="nope", person_id="x", org_id="p1", on=D("2016-01-01"))
    with pytest.raises(Refused, match="no such post"):
        people.decide_train(person, training, D("2026-06-15"))
    ahead = training.model_copy(update={"officer_id": "o1", "on": D("2026-06-16")})
    with pytest.raises(Refused, match="after today"):
        people.decide_train(person, ahead, D("2026-06-15"))
    assert people.decide_train(person, ahead, D("2026-06-16")) == [ahead], "a course completed today counts"
    for on, ok in (("1800-05-01", False), ("1899-12-31", False), ("1900-01-01", True)):
        dated = training.model_copy(update={"officer_id": "o1", "on": D(on)})
        if ok:
            assert people.decide_train(person, dated, TODAY) == [dated]
            continue
        with pytest.raises(Refused) as refused:
            people.decide_train(person, dated, TODAY)
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("on", "not_before_1900"), on


def test_a_new_officer_is_registered_as_a_person_in_the_same_decision() -> None:
    post = Post("o1", "cc", None, OfficerRole.INFO_WORKER, D("2015-01-01"), released=False)
    events = people.decide_assign(union(), "new", NOBODY, post, SEALED, None, TODAY)
    assert [e.event_name for e in events] == ["registered", "assigned"]
    with pytest.raises(Refused):
        people.decide_assign(union(), "new", NOBODY, post, None, None, TODAY)


def test_youth_councils_budgets_and_clauses() -> None:
    tree = union()
    council = reduce(
        org_facts.evolve_council, org_facts.decide_form(tree, "y", "cc", "МС", D("2019-01-01")), org_facts.NO_COUNCIL
    )
    org_facts.check_post_in_council(council, "cc", D("2019-01-01"))
    with pytest.raises(Refused):
        org_facts.check_post_in_council(council, "t1", D("2019-01-01"))
    gone = reduce(org_facts.evolve_council, org_facts.decide_disband(council, D("2020-01-01"), "r"), council)
    with pytest.raises(RuleBroken, match="H1"):
        org_facts.check_post_in_council(gone, "cc", D("2020-01-01"))
    assert org_facts.decide_budget(tree, "p1", 1995, Decimal("100"), Decimal("5"))[0].information == Decimal("5")
    with pytest.raises(RuleBroken, match="H1"):
        org_facts.decide_budget(tree, "p1", 1994, Decimal("100"), Decimal("5"))
    with pytest.raises(Refused, match="exceed"):
        org_facts.decide_budget(tree, "p1", 2000, Decimal("1"), Decimal("5"))
    assert org_facts.decide_clauses(tree, "p1", [Clause(7), Clause(1)], D("2020-01-01"))[0].clauses == [1, 7]
    with pytest.raises(Refused, match="once"):
        org_facts.decide_clauses(tree, "p1", [Clause(1), Clause(1)], D("2020-01-01"))


def test_an_appointment_ahead_of_today_before_1900_or_before_the_org_existed_is_refused_naming_the_field() -> None:
    def assign(since: str) -> list[Event]:
        post = Post("o1", "p1", None, OfficerRole.CHAIR, D(since), released=False)
        return people.decide_assign(union(), "new", NOBODY, post, SEALED, None, TODAY)

    assert [e.event_name for e in assign("2026-12-07")] == ["registered", "assigned"], "appointed today counts"
    for since, rule in (("2099-01-01", "not_after_today"), ("2026-12-08", "not_after_today"), ("1899-12-31", "not_before_1900")):
        with pytest.raises(Refused) as refused:
            assign(since)
        [detail] = refused.value.details
        assert (detail.field, detail.rule) == ("since", rule), since
    with pytest.raises(RuleBroken, match="H1") as before:
        assign("1901-01-01")  # the primary org of the test union was registered later
    assert before.value.details[0].field == "org_id"


def test_a_birth_date_must_be_one_that_can_have_been() -> None:
    people.check_birth_date(None, TODAY)
    people.check_birth_date(D("1984-05-17"), TODAY)
    for born, rule in (("2030-01-01", "not_after_today"), ("1850-01-01", "not_before_1900")):
        with pytest.raises(Refused) as refused:
            people.check_birth_date(D(born), TODAY)
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("birth_date", rule)


def test_a_member_is_admitted_once_born_and_not_before_1900() -> None:
    people.check_admission(None, D("1950-01-01"))
    people.check_admission(D("1980-01-01"), D("1980-01-01"))
    people.check_admission(D("1980-01-01"), D("2030-01-01"))  # a future admission may be recorded ahead
    cases = (("2020-01-01", "2010-01-01", "not_before_birth"), (None, "1899-12-31", "not_before_1900"))
    for born, since, rule in cases:
        with pytest.raises(Refused) as refused:
            people.check_admission(D(born) if born else None, D(since))
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("since", rule), since
