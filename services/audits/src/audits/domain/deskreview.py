"""C1: the CC's desk review of the whole union in one step — an audit of every structural org, each started with its
compliance of the day as the checklist, then completed one by one; progress is done, due or overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.audits import AuditScheduled, AuditStarted, ChecklistItem, DeskReviewPlanned, DeskReviewRescheduled
from contracts.base import Event
from kit.errors import RuleBroken

LONGEST = timedelta(days=365)
"""A yearly review is due within a year of its checklists' day."""


@dataclass(frozen=True)
class DeskReview:
    """What decisions about one year's desk review need."""

    desk_review_id: str = ""
    by_org_id: str = ""
    planned_on: date | None = None
    due_on: date | None = None


NONE = DeskReview()


def _due(planned_on: date, due_on: date) -> None:
    if due_on < planned_on:
        raise RuleBroken("C1", "the audits cannot be due before they start", field="due_on")
    if due_on > planned_on + LONGEST:
        raise RuleBroken("C1", "a yearly review is due within 365 days of its start", field="due_on")


def decide_plan(
    planned: bool,
    level: str | None,
    desk_review_id: str,
    by_org_id: str,
    planned_on: date,
    due_on: date,
    today: date,
    checklists: dict[str, tuple[str, list[ChecklistItem]]],
) -> tuple[list[Event], dict[str, list[Event]]]:
    """The review's own event, and for each org's new audit id its scheduled and started events.

    `checklists` maps each structural org to (its new audit id, its compliance on `planned_on`)."""
    if level is None:
        raise RuleBroken("C1", f"the org does not exist on {planned_on.isoformat()}", field="planned_on")
    if level != "central":
        raise RuleBroken("C1", "a desk review of the whole union is the CC's", field="org_id")
    if planned_on > today:
        raise RuleBroken("C1", "the checklists are of a day already come", field="planned_on")
    _due(planned_on, due_on)
    if planned:
        raise RuleBroken("C1", f"the desk review of {planned_on.year} is already planned", field="planned_on")
    review = DeskReviewPlanned(
        desk_review_id=desk_review_id,
        by_org_id=by_org_id,
        year=planned_on.year,
        planned_on=planned_on,
        due_on=due_on,
        orgs=len(checklists),
    )
    audits: dict[str, list[Event]] = {
        audit_id: [
            AuditScheduled(
                audit_id=audit_id, org_id=org_id, by_org_id=by_org_id, planned_on=planned_on, desk_review_id=desk_review_id
            ),
            AuditStarted(audit_id=audit_id, org_id=org_id, by_org_id=by_org_id, started_on=planned_on, checklist=items),
        ]
        for org_id, (audit_id, items) in checklists.items()
    }
    return [review], audits


def progress(completed_on: date | None, due_on: date, today: date, org_exists: bool = True) -> str:
    """An audit of the review is done once completed, overdue once past its due day, due until then; one left open
    when its org was dissolved is neither (nobody can audit an org that is gone)."""
    if completed_on is not None:
        return "done"
    if not org_exists:
        return "dissolved"
    return "overdue" if today > due_on else "due"


def decide_reschedule(review: DeskReview, year: int, due_on: date) -> list[Event]:
    """Moves a planned review's due day, within a year of its start (a mistyped deadline can be put right)."""
    if review.planned_on is None:
        raise RuleBroken("C1", f"no desk review of {year} is planned", field="year")
    _due(review.planned_on, due_on)
    if due_on == review.due_on:
        raise RuleBroken("C1", f"the review is already due on {due_on.isoformat()}", field="due_on")
    return [DeskReviewRescheduled(desk_review_id=review.desk_review_id, by_org_id=review.by_org_id, year=year, due_on=due_on)]


def evolve(review: DeskReview, event: Event) -> DeskReview:
    """The review after one more of its events."""
    match event:
        case DeskReviewPlanned() as e:
            return DeskReview(e.desk_review_id, e.by_org_id, e.planned_on, e.due_on)
        case DeskReviewRescheduled() as e:
            return DeskReview(review.desk_review_id, review.by_org_id, review.planned_on, e.due_on)
    return review
