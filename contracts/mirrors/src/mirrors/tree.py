"""Walking an org tree given as child -> parent: pure, shared by the tree mirror and the domains that roll up or route."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from functools import cached_property


def children_index(parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Each org's children, in id order (orgs without children are left out)."""
    below: dict[str, list[str]] = {}
    for child, parent in sorted(parents.items()):
        if parent is not None:
            below.setdefault(parent, []).append(child)
    return below


def walk(below: Mapping[str, list[str]], root: str) -> list[str]:
    """The root and every org under it in a children index, parents before children."""
    found, queue = [], deque([root])
    while queue:
        current = queue.popleft()
        found.append(current)
        queue.extend(below.get(current, []))
    return found


def subtree(parents: Mapping[str, str | None], root: str) -> list[str]:
    """The root and every org under it, parents before children (children in id order)."""
    return walk(children_index(parents), root)


def lineage(parents: Mapping[str, str | None], org_id: str) -> list[str]:
    """The org and its ancestors, nearest first (a cycle ends the walk)."""
    chain: list[str] = []
    current: str | None = org_id
    while current is not None and current in parents and current not in chain:
        chain.append(current)
        current = parents[current]
    return chain


class Walks:
    """The walks of a tree of one day, for a (frozen) dataclass that holds it as `parents`: its children index is built
    once, as one tree serves many walks."""

    parents: Mapping[str, str | None]

    @cached_property
    def index(self) -> dict[str, list[str]]:
        """Each org's children that day, in id order."""
        return children_index(self.parents)

    def children(self, org_id: str) -> list[str]:
        return list(self.index.get(org_id, ()))

    def subtree(self, org_id: str) -> list[str]:
        """The org and every org under it that day, parents before children."""
        return walk(self.index, org_id)

    def lineage(self, org_id: str) -> list[str]:
        """The org and its ancestors that day, nearest first."""
        return lineage(self.parents, org_id)
