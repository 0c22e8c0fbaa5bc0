"""Walking an org tree given as child -> parent: pure, shared by the tree mirror and the domains that roll up."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping


def subtree(parents: Mapping[str, str | None], root: str) -> list[str]:
    """The root and every org under it, parents before children (children in id order)."""
    below: dict[str, list[str]] = {}
    for child, parent in sorted(parents.items()):
        if parent is not None:
            below.setdefault(parent, []).append(child)
    found, queue = [], deque([root])
    while queue:
        current = queue.popleft()
        found.append(current)
        queue.extend(below.get(current, []))
    return found
