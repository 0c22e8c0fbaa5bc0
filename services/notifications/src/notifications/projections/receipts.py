"""The outbox follows the receipts, in the append's transaction: sent, failed for good, or due again later."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.notifications import NotificationFailed, NotificationSent, PreferenceSet
from kit.store import Recorded

from ..domain.plan import next_attempt
from ..tables import outbox, preferences

# one receipt a letter: the statement is built (and its cache key made) once, not for every letter
_SENT = (
    update(outbox)
    .where(outbox.c.notification_id == bindparam("nid"))
    .values(status="sent", attempts=bindparam("attempt"), sent_at=bindparam("at"), last_error=None)
)


class Receipts:
    """Applies receipts to the outbox, and people's preferences."""

    def __init__(self, retry_base_seconds: float, max_attempts: int) -> None:
        self.base, self.max_attempts = retry_base_seconds, max_attempts

    async def apply(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        """Applies the service's own events with updates and upserts; reads nothing back."""
        for r in recorded:
            o = outbox.c
            match r.event:
                case NotificationSent() as e:
                    await conn.execute(_SENT, {"nid": e.notification_id, "attempt": e.attempt, "at": r.recorded_at})
                case PreferenceSet() as e:
                    chosen = {"mode": e.mode.value, "digest_hour": e.digest_hour}
                    stmt = insert(preferences).values(person_id=e.person_id, **chosen)
                    await conn.execute(stmt.on_conflict_do_update(index_elements=[preferences.c.person_id], set_=chosen))
                case NotificationFailed() as e:
                    done = e.permanent or e.attempt >= self.max_attempts
                    values = {
                        "status": "failed" if done else "pending",
                        "attempts": e.attempt,
                        "last_error": e.reason,
                        "next_attempt_at": next_attempt(r.recorded_at, e.attempt, self.base),
                    }
                    await conn.execute(update(outbox).where(o.notification_id == e.notification_id).values(values))
