"""A cascade over 200 orgs mails each consenting recipient once; killing the sender midway misses nothing
and repeats at most the letters in flight, with the same Message-ID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from contacts.config import ContactsSettings
from contacts.main import create_service as create_contacts
from exchange.config import ExchangeSettings
from exchange.main import create_service as create_exchange
from notifications_helpers import caught_up, central, settled

from kit import clock
from kit.db import make_engine
from kit.rpc import RequestClient
from kit.tokens import Actor, Role, Signer
from profset import cli
from profset.servers import free_port
from profset_testing import Keys, eventually, service_settings
from profset_testing.csv_files import union_files, write
from registry.config import RegistrySettings
from registry.main import create_service as create_registry


def start_notifications(shared: dict[str, str], keys: Keys, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": shared["database_url"],
        "NATS_URL": shared["nats_url"],
        "TOKEN_PUBLIC_KEY": keys.public,
        "NOTIFICATIONS_SERVICE_PRIVATE_KEY": keys.notifications_private,
        "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "NOTIFICATIONS_RATE_PER_SECOND": "40",
        "NOTIFICATIONS_HTTP_PORT": str(free_port()),
    }
    return subprocess.Popen([sys.executable, "-m", "notifications"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_a_cascade_over_200_orgs_mails_each_consenting_recipient_once_across_a_kill(
    database_url: str, nats_server: Any, keys: Keys, nc: Any, smtp: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    shared = service_settings(database_url, nats_server.url, keys)
    engine = make_engine(database_url)
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(create_registry(RegistrySettings(**shared | keys.sealing("registry"))).running())
        await running.enter_async_context(create_contacts(ContactsSettings(**shared | keys.sealing("contacts"))).running())
        await running.enter_async_context(create_exchange(ExchangeSettings(**shared)).running())
        folder = tmp_path / "union"
        folder.mkdir()
        union_files(folder, territorial=2, primary=200, members=0)
        consenting = [[f"o{i}", "work_email", f"chair{i}@verf.ru", "", ""] for i in range(200)]
        refused = [[f"w{i}", "personal_email", f"worker{i}@mail.ru", "", ""] for i in range(200)]
        write(
            folder, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], consenting + refused
        )
        monkeypatch.setenv("DATABASE_URL", database_url)
        for key, value in keys.master_environment().items():
            monkeypatch.setenv(key, value)
        assert await asyncio.to_thread(cli.main, ["import", str(folder)]) == 0

        first = start_notifications(shared, keys, smtp.port, tmp_path / "notifications.log")
        try:
            await eventually(lambda: caught_up(engine), timeout=60)
            token = Signer(keys.private).sign(Actor("admin", Role.ADMIN, None), clock.now(), 600, "profset/exchange")
            cc = await central(engine)
            requests = RequestClient(nc)
            draft = {"org_id": cc, "title": "Всем ППО", "body": "Текст", "kind": "announcement"}
            material = (await requests.request("exchange", "draft_material", draft, token=token)).data["id"]
            assert (await requests.request("exchange", "cascade", {"material_id": material}, token=token, command_id="c1")).ok
            await eventually(lambda: _letters_at_least(smtp, 40), timeout=60, interval=0.01)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        midway = sum("Всем ППО" in str(letter["Subject"]) for letter in smtp.letters)
        assert 40 <= midway < 200, f"killed midway, after {midway} letters"

        second = start_notifications(shared, keys, smtp.port, tmp_path / "notifications.log")
        try:
            await eventually(lambda: settled(engine, 400), timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    await engine.dispose()
    # the chairs may also hear of deadlines (P10 reminders); this counts the letters about the material
    about = [letter for letter in smtp.letters if "Всем ППО" in str(letter["Subject"])]
    by_address = Counter(str(letter["To"]) for letter in about)
    assert set(by_address) == {f"chair{i}@verf.ru" for i in range(200)}, "every consenting recipient, and nobody else"
    repeated = {a: n for a, n in by_address.items() if n > 1}
    assert sum(repeated.values()) - len(repeated) <= 1, f"at most the letter in flight at the kill again: {repeated}"
    for address in repeated:
        assert len({letter["Message-ID"] for letter in smtp.letters if letter["To"] == address}) == 1, (
            "a resend keeps its Message-ID"
        )


async def _letters_at_least(smtp: Any, n: int) -> bool:
    return sum("Всем ППО" in str(letter["Subject"]) for letter in smtp.letters) >= n
