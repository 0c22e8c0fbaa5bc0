"""The tree over valid time (H1), without IO: registration, renames, moves, dissolution, headcounts."""

from __future__ import annotations

import pytest
from registry_helpers import D, apply, union

from contracts.registry import Level, OrgMoved
from kit.errors import RuleBroken
from registry.domain import headcount
from registry.domain.tree import (
    decide_dissolve,
    decide_move,
    decide_register,
    decide_rename,
    decode,
    encode,
    evolve_all,
)


def test_a_second_central_committee_is_refused() -> None:
    with pytest.raises(RuleBroken, match="H1: the union has one Central Committee"):
        decide_register(union(), "cc2", "ЦК-2", Level.CENTRAL, None, D("2000-01-01"))


def test_a_central_committee_before_the_existing_one_still_overlaps_it() -> None:
    with pytest.raises(RuleBroken, match="one Central Committee"):
        decide_register(union(), "cc0", "ЦК-0", Level.CENTRAL, None, D("1980-01-01"))


@pytest.mark.parametrize(
    ("level", "parent", "message"),
    [
        (Level.TERRITORIAL, "t1", "sits under a central org"),
        (Level.PRIMARY, "p1", "sits under a central or territorial org"),
        (Level.PRIMARY, None, "needs a parent"),
        (Level.CENTRAL, "cc", "has no parent"),
    ],
)
def test_levels_sit_only_where_h1_allows(level: Level, parent: str | None, message: str) -> None:
    with pytest.raises(RuleBroken, match=message) as broken:
        decide_register(union(), "x", "x", level, parent, D("2000-01-01"))
    assert broken.value.rule == "H1"


def test_a_primary_org_may_sit_directly_under_the_cc() -> None:
    assert decide_register(union(), "p9", "ППО", Level.PRIMARY, "cc", D("2000-01-01"))


def test_an_org_cannot_be_registered_before_its_parent_existed() -> None:
    with pytest.raises(RuleBroken, match="parent does not exist"):
        decide_register(union(), "p2", "ППО", Level.PRIMARY, "t1", D("1990-06-01"))


def test_a_backdated_registration_is_seen_from_its_date_only() -> None:
    t = union()
    p1 = t.orgs["p1"]
    assert not p1.exists_on(D("1995-02-28")) and p1.exists_on(D("1995-03-01"))
    assert t.lineage("p1", D("2020-01-01")) == ["p1", "t1", "cc"]


def test_a_retroactive_move_changes_the_parent_from_its_date_until_the_next_move() -> None:
    t = apply(union(), decide_move(union(), "p1", "t2", D("2010-01-01")))
    t = apply(t, decide_move(t, "p1", "cc", D("2020-01-01")))
    t = apply(t, decide_move(t, "p1", "t1", D("2015-06-01")))  # recorded last, effective in between
    assert [t.orgs["p1"].parent_on(D(d)) for d in ("2009-12-31", "2012-01-01", "2016-01-01", "2021-01-01")] == [
        "t1",
        "t2",
        "t1",
        "cc",
    ]


def test_of_two_moves_effective_the_same_day_the_later_recorded_wins() -> None:
    t = apply(union(), decide_move(union(), "p1", "t2", D("2010-01-01")))
    t = apply(t, decide_move(t, "p1", "cc", D("2010-01-01")))
    assert t.orgs["p1"].parent_on(D("2010-01-01")) == "cc"


def test_a_move_records_the_parent_it_replaces() -> None:
    (moved,) = decide_move(union(), "p1", "t2", D("2010-01-01"))
    assert isinstance(moved, OrgMoved) and moved.previous_parent_id == "t1"


def test_a_move_to_the_same_parent_records_nothing() -> None:
    assert decide_move(union(), "p1", "t1", D("2010-01-01")) == []


def test_an_org_cannot_sit_under_itself_or_below_itself() -> None:
    with pytest.raises(RuleBroken, match="H1"):
        decide_move(union(), "t1", "t1", D("2010-01-01"))
    with pytest.raises(RuleBroken, match="H1"):
        decide_move(union(), "t1", "p1", D("2010-01-01"))


def test_a_move_under_a_parent_dissolved_before_the_next_move_is_refused() -> None:
    t = union()
    t = apply(t, decide_register(t, "t3", "Временная", Level.TERRITORIAL, "cc", D("2000-01-01")))
    t = apply(t, decide_dissolve(t, "t3", D("2012-01-01"), "merged"))
    with pytest.raises(RuleBroken, match="parent does not exist"):
        decide_move(t, "p1", "t3", D("2010-01-01"))
    t = apply(t, decide_move(t, "p1", "t2", D("2011-01-01")))
    assert decide_move(t, "p1", "t3", D("2010-01-01")), "fine when another move ends the stay before the dissolution"


def test_an_org_with_orgs_under_it_cannot_be_dissolved() -> None:
    with pytest.raises(RuleBroken, match="still sit under it"):
        decide_dissolve(union(), "t1", D("2020-01-01"), "reorganised")


def test_an_org_whose_children_moved_away_before_the_date_can_be_dissolved() -> None:
    t = apply(union(), decide_move(union(), "p1", "t2", D("2019-01-01")))
    t = apply(t, decide_dissolve(t, "t1", D("2020-01-01"), "reorganised"))
    assert t.orgs["t1"].exists_on(D("2019-12-31")) and not t.orgs["t1"].exists_on(D("2020-01-01"))


def test_a_rename_takes_effect_from_its_date() -> None:
    t = apply(union(), decide_rename(union(), "p1", "ППО АО «Верфь»", D("2024-01-01")))
    assert t.orgs["p1"].name_on(D("2023-12-31")) == "ППО верфи" and t.orgs["p1"].name_on(D("2024-01-01")) == "ППО АО «Верфь»"


def test_an_org_is_changed_only_on_days_it_exists() -> None:
    with pytest.raises(RuleBroken, match="no such org on 1994"):
        decide_rename(union(), "p1", "x", D("1994-01-01"))


def test_only_a_primary_org_reports_a_headcount() -> None:
    assert headcount.decide_report(union(), "p1", 553, D("2020-01-01"))
    with pytest.raises(RuleBroken) as broken:
        headcount.decide_report(union(), "t1", 553, D("2020-01-01"))
    assert broken.value.rule == "counting"
    with pytest.raises(RuleBroken, match="no such org"):
        headcount.decide_report(union(), "p1", 10, D("1994-12-31"))


def test_a_snapshot_restores_the_same_tree() -> None:
    t = apply(union(), decide_move(union(), "p1", "t2", D("2010-01-01")))
    assert decode(encode(t)) == t


def test_folding_events_at_once_is_folding_them_one_by_one_and_leaves_the_tree_before_alone() -> None:
    before = union()
    events = [
        *decide_register(before, "p2", "ППО завода", Level.PRIMARY, "t2", D("1996-01-01")),
        *decide_rename(before, "p1", "ППО верфи им. Петра", D("2001-01-01")),
        *decide_move(before, "p1", "t2", D("2010-01-01")),
    ]
    moved = apply(before, events)
    events += decide_dissolve(moved, "t1", D("2020-01-01"), "merged into a neighbour")  # nothing sits under it now
    at_once = evolve_all(before, events)
    assert at_once == apply(before, events) and at_once.seq == before.seq + len(events)
    assert before == union() and "p2" not in before.orgs, "the tree before is not changed"
