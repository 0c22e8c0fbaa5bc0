"""The tree mirror's tree on a day: walking it, and which orgs' views are computed together."""

from __future__ import annotations

from datetime import date

from kit.tokens import Actor, Role
from mirrors.tree import lineage
from mirrors.treemirror import Orgs

DAY = date(2026, 1, 1)
PARENTS: dict[str, str | None] = {"cc": None, "t1": "cc", "t2": "cc", "p1": "t1", "p2": "t1", "p3": "t2", "p0": "cc"}
TREE = Orgs(DAY, PARENTS, {o: "primary" for o in PARENTS}, {o: DAY for o in PARENTS}, PARENTS)


def test_children_and_subtrees_come_from_one_index() -> None:
    assert TREE.children("cc") == ["p0", "t1", "t2"]
    assert TREE.subtree("t1") == ["t1", "p1", "p2"]
    assert TREE.subtree("cc") == ["cc", "p0", "t1", "t2", "p1", "p2", "p3"]
    assert TREE.children("p1") == [] and TREE.subtree("p1") == ["p1"]


def test_access_follows_where_orgs_stand_today_not_on_the_day_of_the_tree() -> None:
    """p1 sat under t1 on DAY and has moved under t2 since: t1's staff no longer reach it, t2's do (DESIGN.md §5)."""
    today = {**PARENTS, "p1": "t2"}
    moved = Orgs(DAY, PARENTS, TREE.levels, TREE.registered, today)
    t1, t2 = (Actor(username=o, role=Role.STAFF, org_id=o) for o in ("t1", "t2"))
    assert moved.lineage("p1") == ["p1", "t1", "cc"] and moved.reach("p1") == ["p1", "t2", "cc"]
    assert not moved.may(t1, "report_facts", "p1") and moved.may(t2, "report_facts", "p1")
    assert moved.within(t1, "read_orgs", moved.subtree("t1")) == ["t1", "p2"]
    assert moved.within(Actor(username="a", role=Role.ADMIN, org_id=None), "read_orgs", moved.subtree("t1")) == ["t1", "p1", "p2"]


def test_a_lineage_runs_to_the_root_and_stops_at_a_cycle_or_an_unknown_parent() -> None:
    assert lineage(PARENTS, "p1") == ["p1", "t1", "cc"] and lineage(PARENTS, "cc") == ["cc"]
    assert lineage({"a": "b", "b": "a"}, "a") == ["a", "b"]
    assert lineage({"a": "gone"}, "a") == ["a"] and lineage(PARENTS, "nowhere") == []
