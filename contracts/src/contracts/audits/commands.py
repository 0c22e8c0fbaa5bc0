"""Commands and queries of the audits service (`svc.audits.<verb>`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ..base import ID_PATTERN, NOT_A_BOOL, Lines, OneLine, Payload
from ..officers import OfficerRole
from ..registry import ORG_ID, Level
from .events import AUDIT_ID, NOTE, RULE, Severity

PERIOD = Field(pattern=r"^(19|20|21)\d\d(-Q[1-4])?$", description="A year or a quarter", examples=["2026"])
# a command or query names a calendar year (1900-2199); events keep the looser pattern they were stored under
QUARTER = Field(pattern=r"^(19|20|21)\d\d-Q[1-4]$", description="A calendar quarter", examples=["2026-Q3"])
PlanItem = Annotated[OneLine, Field(min_length=1, max_length=500, examples=["Обновить стенд к 1 Мая"])]
"""One thing a plan lists: a line of readable length (a single item of 100,000 characters was taken)."""


class OnDate(Payload):
    """An org on a valid date (default today)."""

    org_id: str = ORG_ID
    as_of: date | None = Field(None, description="Valid date; defaults to today")


class AsKnown(OnDate):
    """An org on a valid date, as known on a recording date (DESIGN.md §3)."""

    known_on: date | None = Field(
        None, description="Only facts recorded by the end of this day count; defaults to all known now", examples=["2026-03-31"]
    )


class GetCompliance(AsKnown):
    """Every rule of the org's level, decided from the facts valid on `as_of` (and recorded by `known_on`)."""


class SummariseCompliance(AsKnown):
    """How many orgs of the subtree meet, breach … each rule on `as_of` (as known on `known_on`)."""


class Scheduling(Payload):
    """An audit for the yearly plan (the body of `POST /orgs/{id}/audits`)."""

    by_org_id: str | None = Field(None, description="The auditing org; defaults to the audited org's parent")
    planned_on: date = Field(description="The planned date")


class ScheduleAudit(Scheduling):
    """Put an org's audit into the auditing org's plan."""

    org_id: str = ORG_ID


class Start(Payload):
    """When the audit begins (the body of `POST /audits/{id}/start`)."""

    started_on: date | None = Field(None, description="Defaults to today")


class StartAudit(Start):
    """Begin an audit; its checklist is pre-filled from compliance on that day."""

    audit_id: str = AUDIT_ID


class Finding(Payload):
    """A finding (the body of `POST /audits/{id}/findings`)."""

    rule: str = RULE
    severity: Severity = Field(description="How much it weighs")
    note: Lines = NOTE


class RecordFinding(Finding):
    """Record a finding in an audit under way."""

    audit_id: str = AUDIT_ID


class Completion(Payload):
    """How the audit ends (the body of `POST /audits/{id}/completion`)."""

    completed_on: date | None = Field(None, description="Defaults to today")
    score: Annotated[int, Field(ge=0, le=100), NOT_A_BOOL] | None = Field(
        None, description="0–100; default: the checklist's share met, less weighted findings"
    )


class CompleteAudit(Completion):
    """End an audit under way."""

    audit_id: str = AUDIT_ID


class Remediation(Payload):
    """A remediation item (the body of `POST /audits/{id}/remediation`)."""

    action: OneLine = NOTE
    owner_role: OfficerRole = Field(description="The post responsible")
    due_on: date = Field(description="Deadline")
    finding_id: str | None = Field(None, description="The finding it answers")


class AssignRemediation(Remediation):
    """Assign an item to put right after an audit."""

    audit_id: str = AUDIT_ID


class Closing(Payload):
    """How an item was put right (the body of `POST /audits/{id}/remediation/{item}/closure`)."""

    closed_on: date | None = Field(None, description="Defaults to today")
    note: Lines | None = Field(None, max_length=2000, description="How")


class CloseRemediation(Closing):
    """Close a remediation item."""

    audit_id: str = AUDIT_ID
    item_id: str = Field(description="The item")


class GetAudit(Payload):
    """One audit with its checklist, findings and remediation."""

    audit_id: str = AUDIT_ID


class ListAudits(OnDate):
    """Audits of the org's subtree (as auditor or audited), newest first."""

    year: int | None = Field(None, ge=1900, le=2200, description="Only those planned or done in this year")
    limit: int = Field(1000, ge=1, le=10000, description="Page size")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Audit id after which the page starts")


class GetAuditPlan(OnDate):
    """The auditing org's yearly plan, its children not audited in the 365 days before `as_of`, and its primary orgs
    without a released official (T1: the help they need)."""

    year: int | None = Field(None, ge=1900, le=2200, description="Defaults to the year of `as_of`")


