"""The sender: takes due notifications from the outbox, asks contacts for usable addresses at that moment
(never keeping them), mails, and records a receipt for every attempt. One active per service.

A notification is marked sent by the receipt appended right after the server accepted it; a kill between
the two can resend only that message, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from contracts.notifications import Channel, NotificationFailed, NotificationSent
from kit import clock, logs
from kit.locks import lock_key, pause, try_lock
from kit.rpc import RequestClient
from kit.store import EventStore
from kit.store.eventstore import Meta
from kit.tokens import Actor, Role, Signer

from . import chat, mail
from .config import NotificationsSettings
from .domain.plan import message_id, pick_address
from .tables import materials, outbox, parties

log = logs.get("sender")
ME = Actor("notifications", Role.SERVICE, None)


class Sender:
    """Sends what is due, at most `rate_per_second` messages a second."""

    def __init__(self, store: EventStore, settings: NotificationsSettings, requests: RequestClient) -> None:
        self.store, self.settings, self.requests = store, settings, requests
        self.signer = Signer(settings.token_private_key) if settings.token_private_key else None
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until stopped: takes the lock, sends rounds, rests when nothing is due."""
        while not stop.is_set():
            try:
                async with self.store.engine.connect() as lock_conn:
                    if not await try_lock(lock_conn, lock_key("sender", "notifications")):
                        await pause(stop, 1.0)
                        continue
                    while not stop.is_set():
                        if not await self.round():
                            await pause(stop, 0.5)
            except Exception:
                log.exception("the sender failed; it starts again")
                await pause(stop, 1.0)

    async def round(self) -> int:
        """Attempts every notification due now (up to a batch); returns how many it attempted."""
        o = outbox.c
        async with self.store.engine.connect() as conn:
            due = (
                await conn.execute(
                    select(outbox)
                    .where(o.status == "pending", o.next_attempt_at <= clock.now())
                    .order_by(o.next_attempt_at, o.notification_id)
                    .limit(self.settings.batch)
                )
            ).all()
        for row in due:
            await self.attempt(row)
            await asyncio.sleep(1 / self.settings.rate_per_second)
        return len(due)

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
        await self.store.append(
            f"notification-{row.notification_id}", [sent], expected_version=None, meta=Meta(actor="notifications")
        )

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
        await self.store.append(
            f"notification-{row.notification_id}", [failed], expected_version=None, meta=Meta(actor="notifications")
        )


class _Unavailable(Exception):
    """A temporary reason not to send now."""
