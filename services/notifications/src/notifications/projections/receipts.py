"""The outbox follows the receipts, in the append's transaction: sent, failed for good, or due again later."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.notifications import NotificationFailed, NotificationSent
from kit.store import Recorded

from ..domain.plan import next_attempt
from ..tables import outbox


class Receipts:
    """Applies `notification.sent` / `notification.failed` to the outbox."""

    def __init__(self, retry_base_seconds: float, max_attempts: int) -> None:
        self.base, self.max_attempts = retry_base_seconds, max_attempts

    async def apply(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        for r in recorded:
            o = outbox.c
            match r.event:
                case NotificationSent() as e:
                    values = {"status": "sent", "attempts": e.attempt, "sent_at": r.recorded_at, "last_error": None}
                    await conn.execute(update(outbox).where(o.notification_id == e.notification_id).values(values))
                case NotificationFailed() as e:
                    done = e.permanent or e.attempt >= self.max_attempts
                    values = {
                        "status": "failed" if done else "pending",
                        "attempts": e.attempt,
                        "last_error": e.reason,
                        "next_attempt_at": next_attempt(r.recorded_at, e.attempt, self.base),
                    }
                    await conn.execute(update(outbox).where(o.notification_id == e.notification_id).values(values))
