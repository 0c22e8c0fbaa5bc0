"""The tree mirror's tree on a day: walking it, and which orgs' views are computed together."""

from __future__ import annotations

from datetime import date

from kit.treemirror import Orgs

DAY = date(2026, 1, 1)
PARENTS: dict[str, str | None] = {"cc": None, "t1": "cc", "t2": "cc", "p1": "t1", "p2": "t1", "p3": "t2", "p0": "cc"}
TREE = Orgs(DAY, PARENTS, {o: "primary" for o in PARENTS}, {o: DAY for o in PARENTS})


def test_children_and_subtrees_come_from_one_index() -> None:
    assert TREE.children("cc") == ["p0", "t1", "t2"]
    assert TREE.subtree("t1") == ["t1", "p1", "p2"]
    assert TREE.subtree("cc") == ["cc", "p0", "t1", "t2", "p1", "p2", "p3"]
    assert TREE.children("p1") == [] and TREE.subtree("p1") == ["p1"]
