"""One member's appeal from filing to closure (D1): who holds it and which of its posts answers it, when its first
answer is due, questions to the member and their replies, and the one-level-up escalation of an appeal nobody answered
in time or whose org was dissolved. Pure: "now" and the tree come in as arguments."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from contracts.appeals import (
    AppealAnswered,
    AppealAssigned,
    AppealClosed,
    AppealEscalated,
    AppealFiled,
    AppealQuestionAsked,
    AppealSupplemented,
    EscalationReason,
    Outcome,
    ReceivedBy,
)
from contracts.base import Event
from contracts.officers import OfficerRole
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
    post: OfficerRole | None = None
    """The post of the holding org it was given to; none until assigned, and none again once it goes up a level."""
    questions: int = 0
    replies: int = 0


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
            return replace(appeal, org_id=e.org_id, due_at=e.due_at, escalations=appeal.escalations + 1, post=None)
        case AppealAssigned() as e:
            return replace(appeal, post=e.post)
        case AppealQuestionAsked():
            return replace(appeal, questions=appeal.questions + 1)
        case AppealSupplemented():
            return replace(appeal, replies=appeal.replies + 1)
        case AppealClosed():
            return replace(appeal, state="closed")
    return appeal


def due(filed_at: datetime, answer_within_hours: int) -> datetime:
    """When the first answer is due: the situation's target time after filing (or after an escalation)."""
    return filed_at + timedelta(hours=answer_within_hours)


STAFF_CHANNELS = (ReceivedBy.PHONE, ReceivedBy.HOTLINE, ReceivedBy.VISIT)
"""How staff may say an appeal reached them (D2: the offline channels); `portal` is the member's own."""


def received(received_by: ReceivedBy | None, by_member: bool) -> ReceivedBy:
    """The channel an appeal came by: the portal for a member filing their own; for staff recording one (D2), phone
    unless they say hotline or visit — staff never claim the portal, which only the member files through."""
    if by_member:
        return ReceivedBy.PORTAL
    if received_by is None:
        return ReceivedBy.PHONE
    if received_by not in STAFF_CHANNELS:
        raise RuleBroken(
            "D2",
            "staff record an appeal received by phone, hotline or visit; only the member files through the portal",
            field="received_by",
        )
    return received_by


def _open(appeal: Appeal, takes: str) -> None:
    """A closed appeal takes nothing more (D1); the refusal names the appeal."""
    if appeal.state == "closed":
        raise RuleBroken("D1", f"the appeal is closed; it takes no more {takes}", field="appeal_id")


def decide_assign(appeal: Appeal, post: OfficerRole, held: Container[str], by: str, now: datetime) -> list[Event]:
    """Gives the appeal to a post of the org that holds it; once to the same post, never once closed, and only to a
    post somebody holds there today (`held`: the posts of the holding org with a holder today), so somebody is told."""
    _open(appeal, "assignments")
    if appeal.post == post:
        raise RuleBroken("D1", "the appeal is assigned to that post already", field="post")
    if post.value not in held:
        raise RuleBroken("post_vacant", "nobody holds that post in the org that holds the appeal today", field="post")
    return [AppealAssigned(appeal_id=appeal.appeal_id, org_id=appeal.org_id, post=post, assigned_by=by, assigned_at=now)]


def decide_ask(appeal: Appeal, text: str | None, by: str, now: datetime) -> list[Event]:
    """Asks the member for more; not an answer, so the due time and K7's clock run on."""
    _open(appeal, "questions")
    return [
        AppealQuestionAsked(
            appeal_id=appeal.appeal_id, person_id=appeal.person_id, org_id=appeal.org_id, text=text, asked_by=by, asked_at=now
        )
    ]


def decide_supplement(appeal: Appeal, text: str | None, now: datetime) -> list[Event]:
    """The member adds to their appeal (a reply to a question, or more of what happened) while it is not closed."""
    _open(appeal, "replies")
    return [
        AppealSupplemented(
            appeal_id=appeal.appeal_id, person_id=appeal.person_id, org_id=appeal.org_id, text=text, supplemented_at=now
        )
    ]


def decide_answer(appeal: Appeal, text: str | None, by: str, now: datetime) -> list[Event]:
    """An answer, the first one counted for K7; a closed appeal takes none."""
    _open(appeal, "answers")
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
    return [
        AppealClosed(
            appeal_id=appeal.appeal_id,
            person_id=appeal.person_id,
            org_id=appeal.org_id,
            outcome=outcome,
            closed_by=by,
            closed_at=now,
        )
    ]


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
            person_id=appeal.person_id,
            org_id=parent_id,
            from_org_id=appeal.org_id,
            escalated_at=now,
            due_at=due(now, answer_within_hours),
        )
    ]


def decide_rehouse(
    appeal: Appeal, lineage: Sequence[str], existing: Container[str], answer_within_hours: int, now: datetime
) -> list[Event]:
    """D1 ("from any level"): an appeal not closed whose holding org no longer exists goes at once to the nearest org
    above it that exists, with a new due time there, whether or not it was late or answered. `lineage` is the holding
    org and the orgs above it (a dissolved org's as it last stood), `existing` the orgs that exist today. Nothing when
    the holding org exists (moved already: a repeat) or the appeal is closed; refused when no org above it exists."""
    if appeal.state == "closed" or appeal.org_id in existing or lineage[:1] != [appeal.org_id]:
        return []
    above = next((o for o in lineage[1:] if o in existing), None)
    if above is None:
        raise RuleBroken("D1", "no org above the dissolved one exists to take the appeal", field="org_id")
    return [
        AppealEscalated(
            appeal_id=appeal.appeal_id,
            person_id=appeal.person_id,
            org_id=above,
            from_org_id=appeal.org_id,
            escalated_at=now,
            due_at=due(now, answer_within_hours),
            reason=EscalationReason.ORG_DISSOLVED,
        )
    ]
