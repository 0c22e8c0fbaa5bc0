"""Youth councils (H1), yearly budgets (M1, K2) and collective-agreement clauses (S1): facts an org records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.base import Event
from contracts.officers import YouthCouncilDisbanded, YouthCouncilFormed
from contracts.org_facts import AgreementClausesRecorded, BudgetAdopted, Clause
from kit.errors import RuleBroken, invalid

from .tree import Tree


@dataclass(frozen=True)
class Council:
    """A youth council's life; `council_id` is empty until formed."""

    council_id: str = ""
    org_id: str = ""
    formed_on: date | None = None
    disbanded_on: date | None = None

    def exists_on(self, day: date) -> bool:
        return self.formed_on is not None and self.formed_on <= day and (self.disbanded_on is None or day < self.disbanded_on)


NO_COUNCIL = Council()


def decide_form(tree: Tree, council_id: str, org_id: str, name: str, formed_on: date) -> list[Event]:
    """H1: a youth council attaches to the CC or to any structural org existing that day."""
    tree.existing(org_id, formed_on, "org_id")
    return [YouthCouncilFormed(council_id=council_id, org_id=org_id, name=name, formed_on=formed_on)]


def decide_disband(council: Council, effective_on: date, reason: str) -> list[Event]:
    """Ends a youth council from `effective_on`."""
    if not council.council_id:
        raise invalid("council_id", "no such youth council", rule="exists")
    if council.disbanded_on is not None:
        raise invalid("council_id", f"already disbanded on {council.disbanded_on.isoformat()}", rule="changed")
    if council.formed_on is not None and effective_on <= council.formed_on:
        raise invalid("effective_on", "must be after the council was formed", rule="after_formed")
    return [YouthCouncilDisbanded(council_id=council.council_id, org_id=council.org_id, effective_on=effective_on, reason=reason)]


def check_post_in_council(council: Council, org_id: str, day: date) -> None:
    """A youth council's officer is appointed in the org the council is attached to, while it exists."""
    if not council.council_id or council.org_id != org_id:
        raise invalid("council_id", "no such youth council in this org", rule="exists")
    if not council.exists_on(day):
        raise RuleBroken("H1", f"the youth council does not exist on {day.isoformat()}", field="council_id")


def evolve_council(council: Council, event: Event) -> Council:
    match event:
        case YouthCouncilFormed():
            return Council(event.council_id, event.org_id, event.formed_on)
        case YouthCouncilDisbanded():
            return Council(council.council_id, council.org_id, council.formed_on, event.effective_on)
    return council


def decide_budget(tree: Tree, org_id: str, year: int, total: Decimal, information: Decimal) -> list[Event]:
    """M1: a budget for a year in which the org exists on at least one day."""
    org = tree.get(org_id)
    first, last = date(year, 1, 1), date(year, 12, 31)
    if org is None or org.registered_on > last or (org.dissolved_on is not None and org.dissolved_on <= first):
        raise RuleBroken("H1", f"the org does not exist in {year}", field="year")
    if information > total:
        raise invalid("information", "information spending cannot exceed the total budget", rule="M1")
    return [BudgetAdopted(org_id=org_id, year=year, total=total, information=information)]


def decide_clauses(tree: Tree, org_id: str, clauses: list[Clause], effective_on: date) -> list[Event]:
    """S1: which of the eight clauses an org's agreement holds from a date."""
    tree.existing(org_id, effective_on, "org_id")
    if len(set(clauses)) != len(clauses):
        raise invalid("clauses", "each clause is named once", rule="S1")
    return [AgreementClausesRecorded(org_id=org_id, clauses=sorted(clauses), effective_on=effective_on)]
