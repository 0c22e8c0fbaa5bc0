"""One member's appeal from filing to closure (D1): who holds it, when its first answer is due, and the one-level-up
escalation of an appeal nobody answered in time. Pure: "now" and the tree come in as arguments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from contracts.appeals import (
    AppealAnswered,
    AppealClosed,
    AppealEscalated,
    AppealFiled,
    Outcome,
)
from contracts.base import Event
from kit.errors import RuleBroken


@dataclass(frozen=True)
class Appeal:
    """What the rules need to know of an appeal."""

    appeal_id: str = ""
    person_id: str = ""
    org_id: str = ""
    """The org that holds it now."""
    member_org_id: str = ""
    situation_id: str = ""
    state: str = "open"
    """open (no answer yet), answered, or closed."""
    filed_at: datetime | None = None
    first_due_at: datetime | None = None
    due_at: datetime | None = None
    answered: bool = False
    escalations: int = 0


NOTHING = Appeal()


def evolve(appeal: Appeal, event: Event) -> Appeal:
    """The appeal after one more of its events."""
    match event:
        case AppealFiled() as e:
            return Appeal(
                e.appeal_id, e.person_id, e.org_id, e.member_org_id, e.situation_id, "open", e.filed_at, e.due_at, e.due_at
            )
        case AppealAnswered():
            return replace(appeal, state="answered" if appeal.state != "closed" else "closed", answered=True)
        case AppealEscalated() as e:
            return replace(appeal, org_id=e.org_id, due_at=e.due_at, escalations=appeal.escalations + 1)
        case AppealClosed():
            return replace(appeal, state="closed")
    return appeal


def due(filed_at: datetime, answer_within_hours: int) -> datetime:
    """When the first answer is due: the situation's target time after filing (or after an escalation)."""
    return filed_at + timedelta(hours=answer_within_hours)


def decide_answer(appeal: Appeal, text: str | None, by: str, now: datetime) -> list[Event]:
    """An answer, the first one counted for K7; a closed appeal takes none."""
    if appeal.state == "closed":
        raise RuleBroken("D1", "the appeal is closed; it takes no more answers", field="appeal_id")
    on_time = appeal.first_due_at is not None and now <= appeal.first_due_at
    return [
        AppealAnswered(
            appeal_id=appeal.appeal_id,
            person_id=appeal.person_id,
            org_id=appeal.org_id,
            text=text,
            answered_by=by,
            answered_at=now,
            first=not appeal.answered,
            on_time=on_time and not appeal.answered,
        )
    ]


def decide_close(appeal: Appeal, outcome: Outcome, by: str, now: datetime) -> list[Event]:
    """Closes an open or answered appeal once."""
    if appeal.state == "closed":
        raise RuleBroken("D1", "the appeal is closed already", field="appeal_id")
    return [AppealClosed(appeal_id=appeal.appeal_id, org_id=appeal.org_id, outcome=outcome, closed_by=by, closed_at=now)]


def overdue(appeal: Appeal, now: datetime) -> bool:
    """Not answered and past its due time."""
    return appeal.state == "open" and not appeal.answered and appeal.due_at is not None and now >= appeal.due_at


def decide_escalate(appeal: Appeal, parent_id: str | None, answer_within_hours: int, now: datetime) -> list[Event]:
    """D1 ("from any level"): an appeal nobody answered in time goes one level up, with a new due time there; nothing
    when it is not overdue (a repeat, or an answer came first) or nobody is above (the CC holds it)."""
    if not overdue(appeal, now) or parent_id is None:
        return []
    return [
        AppealEscalated(
            appeal_id=appeal.appeal_id,
            org_id=parent_id,
            from_org_id=appeal.org_id,
            escalated_at=now,
            due_at=due(now, answer_within_hours),
        )
    ]
