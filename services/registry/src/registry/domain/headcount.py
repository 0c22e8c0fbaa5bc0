"""Reported membership (RULES.md counting conventions): only a primary org reports a headcount; the
members of a territorial org and of the CC are the sum over the primary orgs under them on the day asked."""

from __future__ import annotations

from datetime import date

from contracts.base import Event
from contracts.registry import HeadcountReported, Level
from kit.errors import RuleBroken

from .tree import Tree


def decide_report(tree: Tree, org_id: str, members: int, as_of: date) -> list[Event]:
    """Records a primary org's headcount as of a day on which it exists."""
    org = tree.existing(org_id, as_of, "org_id")
    if org.level is not Level.PRIMARY:
        raise RuleBroken(
            "counting", "only a primary org reports its headcount; a territorial org's and the CC's are summed", field="org_id"
        )
    return [HeadcountReported(org_id=org_id, members=members, as_of=as_of)]
