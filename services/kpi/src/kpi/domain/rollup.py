"""An org's members by the counting conventions, and roll-ups over a subtree: counts summed, ratios
weighted by members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from kit.tree import subtree

from .facts import OrgFacts
from .indicators import FORMULAS, RATIOS, Figure, Value, fraction
from .periods import Period


@dataclass(frozen=True)
class Scope:
    """The orgs of a subtree on one day: their facts and their parents that day."""

    facts: Mapping[str, OrgFacts]
    parents: Mapping[str, str | None]

    def under(self, org_id: str) -> list[str]:
        """The org and every org below it, parents before children."""
        return [o for o in subtree(self.parents, org_id) if o in self.facts]

    def members(self, org_id: str, day: date) -> int | None:
        """A primary org's reported headcount; a territorial org's and the CC's: the sum over the primary orgs
        under them that day (None when none of them reported)."""
        primaries = [self.facts[o] for o in self.under(org_id) if self.facts[o].level == "primary"]
        reported = [m for m in (f.reported_members(day) for f in primaries) if m is not None]
        return sum(reported) if reported else None


def own_figures(scope: Scope, period: Period) -> tuple[dict[str, dict[str, Figure]], dict[str, int | None]]:
    """Every org's own K1–K9 for the period, and its members on the period's last day."""
    members = {org: scope.members(org, period.last) for org in scope.facts}
    figures = {}
    for org, f in scope.facts.items():
        counted = replace(f, members=members[org])
        figures[org] = {k: formula(counted, period) for k, formula in FORMULAS.items()}
    return figures, members


def rollup(
    indicator: str, orgs: Iterable[str], figures: Mapping[str, Mapping[str, Figure]], members: Mapping[str, int | None]
) -> Value:
    """Counts summed over the orgs; ratios averaged with each org's members as its weight (orgs without a value
    or without members are left out); None when no org has a value."""
    values = [(figures[o][indicator].value, members.get(o)) for o in orgs]
    known = [(v, m) for v, m in values if v is not None]
    if not known:
        return None
    if indicator not in RATIOS:
        return sum(known_value for known_value, _ in known)
    weighted = [(float(v), m) for v, m in known if m]
    weight = sum(m for _, m in weighted)
    if not weight:
        return None
    return fraction(sum(v * m for v, m in weighted) / weight)
