"""Where an org or a person stands today, which alone decides access (DESIGN.md §5), without IO."""

from __future__ import annotations

from datetime import date
from functools import reduce

import pytest

from contracts.base import Event
from contracts.people import PersonErased
from contracts.registry import Level, OrgDissolved, OrgMoved, OrgRegistered
from registry.domain import people
from registry.domain.people import NOBODY, Person
from registry.domain.reach import home_today, parents_over, reach
from registry.domain.tree import EMPTY, Change, Tree, evolve

D = date.fromisoformat
TODAY = D("2026-12-07")


def registered(org_id: str, level: Level, parent_id: str | None, on: str) -> OrgRegistered:
    return OrgRegistered(org_id=org_id, name=org_id, level=level, parent_id=parent_id, registered_on=D(on))


def moved(org_id: str, parent_id: str, previous: str, on: str) -> OrgMoved:
    return OrgMoved(org_id=org_id, parent_id=parent_id, previous_parent_id=previous, effective_on=D(on))


def union() -> Tree:
    """CC with territorial t1 and t2, and primary orgs whose places changed in every way the ledger allows."""
    T, P = Level.TERRITORIAL, Level.PRIMARY
    events: list[Event] = [
        registered("cc", Level.CENTRAL, None, "1990-01-01"),
        registered("t1", T, "cc", "1991-01-01"),
        registered("t2", T, "cc", "1991-01-01"),
        registered("stays", P, "t1", "1995-01-01"),
        registered("moved", P, "t1", "1995-01-01"),
        moved("moved", "t2", "t1", "2020-01-01"),
        registered("moves_later", P, "t1", "1995-01-01"),
        moved("moves_later", "t2", "t1", "2027-01-15"),
        registered("dissolved", P, "t1", "1995-01-01"),
        moved("dissolved", "t2", "t1", "2022-01-01"),
        OrgDissolved(org_id="dissolved", effective_on=D("2024-01-01"), reason="ликвидирована"),
        registered("founded_later", P, "t2", "2027-03-01"),
        registered("back_and_forth", P, "t1", "1995-01-01"),
        moved("back_and_forth", "t2", "t1", "2022-01-01"),
        moved("back_and_forth", "t1", "t2", "2024-01-01"),
        registered("backfilled", P, "t1", "1995-01-01"),
        moved("backfilled", "t2", "t1", "2025-01-01"),
        moved("backfilled", "t1", "t2", "2023-01-01"),  # recorded later, effective earlier: 2025's move still stands
        registered("same_day", P, "t1", "1995-01-01"),
        moved("same_day", "t2", "t1", "2021-01-01"),
        moved("same_day", "t1", "t2", "2021-01-01"),  # of two effective the same day, the later recorded wins
    ]
    return reduce(evolve, events, EMPTY)


@pytest.mark.parametrize(
    ("org_id", "expected", "why"),
    [
        ("stays", ["stays", "t1", "cc"], "never moved"),
        ("moved", ["moved", "t2", "cc"], "moved in the past: today's parent, whatever date is asked about"),
        ("moves_later", ["moves_later", "t1", "cc"], "a move dated in the future changes nothing until that day"),
        ("dissolved", ["dissolved", "t2", "cc"], "a dissolved org keeps its last parent"),
        ("founded_later", ["founded_later", "t2", "cc"], "an org registered after today: its first parent"),
        ("back_and_forth", ["back_and_forth", "t1", "cc"], "the latest move on or before today"),
        ("backfilled", ["backfilled", "t2", "cc"], "a back-filled earlier move does not undo a later one"),
        ("same_day", ["same_day", "t1", "cc"], "the later recorded of two moves on one day"),
        ("cc", ["cc"], "the root"),
        ("unknown", ["unknown"], "an org the tree never saw has no ancestors"),
    ],
)
def test_an_orgs_reach_is_its_lineage_today(org_id: str, expected: list[str], why: str) -> None:
    assert reach(union(), org_id, TODAY) == expected, why


def test_the_reach_does_not_depend_on_the_day_the_tree_is_asked_about() -> None:
    t = union()
    assert t.lineage("moved", D("2019-06-01")) == ["moved", "t1", "cc"], "the facts of 2019"
    assert reach(t, "moved", TODAY) == ["moved", "t2", "cc"], "who may see them"


