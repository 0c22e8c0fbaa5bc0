"""The catalogue, appeals, answers and escalations, applied in the append's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.appeals import (
    AppealAnswered,
    AppealAssigned,
    AppealClosed,
    AppealEscalated,
    AppealFiled,
    AppealQuestionAsked,
    AppealSupplemented,
    SituationDefined,
    SituationRetired,
)
from kit.store import Recorded

from ..tables import answers, appeals, assignments, escalations, questions, replies, situations


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the appeals service's own events."""
    for r in recorded:
        await _one(conn, r)


async def _one(conn: AsyncConnection, r: Recorded) -> None:
    a = appeals.c
    match r.event:
        case SituationDefined() as e:
            s = e.situation
            row = {
                "title": s.title,
                "topics": [t.value for t in s.topics],
                "steps": list(s.steps),
                "level": s.level.value,
                "answer_within_hours": s.answer_within_hours,
                "retired": False,
                "defined_at": r.recorded_at,
            }
            stmt = insert(situations).values(situation_id=e.situation_id, **row)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["situation_id"], set_=row))
        case SituationRetired() as e:
            await conn.execute(update(situations).where(situations.c.situation_id == e.situation_id).values(retired=True))
        case AppealFiled() as e:
            row = {
                **e.model_dump(include={"appeal_id", "person_id", "org_id", "member_org_id", "situation_id", "text"}),
                "filed_org_id": e.org_id,
                "received_by": e.received_by.value,
                "state": "open",
                "filed_at": e.filed_at,
                "first_due_at": e.due_at,
                "due_at": e.due_at,
            }
            await conn.execute(insert(appeals).values(row).on_conflict_do_nothing())
        case AppealAnswered() as e:
            row = {"appeal_id": e.appeal_id, "position": r.position, "org_id": e.org_id, "text": e.text}
            row |= {"answered_by": e.answered_by, "answered_at": e.answered_at}
            await conn.execute(insert(answers).values(row).on_conflict_do_nothing())
            await conn.execute(update(appeals).where(a.appeal_id == e.appeal_id, a.state == "open").values(state="answered"))
            if e.first:
                first = {"first_answer_at": e.answered_at, "first_answer_org_id": e.org_id}
                await conn.execute(update(appeals).where(a.appeal_id == e.appeal_id).values(first))
        case AppealEscalated() as e:
            row = {"appeal_id": e.appeal_id, "position": r.position, "from_org_id": e.from_org_id, "to_org_id": e.org_id}
            await conn.execute(insert(escalations).values(**row, at=e.escalated_at).on_conflict_do_nothing())
            moved = {"org_id": e.org_id, "due_at": e.due_at, "post": None}  # the new level assigns its own post
            await conn.execute(update(appeals).where(a.appeal_id == e.appeal_id).values(moved))
        case AppealAssigned() as e:
            row = {"appeal_id": e.appeal_id, "position": r.position, "org_id": e.org_id, "post": e.post.value}
            await conn.execute(
                insert(assignments).values(**row, assigned_by=e.assigned_by, at=e.assigned_at).on_conflict_do_nothing()
            )
            await conn.execute(update(appeals).where(a.appeal_id == e.appeal_id).values(post=e.post.value))
        case AppealQuestionAsked() as e:
            row = {"appeal_id": e.appeal_id, "position": r.position, "org_id": e.org_id, "text": e.text}
            await conn.execute(insert(questions).values(**row, asked_by=e.asked_by, at=e.asked_at).on_conflict_do_nothing())
        case AppealSupplemented() as e:
            row = {"appeal_id": e.appeal_id, "position": r.position, "org_id": e.org_id, "text": e.text}
            await conn.execute(insert(replies).values(**row, at=e.supplemented_at).on_conflict_do_nothing())
        case AppealClosed() as e:
            closed = {"state": "closed", "closed_at": e.closed_at, "outcome": e.outcome.value}
            await conn.execute(update(appeals).where(a.appeal_id == e.appeal_id).values(closed))