class ListRemediation(OnDate):
    """Remediation items of the subtree; `overdue` keeps those past their deadline on `as_of`."""

    overdue: bool = Field(False, description="Only open items past their deadline")
    limit: int = Field(1000, ge=1, le=10000, description="Page size")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Item id after which the page starts")


class PlanBody(Payload):
    """A quarter's plan (the body of `PUT /orgs/{id}/plans/{quarter}`)."""

    items: list[PlanItem] = Field(min_length=1, max_length=200, description="What is planned, an item a line")
    submitted_on: date | None = Field(None, description="Defaults to today")


class SubmitPlan(PlanBody):
    """Adopt an org's information-work plan for a quarter (P8)."""

    org_id: str = ORG_ID
    quarter: str = QUARTER


class PlanReport(Payload):
    """A report on a quarter's plan (the body of `POST /orgs/{id}/plans/{quarter}/report`)."""

    summary: Lines = NOTE
    reported_on: date | None = Field(None, description="Defaults to today")


class ReportOnPlan(PlanReport):
    """Report on an org's plan for a quarter (P8)."""

    org_id: str = ORG_ID
    quarter: str = QUARTER


class DeskReview(Payload):
    """A desk review of every structural org at once (the body of `POST /orgs/{id}/desk-reviews`, C1)."""

    due_on: date = Field(description="When every audit should be completed", examples=["2026-12-20"])
    planned_on: date | None = Field(None, description="The day the checklists are of; defaults to today, never after it")


class PlanDeskReview(DeskReview):
    """Plan the CC's yearly desk review: an audit of every territorial and primary org, started with its compliance."""

    org_id: str = ORG_ID


class DeskReviewDue(Payload):
    """A desk review's new due day (the body of `PATCH /orgs/{id}/desk-reviews/{year}`)."""

    due_on: date = Field(description="When every audit should be completed, within 365 days of the start")


class RescheduleDeskReview(DeskReviewDue):
    """Move the day the CC's desk review of a year is due by (C1)."""

    org_id: str = ORG_ID
    year: int = Field(ge=1800, le=2199, description="The year reviewed")


class GetDeskReview(Payload):
    """The progress of the CC's desk review of a year over an org's subtree: done, due and overdue audits."""

    org_id: str = ORG_ID
    year: int = Field(ge=1800, le=2199, description="The year reviewed")


class Review(Payload):
    """A review of information work by the CC's elected body (the body of `POST /orgs/{id}/reviews`, C1)."""

    body: OneLine = Field(min_length=1, max_length=300, description="The elected body", examples=["Президиум ЦК"])
    on: date | None = Field(None, description="The day of the review; defaults to today")
    decision: Lines | None = Field(None, max_length=2000, description="What it decided (a reference or summary)")


class RecordReview(Review):
    """Record the CC's yearly review of information work (C1)."""

    org_id: str = ORG_ID


class ListReviews(Payload):
    """The reviews of information work an org's elected body held, newest first."""

    org_id: str = ORG_ID


class ListPlans(Payload):
    """An org's plans and reports, newest quarter first."""

    org_id: str = ORG_ID


class ListMissingPlans(Payload):
    """Primary orgs of the subtree without a plan for the quarter (P8)."""

    org_id: str = ORG_ID
    quarter: str = QUARTER


class ListRules(Payload):
    """The rule catalogue: each rule's id, title, levels, the facts it reads, and whether it is a norm."""


class Category(StrEnum):
    """A contest's category (T2, C4)."""

    INFORMATION_WORK = "information_work"
    NOTICE_BOARDS = "notice_boards"


class RankContest(Payload):
    """A level's orgs of the subtree ranked for a period (T2, C4)."""

    org_id: str = ORG_ID
    period: str = PERIOD
    level: Level = Field(Level.PRIMARY, description="Which level's orgs compete")
    category: Category = Field(Category.INFORMATION_WORK, description="Information work, or notice boards")


VERBS: dict[str, type[Payload]] = {
    "get_compliance": GetCompliance,
    "summarise_compliance": SummariseCompliance,
    "schedule_audit": ScheduleAudit,
    "start_audit": StartAudit,
    "record_finding": RecordFinding,
    "complete_audit": CompleteAudit,
    "assign_remediation": AssignRemediation,
    "close_remediation": CloseRemediation,
    "get_audit": GetAudit,
    "list_audits": ListAudits,
    "get_audit_plan": GetAuditPlan,
    "list_remediation": ListRemediation,
    "submit_plan": SubmitPlan,
    "report_on_plan": ReportOnPlan,
    "list_plans": ListPlans,
    "list_missing_plans": ListMissingPlans,
    "rank_contest": RankContest,
    "list_rules": ListRules,
    "record_review": RecordReview,
    "plan_desk_review": PlanDeskReview,
    "reschedule_desk_review": RescheduleDeskReview,
    "get_desk_review": GetDeskReview,
    "list_reviews": ListReviews,
}
"""What `svc.audits.<verb>` accepts."""
