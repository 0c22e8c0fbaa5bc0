"""Audits, findings, remediation and plans, applied in the append's transaction, each step with its recording time in
the audits ledger (`Recorded.recorded_at`), so compliance can be answered as known on a past day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Update, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.audits import (
    AuditCompleted,
    AuditScheduled,
    AuditStarted,
    DeskReviewPlanned,
    DeskReviewRescheduled,
    FindingRecorded,
    InformationWorkReviewed,
    PlanReported,
    PlanSubmitted,
    RemediationAssigned,
    RemediationClosed,
)
from kit.store import Recorded

from ..tables import audits, desk_reviews, findings, plans, remediation, reviews
from .history import carry, start


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the audits service's own events."""
    for r in recorded:
        at = r.recorded_at
        match r.event:
            case AuditScheduled() as e:
                row = e.model_dump(include={"audit_id", "org_id", "by_org_id", "planned_on", "desk_review_id"})
                await conn.execute(insert(audits).values({**row, "recorded_at": at}))
            case DeskReviewPlanned() as e:
                await conn.execute(insert(desk_reviews).values({**e.model_dump(include=DESK_REVIEW), "recorded_at": at}))
            case DeskReviewRescheduled() as e:
                review = desk_reviews.c.desk_review_id == e.desk_review_id
                await conn.execute(update(desk_reviews).where(review).values(due_on=e.due_on))
            case AuditStarted() as e:
                checklist = [i.model_dump(mode="json") for i in e.checklist]
                started = {"started_on": e.started_on, "checklist": checklist, "started_recorded_at": at}
                await conn.execute(_audit(e.audit_id).values(started))
            case FindingRecorded() as e:
                row = {
                    "finding_id": e.finding_id,
                    "audit_id": e.audit_id,
                    "rule": e.rule,
                    "severity": e.severity.value,
                    "note": e.note,
                    "recorded_at": at,
                }
                await conn.execute(insert(findings).values(row))
            case AuditCompleted() as e:
                completed = {"completed_on": e.completed_on, "score": e.score, "completed_recorded_at": at}
                await conn.execute(_audit(e.audit_id).values(completed))
            case RemediationAssigned() as e:
                row = e.model_dump(include={"item_id", "audit_id", "org_id", "finding_id", "action", "due_on"})
                await conn.execute(insert(remediation).values(**row, owner_role=e.owner_role.value, recorded_at=at))
            case RemediationClosed() as e:
                item = remediation.c.item_id == e.item_id
                closed = {"closed_on": e.closed_on, "note": e.note, "closed_recorded_at": at}
                await conn.execute(update(remediation).where(item).values(closed))
            case PlanSubmitted() as e:
                await _plan(conn, r, e.org_id, e.quarter, {"submitted_on": e.submitted_on, "items": e.items})
            case InformationWorkReviewed() as e:
                row = e.model_dump(include={"review_id", "org_id", "on", "body", "decision"})
                await conn.execute(insert(reviews).values({**row, "recorded_at": at}).on_conflict_do_nothing())
            case PlanReported() as e:
                await _plan(conn, r, e.org_id, e.quarter, {"reported_on": e.reported_on, "summary": e.summary})


DESK_REVIEW = {"desk_review_id", "by_org_id", "year", "planned_on", "due_on", "orgs"}


def _audit(audit_id: str) -> Update:
    return update(audits).where(audits.c.audit_id == audit_id)


async def _plan(conn: AsyncConnection, r: Recorded, org_id: str, quarter: str, changes: dict[str, Any]) -> None:
    """The plan as this event leaves it: a replacement keeps the report given, a report keeps the plan."""
    key = {"org_id": org_id, "quarter": quarter}
    if not await carry(conn, plans, key, r.position, r.recorded_at, changes) and "items" in changes:
        await start(conn, plans, {**key, **changes}, r.position, r.recorded_at)
