"""Helpers of the registry's domain tests: a small union's tree, built by the tree's own decisions."""

from __future__ import annotations

from datetime import date
from functools import reduce

from contracts.base import Event
from contracts.registry import Level
from registry.domain.tree import EMPTY, Tree, decide_register, evolve

D = date.fromisoformat


def apply(tree: Tree, events: list[Event]) -> Tree:
    return reduce(evolve, events, tree)


def union() -> Tree:
    """CC (1990) with territorial orgs T1, T2 (1991) and a primary P1 under T1 (1995)."""
    t = apply(EMPTY, decide_register(EMPTY, "cc", "ЦК Судпроф", Level.CENTRAL, None, D("1990-01-01")))
    t = apply(t, decide_register(t, "t1", "Северо-Западная", Level.TERRITORIAL, "cc", D("1991-01-01")))
    t = apply(t, decide_register(t, "t2", "Дальневосточная", Level.TERRITORIAL, "cc", D("1991-01-01")))
    return apply(t, decide_register(t, "p1", "ППО верфи", Level.PRIMARY, "t1", D("1995-03-01")))
