"""Facts an org reports about itself besides its headcount: yearly budgets (M1, K2) and the information
clauses of its collective agreement (S1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .base import Event, Payload
from .registry import ORG_ID, AsOf

YEAR = Field(ge=1900, le=2200, description="Calendar year", examples=[2026])
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), max_digits=17, decimal_places=2)]


class Clause(IntEnum):
    """The eight information obligations a collective agreement may carry (S1), by their number there."""

    INFORMING_OF_DECISIONS = 1
    EXPLANATORY_WORK = 2
    LABOUR_LAW_CHANGES = 3
    ECONOMIC_SITUATION = 4
    PRESS_SPACE = 5
    JOINT_CAMPAIGNS = 6
    CORPORATE_MEDIA_OPEN = 7
    UNION_LESSONS = 8


class BudgetAdopted(Event, context="registry", aggregate="budget", name="adopted"):
    """An org's budget for a year and its information spending (M1, K2); a later adoption restates it."""

    org_id: str = ORG_ID
    year: int = YEAR
    total: Decimal = Field(description="The year's total budget, roubles", examples=["1250000.00"])
    information: Decimal = Field(description="Of which information work, roubles", examples=["75000.00"])


class AgreementClausesRecorded(Event, context="registry", aggregate="agreement", name="clauses_recorded"):
    """Which of the eight information clauses (S1) an org's collective agreement holds, from `effective_on`."""

    org_id: str = ORG_ID
    clauses: list[Clause] = Field(description="Clause numbers of RULES.md S1, ascending", examples=[[1, 3, 7]])
    effective_on: date = Field(description="Valid date the agreement holds them from", examples=["2025-01-01"])


class Budget(Payload):
    """A year's budget (the body of `PUT /orgs/{id}/budgets/{year}`); money as decimal strings."""

    total: Money = Field(description="The year's total budget", examples=["1250000.00"])
    information: Money = Field(description="Of which information work (M1: as a rule at least 5 %)", examples=["75000.00"])

    @field_validator("information")
    @classmethod
    def _within_total(cls, information: Decimal, info: ValidationInfo) -> Decimal:
        total = info.data.get("total")
        if total is not None and information > total:
            raise PydanticCustomError("M1", "information spending cannot exceed the total budget")
        return information


class AdoptBudget(Budget):
    """Record an org's budget for a year."""

    org_id: str = ORG_ID
    year: int = YEAR


class GetBudget(Payload):
    """An org's budget for a year, as known on a date."""

    org_id: str = ORG_ID
    year: int = YEAR
    known_on: date | None = Field(None, description="Only what was recorded by the end of this day")


class ListBudgets(AsOf):
    """An org's budgets for the years up to `as_of`'s."""

    org_id: str = ORG_ID


class AgreementClauses(Payload):
    """The clauses an org's agreement holds (the body of `PUT /orgs/{id}/agreement-clauses`)."""

    clauses: list[Clause] = Field(max_length=8, description="Clause numbers of RULES.md S1", examples=[[1, 3, 7]])
    effective_on: date | None = Field(None, description="Defaults to today")


class RecordClauses(AgreementClauses):
    """Record the information clauses of an org's collective agreement."""

    org_id: str = ORG_ID


class GetClauses(AsOf):
    """An org's agreement clauses on `as_of`."""

    org_id: str = ORG_ID


class ListHeadcounts(AsOf):
    """A primary org's reported headcounts up to `as_of`, oldest first."""

    org_id: str = ORG_ID


VERBS: dict[str, type[Payload]] = {
    "adopt_budget": AdoptBudget,
    "get_budget": GetBudget,
    "list_budgets": ListBudgets,
    "record_clauses": RecordClauses,
    "get_clauses": GetClauses,
    "list_headcounts": ListHeadcounts,
}
"""What `svc.registry.<verb>` accepts about budgets, clauses and headcount history."""