def change(on: str, org_id: str | None, seq: int) -> Change:
    return Change(D(on), org_id, seq)


@pytest.mark.parametrize(
    ("timeline", "expected", "why"),
    [
        ([change("2015-01-01", "pa", 0)], "pa", "a member today"),
        ([change("2015-01-01", "pa", 0), change("2023-01-01", "pb", 1)], "pb", "transferred in the past"),
        ([change("2015-01-01", "pa", 0), change("2027-01-15", "pb", 1)], "pa", "a transfer dated in the future waits"),
        ([change("2015-01-01", "pa", 0), change("2020-01-01", None, 1)], "pa", "left: their last org"),
        (
            [change("2015-01-01", "pa", 0), change("2020-01-01", "pb", 1), change("2024-01-01", None, 2)],
            "pb",
            "transferred, then left",
        ),
        ([change("2027-02-01", "pa", 0)], "pa", "admitted with a future date: their first org"),
        ([change("2027-02-01", "pa", 0), change("2027-06-01", "pb", 1)], "pa", "the first of several future ones"),
        ([change("2023-01-01", "pb", 1), change("2015-01-01", "pa", 0)], "pb", "whatever order the rows come in"),
        ([change("2015-01-01", "pa", 0), change("2020-01-01", "pb", 1), change("2020-01-01", "pc", 2)], "pc", "later recorded"),
        ([change("2015-01-01", "pa", 0), change("2024-01-01", "pb", 1), change("2020-01-01", None, 2)], "pb", "back-filled"),
        ([], None, "never a member"),
    ],
)
def test_a_person_belongs_to_the_org_of_their_membership_today(timeline: list[Change], expected: str | None, why: str) -> None:
    assert home_today(timeline, TODAY) == expected, why


def test_a_person_never_a_member_belongs_to_the_org_that_recorded_them() -> None:
    assert Person(person_id="x", recorded_by="t1").home(TODAY) == "t1"
    member = Person(person_id="y", recorded_by="pa", memberships=(change("2015-01-01", "pa", 0), change("2023-01-01", "pb", 1)))
    assert member.home(TODAY) == "pb" and member.home(D("2020-01-01")) == "pa"


def test_an_erasure_names_the_org_of_today_not_a_future_transfers_destination() -> None:
    t, sealed = union(), {"full_name": "pd1:sealed", "birth_date": None, "position": None}
    person = reduce(people.evolve, people.decide_admit(t, "x", "stays", sealed, D("2015-01-01")), NOBODY)
    person = reduce(people.evolve, people.decide_transfer(t, person, "moved", D("2027-01-15")), person)
    [erased] = people.decide_erase(person, "заявление", "staff", TODAY)
    assert isinstance(erased, PersonErased) and erased.org_id == "stays"


@pytest.mark.parametrize(
    ("org_id", "start", "end", "expected", "why"),
    [
        ("moved", "2010-01-01", "2020-01-01", ["t1"], "a move back to 2010 rewrites t1's past until the recorded move"),
        ("moved", "2010-01-01", None, ["t1", "t2"], "a dissolution from 2010 ends it under both"),
        ("moved", "2021-01-01", None, ["t2"], "from a day after the move: today's parent only"),
        ("moves_later", "2026-01-01", None, ["t1", "t2"], "a future move's parent counts too"),
        ("back_and_forth", "2021-06-01", None, ["t1", "t2"], "each parent once, earliest first"),
        ("backfilled", "2022-06-01", "2023-01-01", ["t1"], "the end is not covered"),
        ("dissolved", "2023-06-01", None, ["t2"], "no parent once dissolved"),
        ("founded_later", "2026-01-01", None, ["t2"], "no parent before registration"),
        ("cc", "2000-01-01", None, [], "the root sits under nothing"),
    ],
)
def test_the_parents_over_a_span_are_the_orgs_whose_past_a_change_of_place_rewrites(
    org_id: str, start: str, end: str | None, expected: list[str], why: str
) -> None:
    org = union().orgs[org_id]
    assert parents_over(org, D(start), D(end) if end else None) == expected, why
