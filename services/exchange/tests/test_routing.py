"""Routing up and down (X1–X3) without IO: every case of the rules, on one small tree."""

from __future__ import annotations

from datetime import date

import pytest
from exchange.domain.routing import Parties, Tree, cascade_targets, deliver_now, route_up

from contracts.exchange import Route
from kit.errors import Refused, RuleBroken
from mirrors.treemirror import Orgs

TREE = Tree(
    parents={"cc": None, "t1": "cc", "t2": "cc", "p1": "t1", "p2": "cc", "p3": "t1", "p4": "t2"},
    levels={
        "cc": "central",
        "t1": "territorial",
        "t2": "territorial",
        "p1": "primary",
        "p2": "primary",
        "p3": "primary",
        "p4": "primary",
    },
)
PARTIES = Parties(fnpr="fnpr", solidarnost="sol", associations={"t1": "assoc-t1"})
X2, X3, PARENT = Route.X2, Route.X3, Route.PARENT


@pytest.mark.parametrize(
    ("sender", "newsworthy", "support", "orgs", "parties"),
    [
        ("p1", True, False, {"t1": X2}, {}),
        ("p1", False, True, {"cc": X3}, {}),
        ("p1", True, True, {"t1": X2, "cc": X3}, {}),
        ("p1", False, False, {"t1": PARENT}, {}),
        ("p2", True, False, {"cc": X2}, {}),
        ("t1", True, False, {"cc": X2}, {"assoc-t1": X2}),
        ("t1", False, True, {"cc": X3}, {"assoc-t1": X3}),
        ("t2", False, True, {"cc": X3}, {}),
        ("t1", False, False, {"cc": PARENT}, {}),
        ("cc", True, False, {}, {"fnpr": X2, "sol": X2}),
        ("cc", False, True, {}, {"fnpr": X3, "sol": X3}),
    ],
)
def test_routes_up(sender: str, newsworthy: bool, support: bool, orgs: dict, parties: dict) -> None:
    assert route_up(TREE, sender, newsworthy, support, PARTIES) == (orgs, parties)


def test_a_union_may_copy_the_parent_on_needs_support() -> None:
    assert route_up(TREE, "p1", False, True, PARTIES, copy_parent_on_support=True) == ({"cc": X3, "t1": X3}, {})


def test_the_cc_sends_up_only_flagged_materials() -> None:
    with pytest.raises(RuleBroken, match="X2"):
        route_up(TREE, "cc", False, False, PARTIES)


def test_cascades_reach_the_subtree_or_the_chosen_children() -> None:
    assert cascade_targets(TREE, "cc", None) == ["p2", "t1", "t2", "p1", "p3", "p4"]
    assert cascade_targets(TREE, "cc", ["t2"]) == ["t2", "p4"]
    with pytest.raises(Refused, match="not a child"):
        cascade_targets(TREE, "cc", ["p1"])


@pytest.mark.parametrize(("sender", "to"), [("cc", None), ("cc", ["t2"]), ("cc", ["t1", "p2", "t1"]), ("t1", None), ("p1", None)])
def test_the_tree_mirror_gives_the_cascade_the_runner_delivers(sender: str, to: list[str] | None) -> None:
    orgs = Orgs(date(2024, 1, 1), dict(TREE.parents), dict(TREE.levels), {}, dict(TREE.parents))
    assert cascade_targets(orgs, sender, to) == cascade_targets(TREE, sender, to)
    with pytest.raises(Refused, match="p1 is not a child"):
        cascade_targets(orgs, "cc", ["t1", "p1"])


def test_a_holder_gets_the_cascade_and_its_subtree_waits() -> None:
    targets = cascade_targets(TREE, "cc", None)
    now, waiting = deliver_now(TREE, "cc", targets, {"t1"})
    assert (now, waiting) == (["p2", "t1", "t2", "p4"], 2)
    assert deliver_now(TREE, "t1", cascade_targets(TREE, "t1", None), {"t1"}) == (["p1", "p3"], 0), "the holder releasing"
