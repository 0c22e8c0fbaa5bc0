"""The audits service's public events: yearly audits of orgs' information work (C1, T1) with findings and
remediation, and the quarterly information-work plans and reports (P8)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from ..base import Event, Payload
from ..officers import OfficerRole
from ..registry import ORG_ID

AUDIT_ID = Field(description="Opaque id of the audit", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a50"])
BY_ORG_ID = Field(description="The auditing org: the CC (C1) or the audited org's territorial org (T1)")
RULE = Field(pattern=r"^[A-Z][0-9]+(/[A-Z][0-9]+)?$", description="A rule id of RULES.md", examples=["P4"])
QUARTER = Field(pattern=r"^\d{4}-Q[1-4]$", description="A calendar quarter", examples=["2026-Q3"])
NOTE = Field(min_length=1, max_length=2000, description="Free text for the record; never personal data")


class Status(StrEnum):
    """A rule's verdict for one org on one date."""

    MET = "met"
    BREACHED = "breached"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """How much a finding weighs."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class ChecklistItem(Payload):
    """One rule's verdict as the audit found it pre-filled (compliance as of the audit's start)."""

    rule: str = RULE
    status: Status = Field(description="The computed verdict")
    detail: str = Field(description="Why, in English, with the figures")
    detail_ru: str = Field(description="Why, in Russian, with the figures")


class AuditScheduled(Event, context="audits", aggregate="audit", name="scheduled", subject_field="audit_id"):
    """An org's audit by its parent or by the CC was put into the yearly plan for `planned_on`."""

    audit_id: str = AUDIT_ID
    org_id: str = ORG_ID
    by_org_id: str = BY_ORG_ID
    planned_on: date = Field(description="The planned date", examples=["2026-10-15"])
    desk_review_id: str | None = Field(None, description="The CC's desk review of the whole union it belongs to, if any")


class DeskReviewPlanned(
    Event, context="audits", aggregate="desk_review", name="planned", subject_field="desk_review_id", org_field="by_org_id"
):
    """The CC planned its yearly desk review of every structural org at once (C1): each got an audit started on
    `planned_on` with its compliance of that day as the checklist, to be completed by `due_on`."""

    desk_review_id: str = Field(description="Opaque id of the desk review")
    by_org_id: str = Field(description="The CC")
    year: int = Field(ge=1800, le=2199, description="The year it reviews", examples=[2026])
    planned_on: date = Field(description="The day the checklists are of")
    due_on: date = Field(description="When every audit should be completed")
    orgs: int = Field(ge=0, description="How many structural orgs it covers")


class DeskReviewRescheduled(
    Event,
    context="audits",
    aggregate="desk_review",
    name="rescheduled",
    subject_field="desk_review_id",
    org_field="by_org_id",
):
    """The CC moved the day its desk review's audits are due by (C1)."""

    desk_review_id: str = Field(description="Opaque id of the desk review")
    by_org_id: str = Field(description="The CC")
    year: int = Field(ge=1800, le=2199, description="The year it reviews", examples=[2026])
    due_on: date = Field(description="The new due day")


class AuditStarted(Event, context="audits", aggregate="audit", name="started", subject_field="audit_id"):
    """The audit began on `started_on` with a checklist pre-filled from compliance on that date."""

    audit_id: str = AUDIT_ID
    org_id: str = ORG_ID
    by_org_id: str = BY_ORG_ID
    started_on: date = Field(description="The audit date")
    checklist: list[ChecklistItem] = Field(description="Every rule of the org's level, as computed then")


class FindingRecorded(Event, context="audits", aggregate="audit", name="finding_recorded", subject_field="audit_id"):
    """The auditor recorded a finding against a rule, with its weight and evidence."""

    audit_id: str = AUDIT_ID
    finding_id: str = Field(description="Opaque id of the finding")
    org_id: str = ORG_ID
    rule: str = RULE
    severity: Severity = Field(description="How much it weighs")
    note: str = NOTE


class AuditCompleted(Event, context="audits", aggregate="audit", name="completed", subject_field="audit_id"):
    """The audit ended on `completed_on` with a score; the audited org counts as checked that day (C1, T1)."""

    audit_id: str = AUDIT_ID
    org_id: str = ORG_ID
    by_org_id: str = BY_ORG_ID
    completed_on: date = Field(description="The day the audit ended")
    score: int = Field(ge=0, le=100, description="0–100")


class RemediationAssigned(Event, context="audits", aggregate="audit", name="remediation_assigned", subject_field="audit_id"):
    """An item to put right, with the post that owns it and a deadline."""

    audit_id: str = AUDIT_ID
    item_id: str = Field(description="Opaque id of the remediation item")
    org_id: str = Field(description="The org that must act")
    finding_id: str | None = Field(None, description="The finding it answers, if any")
    action: str = NOTE
    owner_role: OfficerRole = Field(description="The post responsible (a role, never a name)")
    due_on: date = Field(description="Deadline")


class RemediationClosed(Event, context="audits", aggregate="audit", name="remediation_closed", subject_field="audit_id"):
    """A remediation item was put right on `closed_on`."""

    audit_id: str = AUDIT_ID
    item_id: str = Field(description="The item")
    org_id: str = Field(description="The org that acted")
    closed_on: date = Field(description="When")
    note: str | None = Field(None, max_length=2000, description="How")


class InformationWorkReviewed(Event, context="audits", aggregate="review", name="held", subject_field="review_id"):
    """The CC's elected body reviewed the union's information work on `on` (C1, first half)."""

    review_id: str = Field(description="Opaque id of the review")
    org_id: str = Field(description="The org whose elected body held it (the CC)")
    on: date = Field(description="The day of the review", examples=["2026-03-12"])
    body: str = Field(min_length=1, max_length=300, description="The elected body", examples=["Президиум ЦК"])
    decision: str | None = Field(None, max_length=2000, description="What it decided (a reference or summary)")


class PlanSubmitted(Event, context="audits", aggregate="plan", name="submitted"):
    """An org's information-work plan for a quarter (P8); a later one for the same quarter replaces it."""

    org_id: str = ORG_ID
    quarter: str = QUARTER
    submitted_on: date = Field(description="When it was adopted")
    items: list[str] = Field(description="What is planned")


class PlanReported(Event, context="audits", aggregate="plan", name="reported"):
    """An org reported on its quarter's plan (P8), subscriptions included."""

    org_id: str = ORG_ID
    quarter: str = QUARTER
    reported_on: date = Field(description="When the report was given")
    summary: str = NOTE
