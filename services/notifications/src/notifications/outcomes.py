"""The sender's receipts: a letter sent, an attempt failed with the class and code of its failure, or an item parked that
could not be handled at all — each appended to the ledger, whose inline projection settles the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from contracts.notifications import Channel, NotificationFailed, NotificationSent
from kit import logs
from kit.locks import LostLock
from kit.store import Batch, EventStore, Meta

from .domain.plan import message_id
from .domain.text import scrubbed

log = logs.get("sender")

PASSING = (LostLock, OperationalError, InterfaceError, OSError, TimeoutError)
"""Failures of the sender's own footing (its lock, its database, its network), not of an item: they stop the round and
the item is tried again, never parked."""


def sent(row: Any, mid: str | None = None) -> NotificationSent:
    """The receipt of a notification the server took (`mid`: the Message-ID it carried, its own by default)."""
    return NotificationSent(
        notification_id=row.notification_id,
        trigger=row.trigger,
        recipient_id=row.recipient_id,
        recipient_kind=row.recipient_kind,
        org_id=row.org_id,
        channel=Channel(row.channel),
        message_id=mid or message_id(row.notification_id),
        attempt=row.attempts + 1,
    )


def failed(row: Any, reason: str, final: bool, failure: str, code: int | None = None) -> NotificationFailed:
    """The receipt of a failed attempt, its reason scrubbed of addresses and phone numbers."""
    return NotificationFailed(
        notification_id=row.notification_id,
        trigger=row.trigger,
        recipient_id=row.recipient_id,
        recipient_kind=row.recipient_kind,
        org_id=row.org_id,
        reason=scrubbed(reason)[:1000],
        permanent=final,
        attempt=row.attempts + 1,
        failure=failure,
        code=code,
    )


def parked(row: Any, error: Exception) -> NotificationFailed:
    """The receipt of an item the sender could not handle: failed for good with the error's class, so the items after
    it still go and an operator sees why this one did not."""
    log.warning("a notification could not be handled; parked", notification_id=row.notification_id, error=type(error).__name__)
    return failed(row, f"could not be handled: {type(error).__name__}: {error}", True, "unprocessable")


async def record(store: EventStore, receipts: Sequence[NotificationSent | NotificationFailed]) -> None:
    """Appends receipts, trying again for a while: a receipt lost after a send would mean sending twice."""
    batches = [Batch(f"notification-{e.notification_id}", [e]) for e in receipts]
    for wait in (0.2, 1.0, 5.0, 15.0):
        try:
            await store.append_batch(batches, meta=Meta(actor="notifications"))
            return
        except (OperationalError, InterfaceError, OSError):
            log.warning("could not record receipts yet; trying again", count=len(batches))
            await asyncio.sleep(wait)
    await store.append_batch(batches, meta=Meta(actor="notifications"))
