"""The sender: takes due notifications from the outbox, asks contacts for usable addresses at that moment
(never keeping them), mails, and records a receipt for every attempt. One active per service.

A notification is marked sent by the receipt appended right after the server accepted it; a kill between
the two can resend only that message, with the same Message-ID. While that receipt is recorded, the next letter's
lock is taken, and the mailer, told which letter follows, may make it ready at the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from contracts.notifications import NotificationSent
from kit import clock, logs, tracing
from kit.locks import Fence, lock_key, pause, run_singly
from kit.rpc import RequestClient
from kit.store import EventStore
from kit.tokens import Actor, Role, Signer, service_audience

from . import chat, mail
from .addresses import Address, Ahead, Unavailable
from .config import NotificationsSettings
from .domain.plan import message_id, notification_id, pick_address
from .inflight import InFlight, letters_in_flight
from .outcomes import PASSING, failed, parked, record, sent
from .tables import materials, outbox, parties, preferences

log = logs.get("sender")
SENDERS = lock_key("sender", "notifications")
"""The single-active lock of the senders of every notifications instance."""
ME = Actor("notifications", Role.SERVICE, None)


class Following(NamedTuple):
    """The letter that goes after the one being sent, and how its lock is taken while that one's receipt is recorded."""

    letter: mail.Letter
    take: Callable[[], Awaitable[bool]]


