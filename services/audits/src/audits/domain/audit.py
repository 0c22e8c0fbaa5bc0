"""An audit's life (C1, T1): scheduled → started (checklist) → findings → completed; remediation items."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.audits import (
    AuditCompleted,
    AuditScheduled,
    AuditStarted,
    ChecklistItem,
    FindingRecorded,
    RemediationAssigned,
    RemediationClosed,
    Severity,
    Status,
)
from contracts.base import Event
from contracts.officers import OfficerRole
from kit.errors import RuleBroken

from .catalogue import BY_ID

PENALTY = {Severity.MINOR: 0, Severity.MAJOR: 5, Severity.CRITICAL: 15}
"""Points a finding takes off the default score; minor findings are noted, not scored."""


@dataclass(frozen=True)
class Audit:
    """What decisions about one audit need."""

    audit_id: str = ""
    org_id: str = ""
    by_org_id: str = ""
    planned_on: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    checklist: tuple[ChecklistItem, ...] = ()
    findings: tuple[tuple[str, Severity], ...] = ()
    open_items: frozenset[str] = frozenset()
    closed_items: frozenset[str] = frozenset()


NONE = Audit()


def decide_schedule(audit_id: str, org_id: str, by_org_id: str, planned_on: date, may_audit: bool) -> list[Event]:
    """C1, T1: the CC audits any structural org, a territorial org its primary orgs."""
    if not may_audit:
        raise RuleBroken("T1", "an org is audited by its parent or by the CC", field="by_org_id")
    return [AuditScheduled(audit_id=audit_id, org_id=org_id, by_org_id=by_org_id, planned_on=planned_on)]


def _happened(on: date, today: date, field: str) -> None:
    """An audit's start, end or a closed item is recorded once it happened: never dated after today."""
    if on > today:
        raise RuleBroken("C1", f"recorded once it happened: {on.isoformat()} is after today", field=field)


def decide_start(audit: Audit, started_on: date, checklist: list[ChecklistItem], today: date) -> list[Event]:
    """Starts a scheduled audit with the compliance of that day as its checklist."""
    _happened(started_on, today, "started_on")
    if audit.started_on is not None:
        raise RuleBroken("C1", "the audit has already started", field="audit_id")
    return [
        AuditStarted(
            audit_id=audit.audit_id, org_id=audit.org_id, by_org_id=audit.by_org_id, started_on=started_on, checklist=checklist
        )
    ]


def _under_way(audit: Audit) -> None:
    if audit.started_on is None:
        raise RuleBroken("C1", "the audit has not started", field="audit_id")
    if audit.completed_on is not None:
        raise RuleBroken("C1", "the audit is completed", field="audit_id")


def decide_finding(audit: Audit, finding_id: str, rule: str, severity: Severity, note: str) -> list[Event]:
    """Records a finding against a rule of the catalogue in an audit under way."""
    _under_way(audit)
    if rule not in BY_ID:
        raise RuleBroken("C1", f"{rule} is not a rule the catalogue holds", field="rule")
    return [
        FindingRecorded(
            audit_id=audit.audit_id, finding_id=finding_id, org_id=audit.org_id, rule=rule, severity=severity, note=note
        )
    ]


def default_score(audit: Audit) -> int:
    """The checklist's share of decided rules met, less points for major and critical findings."""
    decided = [i for i in audit.checklist if i.status in (Status.MET, Status.BREACHED)]
    share = 100 * sum(i.status is Status.MET for i in decided) // len(decided) if decided else 100
    return max(0, share - sum(PENALTY[severity] for _, severity in audit.findings))


def decide_complete(audit: Audit, completed_on: date, score: int | None, today: date, org_exists: bool = True) -> list[Event]:
    """Completes an audit under way, on or after its start, not after today, on a day the audited org exists."""
    _under_way(audit)
    _happened(completed_on, today, "completed_on")
    if not org_exists:
        raise RuleBroken("C1", f"the audited org does not exist on {completed_on.isoformat()}", field="completed_on")
    assert audit.started_on is not None
    if completed_on < audit.started_on:
        raise RuleBroken("C1", "an audit cannot end before it started", field="completed_on")
    return [
        AuditCompleted(
            audit_id=audit.audit_id,
            org_id=audit.org_id,
            by_org_id=audit.by_org_id,
            completed_on=completed_on,
            score=default_score(audit) if score is None else score,
        )
    ]


def decide_remediation(
    audit: Audit, item_id: str, action: str, owner_role: OfficerRole, due_on: date, finding_id: str | None
) -> list[Event]:
    """Assigns an item to put right, once the audit has started, due after its start."""
    if audit.started_on is None:
        raise RuleBroken("C1", "the audit has not started", field="audit_id")
    if due_on < audit.started_on:
        raise RuleBroken("C1", "a deadline cannot precede the audit", field="due_on")
    if finding_id is not None and finding_id not in {f for f, _ in audit.findings}:
        raise RuleBroken("C1", "no such finding in this audit", field="finding_id")
    return [
        RemediationAssigned(
            audit_id=audit.audit_id,
            item_id=item_id,
            org_id=audit.org_id,
            finding_id=finding_id,
            action=action,
            owner_role=owner_role,
            due_on=due_on,
        )
    ]


def decide_close(audit: Audit, item_id: str, closed_on: date, note: str | None, today: date) -> list[Event]:
    """Closes an open remediation item, not after today and not before its audit began (no item is made before)."""
    _happened(closed_on, today, "closed_on")
    if item_id in audit.closed_items:
        raise RuleBroken("C1", "the item is already closed", field="item_id")
    if item_id not in audit.open_items:
        raise RuleBroken("C1", "no such remediation item in this audit", field="item_id")
    # the item's own recording day is not the bound: an audit recorded late may have items put right before that
    if audit.started_on is not None and closed_on < audit.started_on:
        message = f"an item is closed once its audit began ({audit.started_on.isoformat()}): {closed_on.isoformat()} is before"
        raise RuleBroken("C1", message, field="closed_on")
    return [RemediationClosed(audit_id=audit.audit_id, item_id=item_id, org_id=audit.org_id, closed_on=closed_on, note=note)]


def evolve(audit: Audit, event: Event) -> Audit:
    """The audit after one more of its events."""
    match event:
        case AuditScheduled() as e:
            return Audit(audit_id=e.audit_id, org_id=e.org_id, by_org_id=e.by_org_id, planned_on=e.planned_on)
        case AuditStarted() as e:
            return replace(audit, started_on=e.started_on, checklist=tuple(e.checklist))
        case FindingRecorded() as e:
            return replace(audit, findings=(*audit.findings, (e.finding_id, e.severity)))
        case AuditCompleted() as e:
            return replace(audit, completed_on=e.completed_on)
        case RemediationAssigned() as e:
            return replace(audit, open_items=audit.open_items | {e.item_id})
        case RemediationClosed() as e:
            return replace(audit, open_items=audit.open_items - {e.item_id}, closed_items=audit.closed_items | {e.item_id})
    return audit
