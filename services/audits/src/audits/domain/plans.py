"""P8: an org's information-work plan for each quarter and its report on it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.audits import PlanReported, PlanSubmitted
from contracts.base import Event
from kit.errors import RuleBroken

from .periods import bounds


@dataclass(frozen=True)
class Plan:
    """One org's plan for one quarter."""

    submitted_on: date | None = None
    reported_on: date | None = None


NONE = Plan()


def decide_submit(org_exists: bool, org_id: str, quarter: str, submitted_on: date, items: list[str]) -> list[Event]:
    """Adopts (or replaces) the quarter's plan of an org that exists on the day it is adopted."""
    if not org_exists:
        raise RuleBroken("P8", f"the org does not exist on {submitted_on}", field="submitted_on")
    if submitted_on > bounds(quarter)[1]:
        raise RuleBroken("P8", "a quarter's plan is adopted before the quarter ends", field="submitted_on")
    cleaned = [i.strip() for i in items if i.strip()]
    if not cleaned:
        raise RuleBroken("P8", "a plan names at least one item", field="items")
    return [PlanSubmitted(org_id=org_id, quarter=quarter, submitted_on=submitted_on, items=cleaned)]


def decide_report(plan: Plan, org_id: str, quarter: str, reported_on: date, summary: str, today: date) -> list[Event]:
    """Reports on an adopted plan, on or after the day it was adopted, not after today."""
    if reported_on > today:
        raise RuleBroken("P8", f"a report is recorded once given: {reported_on.isoformat()} is after today", field="reported_on")
    if plan.submitted_on is None:
        raise RuleBroken("P8", f"there is no plan for {quarter} to report on", field="quarter")
    if reported_on < plan.submitted_on:
        raise RuleBroken("P8", "a report cannot precede its plan", field="reported_on")
    return [PlanReported(org_id=org_id, quarter=quarter, reported_on=reported_on, summary=summary)]


def evolve(plan: Plan, event: Event) -> Plan:
    match event:
        case PlanSubmitted() as e:
            return replace(plan, submitted_on=e.submitted_on)
        case PlanReported() as e:
            return replace(plan, reported_on=e.reported_on)
    return plan
