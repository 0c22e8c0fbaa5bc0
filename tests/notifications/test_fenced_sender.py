"""Two notifications services on one database: the sender that loses its lock (its lock session's backend terminated in
the middle of a mail round) stops before its next letter, and the one that takes over sends what is left — no letter
twice, none lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from contacts.config import ContactsSettings
from contacts.main import create_service as create_contacts
from exchange.config import ExchangeSettings
from exchange.main import create_service as create_exchange
from notifications.config import NotificationsSettings
from notifications.main import create_service as create_notifications
from notifications.outcomes import record, sent
from notifications.tables import outbox, parties
from notifications_helpers import caught_up, central, settled
from sqlalchemy import insert, select, text

from kit import clock
from kit.db import make_engine
from kit.locks import lock_key
from kit.rpc import RequestClient
from kit.tokens import Actor, Role, Signer
from profset import cli
from profset_testing import Keys, Stack, eventually, service_settings
from profset_testing.csv_files import union_files, write
from registry.config import RegistrySettings
from registry.main import create_service as create_registry

SUBJECT = "Всем ППО"
HOLDER = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND classid::bigint = :hi AND objid::bigint = :lo"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def test_a_sender_whose_lock_backend_is_terminated_mid_round_stops_and_no_letter_goes_twice(
    database_url: str, nats_server: Any, keys: Keys, nc: Any, smtp: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    shared = service_settings(database_url, nats_server.url, keys)
    mail = {
        "smtp_port": smtp.port,
        "service_private_key": keys.notifications_private,
        "rate_per_second": 40,
        "retry_base_seconds": 0.2,
    }
    engine = make_engine(database_url)
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(create_registry(RegistrySettings(**shared | keys.sealing("registry"))).running())
        await running.enter_async_context(create_contacts(ContactsSettings(**shared | keys.sealing("contacts"))).running())
        await running.enter_async_context(create_exchange(ExchangeSettings(**shared)).running())
        folder = tmp_path / "union"
        folder.mkdir()
        union_files(folder, territorial=2, primary=200, members=0)
        chairs = [[f"o{i}", "work_email", f"chair{i}@verf.ru", "", ""] for i in range(200)]
        write(folder, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], chairs)
        monkeypatch.setenv("DATABASE_URL", database_url)
        for key, value in keys.master_environment().items():
            monkeypatch.setenv(key, value)
        assert await asyncio.to_thread(cli.main, ["import", str(folder)]) == 0
        for _ in range(2):
            await running.enter_async_context(create_notifications(NotificationsSettings(**shared, **mail)).running())
        await eventually(lambda: caught_up(engine), timeout=60)

        token = Signer(keys.private).sign(Actor("admin", Role.ADMIN, None), clock.now(), 600, "profset/exchange")
        requests = RequestClient(nc)
        draft = {"org_id": await central(engine), "title": SUBJECT, "body": "Текст", "kind": "announcement"}
        material = (await requests.request("exchange", "draft_material", draft, token=token)).data["id"]
        assert (await requests.request("exchange", "cascade", {"material_id": material}, token=token, command_id="c1")).ok
        await eventually(lambda: _letters_at_least(smtp, 40), timeout=60, interval=0.01)
        terminated = await _terminate_the_sender_lock_holder(engine)
        midway = _letters(smtp)
        assert terminated and midway < 190, f"terminated midway, after {midway} letters"
        await eventually(lambda: settled(engine, 400), timeout=90)  # the chairs, and the workers without an address
        await asyncio.sleep(1.0)  # a letter sent twice would arrive by now
    await engine.dispose()
    by_address = Counter(str(m["To"]) for m in smtp.letters if SUBJECT in str(m["Subject"]))
    assert set(by_address) == {f"chair{i}@verf.ru" for i in range(200)}, "none lost"
    assert {a: n for a, n in by_address.items() if n > 1} == {}, "none sent twice"


async def _terminate_the_sender_lock_holder(engine: Any) -> int:
    """Terminates the backend of the session holding the senders' lock; its pid."""
    key = lock_key("sender", "notifications") & 0xFFFFFFFFFFFFFFFF
    async with engine.connect() as conn:
        pid = (await conn.execute(HOLDER, {"hi": key >> 32, "lo": key & 0xFFFFFFFF})).scalar_one()
        assert (await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        await conn.commit()
    return int(pid)


def _letters(smtp: Any) -> int:
    return sum(SUBJECT in str(m["Subject"]) for m in smtp.letters)


async def _letters_at_least(smtp: Any, n: int) -> bool:
    return _letters(smtp) >= n


async def test_a_letter_another_sender_has_in_flight_is_left_to_it_and_not_sent_again_once_it_is_recorded(
    stack: Stack, smtp: Any
) -> None:
    service = stack.services["notifications"]
    engine = service.runtime.engine
    row = SimpleNamespace(
        notification_id="n-in-flight",
        trigger="delivery:m:p",
        recipient_id="p-party",
        recipient_kind="party",
        channel="email",
        org_id=None,
        material_id=None,
        attempts=0,
    )
    async with engine.connect() as other:  # the sender that lost its lock, still sending this letter
        got = await other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key("letter", row.notification_id)})
        assert got.scalar_one()
        await other.commit()
        async with engine.begin() as conn:
            await conn.execute(insert(parties).values(party_id="p-party", name="Адресат", email="party@example.org"))
            values = {**vars(row), "subject": "Профсеть: письмо в пути", "text": "Текст", "status": "pending"}
            await conn.execute(insert(outbox).values(**values, next_attempt_at=clock.now(), created_at=clock.now()))
        await asyncio.sleep(2.0)  # four rounds of the running sender
        assert not [m for m in smtp.letters if "party@example.org" in str(m["To"])], "left to the sender that has it"
        await record(service.runtime.store, [sent(row)])  # that sender's receipt, recorded before it lets go
        await other.execute(text("SELECT pg_advisory_unlock_all()"))
        await other.commit()
    async with engine.connect() as conn:
        status = (await conn.execute(select(outbox.c.status).where(outbox.c.notification_id == row.notification_id))).scalar()
    assert status == "sent"
    await asyncio.sleep(1.5)
    assert not [m for m in smtp.letters if "party@example.org" in str(m["To"])], "not sent again once it was recorded"
