"""Reminders that could not be planned, parked where an operator sees them: a failed outbox row of the reminder's org,
with the reason, while the reminders after it are planned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from kit import logs

from .domain import reminders
from .domain.plan import notification_id
from .domain.text import scrubbed
from .tables import outbox

log = logs.get("reminders")


async def park(conn: AsyncConnection, r: reminders.Reminder, now: datetime, error: Exception) -> None:
    """Records the reminder as failed for its org, once, with the error's class and message (scrubbed); the planner tries
    the reminder again on its next tick, so a fix lets it through."""
    trigger = f"reminder:{r.key}"
    reason = scrubbed(f"could not be planned: {type(error).__name__}: {error}")[:1000]
    log.warning("a reminder could not be planned; parked", trigger=trigger, error=type(error).__name__)
    row = {
        "notification_id": notification_id(trigger, "parked"),
        "trigger": trigger,
        "recipient_id": r.org_id,
        "recipient_kind": "org",
        "org_id": r.org_id,
        "subject": r.subject,
        "text": r.text,
        "status": "failed",
        "next_attempt_at": now,
        "last_error": reason,
        "created_at": now,
    }
    await conn.execute(insert(outbox).values(row).on_conflict_do_nothing())
