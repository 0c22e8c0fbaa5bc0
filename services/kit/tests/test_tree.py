"""The tree mirror's tree on a day: walking it, and which orgs' views are computed together."""

from __future__ import annotations

from datetime import date

from kit.treemirror import Batch, Orgs

DAY = date(2026, 1, 1)
PARENTS: dict[str, str | None] = {"cc": None, "t1": "cc", "t2": "cc", "p1": "t1", "p2": "t1", "p3": "t2", "p0": "cc"}
TREE = Orgs(DAY, PARENTS, {o: "primary" for o in PARENTS}, {o: DAY for o in PARENTS})


def test_children_and_subtrees_come_from_one_index() -> None:
    assert TREE.children("cc") == ["p0", "t1", "t2"]
    assert TREE.subtree("t1") == ["t1", "p1", "p2"]
    assert TREE.subtree("cc") == ["cc", "p0", "t1", "t2", "p1", "p2", "p3"]
    assert TREE.children("p1") == [] and TREE.subtree("p1") == ["p1"]


def test_childless_siblings_go_together_under_their_parent() -> None:
    assert TREE.batch("p2") == Batch("t1", ("p1", "p2"))
    assert TREE.batch("p3") == Batch("t2", ("p3",))


def test_an_org_with_children_or_with_siblings_that_have_children_goes_alone() -> None:
    assert TREE.batch("t1") == Batch("t1", ("t1",))
    assert TREE.batch("p0") == Batch("p0", ("p0",)), "its parent's subtree is the whole tree"
    assert TREE.batch("cc") == Batch("cc", ("cc",))


def test_an_org_asked_not_to_go_together_goes_alone() -> None:
    assert TREE.batch("p2", together=False) == Batch("p2", ("p2",))
