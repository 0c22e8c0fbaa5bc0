"""The sender: takes due notifications from the outbox, asks contacts for usable addresses at that moment
(never keeping them), mails, and records a receipt for every attempt. One active per service.

A notification is marked sent by the receipt appended right after the server accepted it; a kill between
the two can resend only that message, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from contracts.notifications import Channel, NotificationFailed, NotificationSent
from kit import clock, logs
from kit.locks import lock_key, pause, run_singly
from kit.rpc import RequestClient
from kit.store import Batch, EventStore
from kit.store.eventstore import Meta
from kit.tokens import Actor, Role, Signer

from . import chat, mail
from .config import NotificationsSettings
from .domain.plan import message_id, notification_id, pick_address
from .tables import materials, outbox, parties, preferences

log = logs.get("sender")
ME = Actor("notifications", Role.SERVICE, None)


class Sender:
    """Sends what is due, at most `rate_per_second` messages a second."""

    def __init__(
        self, store: EventStore, settings: NotificationsSettings, requests: RequestClient, now: Callable[[], datetime] = clock.now
    ) -> None:
        self.store, self.settings, self.requests, self.now = store, settings, requests, now
        self.signer = Signer(settings.token_private_key) if settings.token_private_key else None
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until stopped: takes the lock, sends rounds, rests when nothing is due."""

        async def send() -> None:
            while not stop.is_set():
                if not await self.round():
                    await pause(stop, 0.5)

        await run_singly(self.store.engine, lock_key("sender", "notifications"), stop, send, "sender")

    async def round(self) -> int:
        """Attempts every notification due now (up to a batch); returns how many it attempted."""
        o = outbox.c
        async with self.store.engine.connect() as conn:
            due = (
                await conn.execute(
                    select(outbox)
                    .where(o.status == "pending", o.next_attempt_at <= self.now())
                    .order_by(o.next_attempt_at, o.notification_id)
                    .limit(self.settings.batch)
                )
            ).all()
        async with self.store.engine.connect() as conn:
            digests = {
                r.person_id
                for r in await conn.execute(select(preferences.c.person_id).where(preferences.c.mode == "daily_digest"))
            }
        handled: set[str] = set()
        for row in due:
            if row.notification_id in handled:
                continue
            if row.recipient_id in digests and not row.subject:
                handled |= await self.digest([r for r in due if r.recipient_id == row.recipient_id and r.channel == row.channel])
            else:
                await self.attempt(row)
            await asyncio.sleep(1 / self.settings.rate_per_second)
        return len(due)

    async def digest(self, rows: list[Any]) -> set[str]:
        """One letter listing every material due for a person on one channel; a receipt for each."""
        first = rows[0]
        ids = sorted(r.notification_id for r in rows)
        mid = message_id(notification_id("digest", ",".join(ids)))
        titles = []
        async with self.store.engine.connect() as conn:
            for r in rows:
                m = (await conn.execute(select(materials.c.title).where(materials.c.material_id == r.material_id))).scalar()
                titles.append(f"• {m or 'материал'}")
        subject, text = (
            f"Профсеть: поступило материалов — {len(rows)}",
            "В вашу организацию поступили материалы:\n\n" + "\n".join(titles),
        )
        try:
            address = await self._address(first)
            if address is None:
                for r in rows:
                    await self._failed(
                        r, "no usable address (none recorded, or no consent to a personal one)", True, r.attempts + 1
                    )
                return set(ids)
            if first.channel == "chat":
                await chat.send(self.settings.chat_base_url, address, f"{subject}\n\n{text}")
            else:
                await mail.send(self.settings, mail.letter(self.settings.mail_from, address, mid, subject, text))
        except (mail.Refusal, _Unavailable) as e:
            final = isinstance(e, mail.Refusal) and e.permanent
            for r in rows:
                await self._failed(r, getattr(e, "reason", str(e)), final, r.attempts + 1)
            return set(ids)
        receipts = [
            NotificationSent(
                notification_id=r.notification_id,
                trigger=r.trigger,
                recipient_id=r.recipient_id,
                recipient_kind=r.recipient_kind,
                org_id=r.org_id,
                channel=Channel(r.channel),
                message_id=mid,
                attempt=r.attempts + 1,
            )
            for r in rows
        ]
        await self._record(receipts)
        return set(ids)

    async def attempt(self, row: Any) -> None:
        """One try at one notification, ending in a receipt."""
        attempt = row.attempts + 1
        try:
            address = await self._address(row)
            if address is None:
                what = "messenger handle" if row.channel == "chat" else "e-mail address"
                await self._failed(row, f"no usable {what} (none recorded, or no consent to a personal one)", True, attempt)
                return
            subject, text = await self._words(row)
            if row.channel == "chat":
                await chat.send(self.settings.chat_base_url, address, f"{subject}\n\n{text}")
            else:
                await mail.send(
                    self.settings, mail.letter(self.settings.mail_from, address, message_id(row.notification_id), subject, text)
                )
        except mail.Refusal as e:
            await self._failed(row, e.reason, e.permanent, attempt)
            return
        except _Unavailable as e:
            await self._failed(row, str(e), False, attempt)
            return
        sent = NotificationSent(
            notification_id=row.notification_id,
            trigger=row.trigger,
            recipient_id=row.recipient_id,
            recipient_kind=row.recipient_kind,
            org_id=row.org_id,
            channel=Channel(row.channel),
            message_id=message_id(row.notification_id),
            attempt=attempt,
        )
        await self._record([sent])

    async def _words(self, row: Any) -> tuple[str, str]:
        """A reminder's own subject and text, or those made from the material."""
        if row.subject:
            return str(row.subject), str(row.text or "")
        async with self.store.engine.connect() as conn:
            m = (await conn.execute(select(materials).where(materials.c.material_id == row.material_id))).first()
        return (
            mail.about_material(m.title, m.kind, m.body)
            if m
            else ("Профсеть: новый материал", "В вашу организацию поступил материал.")
        )

    async def _address(self, row: Any) -> str | None:
        if row.recipient_kind == "party":
            async with self.store.engine.connect() as conn:
                return (await conn.execute(select(parties.c.email).where(parties.c.party_id == row.recipient_id))).scalar()
        if self.signer is None:
            raise _Unavailable("no token key to ask contacts for addresses (NOTIFICATIONS_TOKEN_PRIVATE_KEY)")
        kinds = ["messenger"] if row.channel == "chat" else ["work_email", "personal_email"]
        token = self.signer.sign(ME, clock.now(), 120)
        reply = await self.requests.request(
            "contacts", "usable_addresses", {"person_id": row.recipient_id, "kinds": kinds}, token=token
        )
        if not reply.ok:
            if reply.error is not None and reply.error.code.value == "not_found":
                return None
            raise _Unavailable(f"contacts did not answer: {reply.error.message if reply.error else 'no reply'}")
        return pick_address(reply.data)

    async def _failed(self, row: Any, reason: str, final: bool, attempt: int) -> None:
        failed = NotificationFailed(
            notification_id=row.notification_id,
            trigger=row.trigger,
            recipient_id=row.recipient_id,
            recipient_kind=row.recipient_kind,
            org_id=row.org_id,
            reason=reason[:1000],
            permanent=final,
            attempt=attempt,
        )
        await self._record([failed])

    async def _record(self, receipts: Sequence[NotificationSent | NotificationFailed]) -> None:
        """Appends receipts, trying again for a while: a receipt lost after a send would mean sending twice."""
        batches = [Batch(f"notification-{e.notification_id}", [e]) for e in receipts]
        for wait in (0.2, 1.0, 5.0, 15.0):
            try:
                await self.store.append_batch(batches, meta=Meta(actor="notifications"))
                return
            except (OperationalError, InterfaceError, OSError):
                log.warning("could not record receipts yet; trying again", count=len(batches))
                await asyncio.sleep(wait)
        await self.store.append_batch(batches, meta=Meta(actor="notifications"))


class _Unavailable(Exception):
    """A temporary reason not to send now."""
