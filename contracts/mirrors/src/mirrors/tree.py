"""Walking an org tree given as child -> parent: pure, shared by the tree mirror and the domains that roll up or route."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping


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
