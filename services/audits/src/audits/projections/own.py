"""Audits, findings, remediation and plans, applied in the append's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Update, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.audits import (
    AuditCompleted,
    AuditScheduled,
    AuditStarted,
    DeskReviewPlanned,
    FindingRecorded,
    InformationWorkReviewed,
    PlanReported,
    PlanSubmitted,
    RemediationAssigned,
    RemediationClosed,
)
from kit.store import Recorded

from ..tables import audits, desk_reviews, findings, plans, remediation, reviews


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the audits service's own events."""
    for r in recorded:
        match r.event:
            case AuditScheduled() as e:
                row = e.model_dump(include={"audit_id", "org_id", "by_org_id", "planned_on", "desk_review_id"})
                await conn.execute(insert(audits).values(row))
            case DeskReviewPlanned() as e:
                await conn.execute(insert(desk_reviews).values(e.model_dump(include=DESK_REVIEW)))
            case AuditStarted() as e:
                checklist = [i.model_dump(mode="json") for i in e.checklist]
                await conn.execute(_audit(e.audit_id).values(started_on=e.started_on, checklist=checklist))
            case FindingRecorded() as e:
                row = {
                    "finding_id": e.finding_id,
                    "audit_id": e.audit_id,
                    "rule": e.rule,
                    "severity": e.severity.value,
                    "note": e.note,
                }
                await conn.execute(insert(findings).values(row))
            case AuditCompleted() as e:
                await conn.execute(_audit(e.audit_id).values(completed_on=e.completed_on, score=e.score))
            case RemediationAssigned() as e:
                row = e.model_dump(include={"item_id", "audit_id", "org_id", "finding_id", "action", "due_on"})
                await conn.execute(insert(remediation).values(**row, owner_role=e.owner_role.value))
            case RemediationClosed() as e:
                item = remediation.c.item_id == e.item_id
                await conn.execute(update(remediation).where(item).values(closed_on=e.closed_on, note=e.note))
            case PlanSubmitted() as e:
                row = {"org_id": e.org_id, "quarter": e.quarter, "submitted_on": e.submitted_on, "items": e.items}
                await conn.execute(
                    insert(plans).values(row).on_conflict_do_update(index_elements=["org_id", "quarter"], set_=row)
                )
            case InformationWorkReviewed() as e:
                row = e.model_dump(include={"review_id", "org_id", "on", "body", "decision"})
                await conn.execute(insert(reviews).values(row).on_conflict_do_nothing())
            case PlanReported() as e:
                key = (plans.c.org_id == e.org_id) & (plans.c.quarter == e.quarter)
                await conn.execute(update(plans).where(key).values(reported_on=e.reported_on, summary=e.summary))


DESK_REVIEW = {"desk_review_id", "by_org_id", "year", "planned_on", "due_on", "orgs"}


def _audit(audit_id: str) -> Update:
    return update(audits).where(audits.c.audit_id == audit_id)
