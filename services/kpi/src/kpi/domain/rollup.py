"""An org's members by the counting conventions, and roll-ups over a subtree: counts summed, ratios
weighted by members — exactly, so a roll-up just under a target stays under it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from mirrors.tree import Walks

from .facts import Addresses, OrgFacts
from .feedback import AppealTimes
from .indicators import FORMULAS, RATIOS, Figure
from .periods import Period
from .shown import Exact


@dataclass(frozen=True)
class Scope(Walks):
    """The orgs of a subtree on one day: their facts and their parents that day (its children index built once: every
    org's figures walk the subtree under it)."""

    facts: Mapping[str, OrgFacts]
    parents: Mapping[str, str | None]

    def under(self, org_id: str) -> list[str]:
        """The org and every org below it, parents before children."""
        return [o for o in self.subtree(org_id) if o in self.facts]

    def members(self, org_id: str, day: date) -> int | None:
        """A primary org's reported headcount; a territorial org's and the CC's: the sum over the primary orgs
        under them that day (None when none of them reported)."""
        primaries = [self.facts[o] for o in self.under(org_id) if self.facts[o].level == "primary"]
        reported = [m for m in (f.reported_members(day) for f in primaries) if m is not None]
        return sum(reported) if reported else None

    def addresses(self, org_id: str) -> dict[Addresses, int]:
        """The members of the org and of every org under it, by the kinds of usable address each has (each person
        is a member of one org on a day, so the counts add up)."""
        total: Counter[Addresses] = Counter()
        for o in self.under(org_id):
            total.update(self.facts[o].addresses)
        return dict(total)

    def appeals(self, org_id: str) -> list[AppealTimes]:
        """The appeals filed to the org and to every org under it (K7's measured speed, rolled up the tree)."""
        return [a for o in self.under(org_id) for a in self.facts[o].appeals]


def own_figures(scope: Scope, period: Period) -> tuple[dict[str, dict[str, Figure]], dict[str, int | None]]:
    """Every org's own K1–K9 for the period, and its members on the period's last day (the facts' `addresses` are
    of that day)."""
    members = {org: scope.members(org, period.last) for org in scope.facts}
    figures = {}
    for org, f in scope.facts.items():
        counted = replace(f, members=members[org], members_addresses=scope.addresses(org), subtree_appeals=scope.appeals(org))
        figures[org] = {k: formula(counted, period) for k, formula in FORMULAS.items()}
    return figures, members


def rollup(
    indicator: str, orgs: Iterable[str], figures: Mapping[str, Mapping[str, Figure]], members: Mapping[str, int | None]
) -> Figure:
    """Counts summed over the orgs; ratios averaged with each org's members as its weight (orgs without a value
    or without members are left out); no value when no org has one. Bounds and parts roll up alike (parts are counts)."""
    own = [(figures[o][indicator], members.get(o)) for o in orgs]
    return _rolled(own, weighted=indicator in RATIOS)


def _rolled(own: list[tuple[Figure, int | None]], weighted: bool) -> Figure:
    names = sorted({name for f, _ in own for name in f.parts})
    parts = {name: _rolled([(f.parts[name], m) for f, m in own if name in f.parts], weighted=False) for name in names}
    known = [(f.value, f.most, m or 0) for f, m in own if f.value is not None and f.most is not None and (m or not weighted)]
    if not known:
        return Figure(None, parts=parts)
    bounded = any(least != most for least, most, _ in known)
    if not weighted:
        return Figure(_total(v for v, _, _ in known), at_most=_total(v for _, v, _ in known) if bounded else None, parts=parts)
    weight = sum(m for _, _, m in known)
    least = Fraction(_total(Fraction(v) * m for v, _, m in known)) / weight
    most = Fraction(_total(Fraction(v) * m for _, v, m in known)) / weight if bounded else None
    return Figure(least, at_most=most, parts=parts)


def _total(values: Iterable[Exact]) -> Exact:
    """The exact sum, added in pairs: adding thousands of budgets' shares one by one into an ever longer fraction
    costs several times as much (the figures are in the commit that made it so)."""
    level = list(values)
    while len(level) > 1:
        level = [sum(level[i : i + 2], start=0) for i in range(0, len(level), 2)]
    return level[0] if level else 0