class Sender:
    """Sends what is due, at most `rate_per_second` messages a second, one letter in flight at a time."""

    def __init__(
        self, store: EventStore, settings: NotificationsSettings, requests: RequestClient, now: Callable[[], datetime] = clock.now
    ) -> None:
        self.store, self.settings, self.requests, self.now = store, settings, requests, now
        self.signer = Signer(settings.service_private_key, settings.token_audience) if settings.service_private_key else None
        self.mailer = mail.Mailer(settings)
        self.wake = asyncio.Event()
        self._next_at = 0.0  # monotonic time the rate lets the next letter go
        self._signed: tuple[str, float] | None = None  # a token for contacts and when it was signed (monotonic)
        self.fence: Fence | None = None  # the single-active lock, checked before each letter goes
        self.leading = False
        """Whether this replica holds the senders' lock, as /healthz reports it."""
        self.stopping = asyncio.Event()  # set when the service stops: the round ends after the letter going
        self._owed: list[NotificationSent] = []  # receipts of letters the server took, not yet in the ledger

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until stopped: takes the lock, sends rounds, rests when nothing is due."""

        self.stopping = stop

        async def send(fence: Fence) -> None:
            self.leading = True
            try:
                while not stop.is_set():
                    await fence.check()
                    if not await self.round(fence):
                        await self.mailer.close()  # nothing due: no connection kept open while resting
                        await pause(stop, 0.5)
            finally:
                self.leading = False
                await self.mailer.close()

        await run_singly(self.store.engine, SENDERS, stop, send, "sender")

    async def round(self, fence: Fence | None = None) -> int:
        """Attempts every notification due now (up to a batch); returns how many it attempted. Each letter is held in
        flight (`inflight`) from before it goes until its receipt is recorded, and the `fence` is checked in the round
        trip that takes that hold; an item that can't be handled is parked with its reason, and the next goes."""
        self.fence = fence
        await self._pay_owed()  # before anything is read as due: a letter whose receipt is owed has gone
        due, digests = await self._due()
        if not due:
            return 0
        singles = [r for r in due if not (r.recipient_id in digests and not r.subject)]
        words = await self._words(singles)
        # each address is asked a few letters before its letter goes, so asking overlaps sending
        addresses = Ahead(self._addresses, singles, self.settings.lookahead)
        handled: set[str] = set()
        following = {r.notification_id: n for r, n in zip(singles, [*singles[1:], None], strict=False)}
        try:
            async with letters_in_flight(self.store.engine) as flight:
                if fence is not None:
                    await flight.watch(fence, SENDERS)  # each letter's lock is then taken with proof the fence holds
                for row in due:
                    if row.notification_id in handled:
                        continue
                    if self.stopping.is_set():  # a graceful stop: no letter is cut between its sending and its receipt
                        break
                    digest = row.recipient_id in digests and not row.subject
                    same = [r for r in due if r.recipient_id == row.recipient_id and r.channel == row.channel]
                    group = same if digest else [row]
                    handled |= {r.notification_id for r in group}
                    try:
                        await self._paced()
                        if digest:
                            if await flight.take(group):
                                await self.digest(group)
                            continue
                        address = await addresses.get(row)
                        if await flight.take([row]):
                            ahead = self._ahead(flight, row, following[row.notification_id], addresses, words)
                            await self.attempt(row, address, words[row.notification_id], ahead)
                    except PASSING:
                        raise
                    except Exception as e:  # noqa: BLE001 - one item that can't be handled must not stop the rest
                        await record(self.store, [parked(r, e) for r in group])
        finally:
            addresses.cancel()
        return len(due)

    async def _checked(self) -> None:
        """Returns if this sender still holds its lock; raises `LostLock` (before the letter goes) if not."""
        if self.fence is not None:
            await self.fence.check()

    def _ahead(
        self, flight: InFlight, row: Any, following: Any, addresses: Ahead, words: dict[str, tuple[str, str]]
    ) -> Following | None:
        """The letter after the row's, with its lock to take (and the fence to check with it) while the row's receipt is
        recorded; None if the next is not a letter whose address contacts has given already."""
        address = addresses.known(following) if following is not None and following.channel == "email" else None
        if address is None:
            return None

        def take() -> Awaitable[bool]:
            return flight.take([following], keep=[row.notification_id])

        return Following(self._letter(following, address, words[following.notification_id]), take)

    def _letter(self, row: Any, address: str, words: tuple[str, str]) -> mail.Letter:
        """The row's letter about its material or reminder."""
        return mail.Letter(self.settings.mail_from, address, message_id(row.notification_id), *words)

    async def _due(self) -> tuple[list[Any], set[str]]:
        """The notifications due now (up to a batch), and who chose a daily digest."""
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
            digests = {
                r.person_id
                for r in await conn.execute(select(preferences.c.person_id).where(preferences.c.mode == "daily_digest"))
            }
        return list(due), digests

    async def _paced(self) -> None:
        """Waits until the rate allows the next letter; no wait (not even a turn of the loop) when it already does."""
        now = time.monotonic()
        if self._next_at > now:
            await asyncio.sleep(self._next_at - now)
        self._next_at = max(now, self._next_at) + 1 / self.settings.rate_per_second

    async def digest(self, rows: list[Any]) -> set[str]:
        """One letter listing every material due for a person on one channel; a receipt for each."""
        first = rows[0]
        ids = sorted(r.notification_id for r in rows)
        mid = message_id(notification_id("digest", ",".join(ids)))
        async with self.store.engine.connect() as conn:
            found = dict(
                (
                    await conn.execute(
                        select(materials.c.material_id, materials.c.title).where(
                            materials.c.material_id.in_({r.material_id for r in rows})
                        )
                    )
                ).all()
            )
        titles = [f"• {found.get(r.material_id) or 'материал'}" for r in rows]
        subject, text = (
            f"Профсеть: поступило материалов — {len(rows)}",
            "В вашу организацию поступили материалы:\n\n" + "\n".join(titles),
        )
        try:
            address = (await self._addresses([first]))[first.notification_id]
            if isinstance(address, Unavailable):
                raise address
            if address is None:
                none = "no usable address (none recorded, or no consent to a personal one)"
                await record(self.store, [failed(r, none, True, "no_address") for r in rows])
                return set(ids)
            await self._checked()
            if first.channel == "chat":
                await chat.send(self.settings.chat_base_url, address, f"{subject}\n\n{text}")
            elif first.channel == "email":
                await self.mailer.send(mail.letter(self.settings.mail_from, address, mid, subject, text))
            else:
                raise ValueError(f"unknown channel {first.channel!r}")
        except mail.Refusal as e:
            await record(self.store, [failed(r, e.reason, e.permanent, e.failure, e.code) for r in rows])
            return set(ids)
        except Unavailable as e:
            await record(self.store, [failed(r, str(e), False, "contacts_unavailable") for r in rows])
            return set(ids)
        await self._receipted([sent(r, mid) for r in rows])
        return set(ids)

    async def attempt(self, row: Any, address: Address, words: tuple[str, str], following: Following | None = None) -> None:
        """One try at one notification, ending in a receipt: recorded right after the server took the letter,
        before the next one goes, so a kill can repeat at most the letter in flight. The `following` letter's lock is
        taken while the receipt is recorded, a failure left for that letter to meet again."""
        if isinstance(address, Unavailable):
            await record(self.store, [failed(row, str(address), False, "contacts_unavailable")])
            return
        if address is None:
            what = "messenger handle" if row.channel == "chat" else "e-mail address"
            none = f"no usable {what} (none recorded, or no consent to a personal one)"
            await record(self.store, [failed(row, none, True, "no_address")])
            return
        subject, text = words
        try:
            parent = row.traceparent  # the span that planned it: the letter goes on the trace of the event it is about
            with tracing.span(f"send {row.channel}", tracing.SpanKind.CLIENT, parent, notification_id=row.notification_id):
                if row.channel == "chat":
                    await chat.send(self.settings.chat_base_url, address, f"{subject}\n\n{text}")
                elif row.channel == "email":
                    await self.mailer.send_about(self._letter(row, address, words), then=following.letter if following else None)
                else:
                    raise ValueError(f"unknown channel {row.channel!r}")
        except mail.Refusal as e:
            await record(self.store, [failed(row, e.reason, e.permanent, e.failure, e.code)])
            return
        if following is None:
            await self._receipted([sent(row)])
            return
        recorded, _ = await asyncio.gather(self._receipted([sent(row)]), following.take(), return_exceptions=True)
        if isinstance(recorded, BaseException):
            raise recorded

    async def _receipted(self, receipts: list[NotificationSent]) -> None:
        """Records receipts of letters the server took. Until recorded they are owed, and the next round records them
        first if this one is cut off (its database failing over, its lock lost, its task cancelled), so the letters are
        not read as due and sent again by this replica."""
        self._owed.extend(receipts)
        await self._pay_owed()

    async def _pay_owed(self) -> None:
        owed = list(self._owed)
        if owed:
            await record(self.store, owed)
            del self._owed[: len(owed)]

    async def _words(self, rows: Sequence[Any]) -> dict[str, tuple[str, str]]:
        """Each notification's subject and text: a reminder's own, or those made from its material (one query)."""
        wanted = {r.material_id for r in rows if not r.subject and r.material_id}
        found: dict[str, Any] = {}
        if wanted:
            async with self.store.engine.connect() as conn:
                found = {
                    m.material_id: m for m in await conn.execute(select(materials).where(materials.c.material_id.in_(wanted)))
                }
        words = {}
        for r in rows:
            m = found.get(r.material_id)
            if r.subject:
                words[r.notification_id] = (str(r.subject), str(r.text or ""))
            elif m is not None:
                words[r.notification_id] = mail.about_material(m.title, m.kind, m.body)
            else:
                words[r.notification_id] = ("Профсеть: новый материал", "В вашу организацию поступил материал.")
        return words

    async def _addresses(self, rows: Sequence[Any]) -> dict[str, Address]:
        """Each row's address by notification id: parties' from the table, people's from contacts in one request
        a channel; a temporary reason there is none in place of those contacts could not give."""
        found: dict[str, Address] = {}
        if to_parties := [r for r in rows if r.recipient_kind == "party"]:
            wanted = {r.recipient_id for r in to_parties}
            async with self.store.engine.connect() as conn:
                known = await conn.execute(select(parties.c.party_id, parties.c.email).where(parties.c.party_id.in_(wanted)))
                emails: dict[str, str | None] = {party: email for party, email in known}
            found |= {r.notification_id: emails.get(r.recipient_id) for r in to_parties}
        for channel, kinds in (("email", ["work_email", "personal_email"]), ("chat", ["messenger"])):
            to_people = [r for r in rows if r.recipient_kind != "party" and r.channel == channel]
            if to_people:
                try:
                    usable = await self._usable_of(sorted({r.recipient_id for r in to_people}), kinds)
                except Unavailable as e:
                    found |= {r.notification_id: e for r in to_people}
                else:
                    found |= {r.notification_id: pick_address(usable.get(r.recipient_id, [])) for r in to_people}
        return found

    async def _usable_of(self, person_ids: list[str], kinds: list[str]) -> dict[str, list[dict[str, str]]]:
        """The people's usable addresses of these kinds, as contacts gives them now."""
        if self.signer is None:
            raise Unavailable("no token key to ask contacts for addresses (NOTIFICATIONS_SERVICE_PRIVATE_KEY)")
        reply = await self.requests.request(
            "contacts", "usable_addresses_of", {"person_ids": person_ids, "kinds": kinds}, token=self._token()
        )
        if not reply.ok:
            raise Unavailable(f"contacts did not answer: {reply.error.message if reply.error else 'no reply'}")
        usable: dict[str, list[dict[str, str]]] = {}
        for a in reply.data:
            usable.setdefault(a["person_id"], []).append(a)
        return usable

    def _token(self) -> str:
        """The sender's token for contacts, signed anew every minute (it is valid for two)."""
        assert self.signer is not None
        now = time.monotonic()
        if self._signed is None or now - self._signed[1] > 60:
            self._signed = (self.signer.sign(ME, clock.now(), 120, service_audience(self.signer.audience, "contacts")), now)
        return self._signed[0]
