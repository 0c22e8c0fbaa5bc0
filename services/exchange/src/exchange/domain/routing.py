"""Where a material goes (RULES.md X1–X3), computed from the tree on the day of sending.

Up (X2, X3): newsworthy from a primary org → its parent; needs-support from a primary org → the CC directly
(a union may also copy the parent); from a territorial org → the CC and its territorial association; from
the CC → FNPR and Solidarnost. Both flags: both routes; neither: the parent. Down (X1): the whole subtree or
chosen children's subtrees, each org its own delivery; an org on the way that holds for review receives it
and its part of the subtree waits until it releases.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import takewhile

from contracts.exchange import Route
from kit.errors import RuleBroken, invalid
from mirrors.tree import Walks


@dataclass(frozen=True)
class Tree(Walks):
    """The tree on one day: each org's parent and level."""

    parents: Mapping[str, str | None]
    levels: Mapping[str, str]

    def central(self) -> str | None:
        return next((o for o, level in self.levels.items() if level == "central"), None)

    def below(self, org_id: str) -> list[str]:
        """Every org under `org_id` (not itself), parents before children."""
        return self.subtree(org_id)[1:]

    def path_down(self, top: str, org_id: str) -> list[str]:
        """The orgs strictly between `top` and `org_id`, from the top down."""
        return list(takewhile(lambda o: o != top, self.lineage(org_id)[1:]))[::-1]


@dataclass(frozen=True)
class Parties:
    """The outside parties routing needs: FNPR, Solidarnost, and each territorial org's association."""

    fnpr: str | None = None
    solidarnost: str | None = None
    associations: Mapping[str, str] | None = None


def route_up(
    tree: Tree, sender: str, newsworthy: bool, needs_support: bool, parties: Parties, copy_parent_on_support: bool = False
) -> tuple[dict[str, Route], dict[str, Route]]:
    """Recipient orgs and outside parties of a material sent up from `sender`, each with its rule."""
    level, parent = tree.levels.get(sender), tree.parents.get(sender)
    if level is None:
        raise RuleBroken("H1", "the sending org does not exist that day", field="org_id")
    orgs: dict[str, Route] = {}
    outside: dict[str, Route] = {}
    flagged = Route.X3 if needs_support else Route.X2
    if level == "central":
        if not (newsworthy or needs_support):
            raise RuleBroken(
                "X2", "the CC sends up only newsworthy or needs-support materials (to FNPR and Solidarnost)", field="material_id"
            )
        outside.update({p: flagged for p in (parties.fnpr, parties.solidarnost) if p})
    elif level == "territorial":
        cc = tree.central()
        if newsworthy or needs_support:
            association = (parties.associations or {}).get(sender)
            outside.update({association: flagged} if association else {})
            orgs.update({cc: flagged} if cc else {})
        elif parent:
            orgs[parent] = Route.PARENT
    else:
        if newsworthy and parent:
            orgs[parent] = Route.X2
        if needs_support:
            cc = tree.central()
            if cc:
                orgs[cc] = Route.X3
            if copy_parent_on_support and parent:
                orgs.setdefault(parent, Route.X3)
        if not (newsworthy or needs_support) and parent:
            orgs[parent] = Route.PARENT
    return orgs, outside


def cascade_targets(tree: Walks, sender: str, to: Collection[str] | None) -> list[str]:
    """X1: every org under the sender, or under (and including) the chosen children (any tree of one day)."""
    if to is None:
        return tree.subtree(sender)[1:]
    children = tree.children(sender)
    for child in to:
        if child not in children:
            raise invalid("to", f"{child} is not a child of the sending org that day", rule="X1")
    return chosen_subtrees(tree, to)


def chosen_subtrees(tree: Walks, children: Collection[str]) -> list[str]:
    """The chosen children and every org under them, each subtree once, in the children's id order."""
    return [org for child in sorted(set(children)) for org in tree.subtree(child)]


def deliver_now(tree: Tree, sender: str, targets: list[str], holders: Collection[str]) -> tuple[list[str], int]:
    """The targets that get a cascade now, and how many wait behind an org holding it for review."""
    now = [t for t in targets if not any(h in holders for h in tree.path_down(sender, t))]
    return now, len(targets) - len(now)
