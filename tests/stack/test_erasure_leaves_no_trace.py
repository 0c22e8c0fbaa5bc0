"""PD1 on the running stack: after an erasure no table, no stream (dead letters included) and no service log holds
anything of the person, although they were an officer, had addresses and were mailed — by a mail server that first
refused them quoting their address —; error bodies never echo them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import nats
import psycopg

from profset.servers import free_port
from profset_testing import eventually, forms, holds, plaintext_in_tables, plaintext_on_streams
from profset_testing.faults import record

SECRET = {"full_name": "Шредингерова Ада Эрвиновна", "birth_date": "1971-02-03", "position": "такелажница-уникум"}
EMAIL, PHONE = "ada.schroedinger.1971@mail.example", "+79215551971"
NEWS = {"title": "Индексация зарплаты", "body": "С 1 июля оклады растут на 8 %.", "kind": "news", "topics": ["wages"]}


def profset(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profset", *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


class Api:
    """The stack's gateway as the admin uses it."""

    def __init__(self, base: str, password: str) -> None:
        self.http = httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=30)
        self.password = password

    async def login(self) -> None:
        reply = await self.http.post("/auth/token", data={"username": "admin", "password": self.password})
        self.http.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"

    async def call(self, method: str, path: str, expect: int = 201, **kwargs: Any) -> Any:
        reply = await self.http.request(method, path, **kwargs)
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()


async def test_an_erased_officer_leaves_no_trace_in_tables_streams_or_logs(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {**os.environ, "PROFSET_DATA": str(data), "GATEWAY_PORT": str(port), "PROFSET_ADMIN_PASSWORD": "a-test-admin-pw"}
    env |= {"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}  # the most a service ever writes, as production writes it
    # the local mail server refuses each recipient's first letter quoting the address (450 4.2.1 <address>: …), so the
    # receipt of that failure, its event and the outbox's last error are scanned too; the retry comes a second later
    env |= {"PROFSET_MAILSINK_DEFER_FIRST": "1", "NOTIFICATIONS_RETRY_BASE_SECONDS": "1"}
    for inherited in ("DATABASE_URL", "NATS_URL"):
        env.pop(inherited, None)
    started = await asyncio.to_thread(profset, "stack", "up", "--background", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        api = Api(f"http://127.0.0.1:{port}", env["PROFSET_ADMIN_PASSWORD"])
        await api.login()
        person, mailed = await _an_officer_who_was_mailed(api, data)
        database_url = json.loads((data / "servers.json").read_text())["DATABASE_URL"]
        refused = await eventually(lambda: _refusals_recorded(database_url, person), timeout=30, interval=0.5)
        needles = [f for value in (*SECRET.values(), EMAIL, PHONE) for f in forms(value)]
        echoed = await _refusals_echo(api, person)

        await api.call("POST", f"/members/{person}/erasure", 202, json={"basis": "заявление от 02.12.2026"})
        await eventually(lambda: _contacts_forgot(api, person), timeout=30)
        servers = json.loads((data / "servers.json").read_text())
        await eventually(lambda: _keys_gone(servers["DATABASE_URL"], person), timeout=30)
        client = await nats.connect(servers["NATS_URL"])
        try:
            streams, messages = await plaintext_on_streams(client, needles)
        finally:
            await client.close()
        tables = await plaintext_in_tables(servers["DATABASE_URL"], needles)
        logs = sorted(p.name for p in (data / "logs").glob("*.log") if holds(p.read_text(errors="replace"), needles))
        log_bytes = sum(p.stat().st_size for p in (data / "logs").glob("*.log"))
    finally:
        await asyncio.to_thread(profset, "stack", "down", env=env)
    record(
        "erased_officer_scanned",
        letters_to_the_person=mailed,
        stream_messages_scanned=messages,
        log_bytes_scanned=log_bytes,
        tables_with_plaintext=len(tables),
        streams_with_plaintext=len(streams),
        logs_with_plaintext=len(logs),
        refusals_echoing=echoed,
        mail_refusals_recorded=refused,
    )
    assert mailed >= 1, "the person was reached by mail before the erasure"
    assert refused >= 1, "the mail server's refusal quoting the address was recorded"
    assert (tables, streams, logs, echoed) == ([], [], [], 0)


async def _an_officer_who_was_mailed(api: Api, data: Path) -> tuple[str, int]:
    """A member of a primary org of the St Petersburg organisation, its chair, with a consented e-mail and a phone
    without consent, who hears of a CC cascade by mail; the person's id and how many letters reached them."""
    orgs = await api.call("GET", "/orgs", 200)
    cc = next(o for o in orgs if o["level"] == "central")
    spb = next(o for o in orgs if o["name"].startswith("Санкт-Петербургская"))
    primary = next(o for o in orgs if o["parent_id"] == spb["id"] and o["level"] == "primary")
    member = await api.call("POST", f"/orgs/{primary['id']}/members", json={**SECRET, "since": "2001-01-01"})
    person = member["id"]
    await api.call("POST", f"/orgs/{primary['id']}/officers", json={"person_id": person, "role": "chair"})
    consent = {"given_at": "2026-01-01", "method": "written"}
    point = {"kind": "personal_email", "value": EMAIL, "consent": consent}
    await eventually(lambda: _added(api, f"/people/{person}/contact-points", point), timeout=30)
    await api.call("POST", f"/people/{person}/contact-points", json={"kind": "mobile", "value": PHONE})
    material = await api.call("POST", "/materials", json={**NEWS, "org_id": cc["id"]})
    await api.call("POST", f"/materials/{material['id']}/cascade", 202, json={"to": [spb["id"]]})
    mail = data / "mail"

    async def letters() -> int:
        found = sum(1 for p in mail.glob("*.eml") if EMAIL in p.read_text(errors="replace"))
        assert found, "no letter to the person yet"
        return found

    return person, await eventually(letters, timeout=60, interval=0.5)


async def _refusals_recorded(database_url: str, person: str) -> int:
    """How many of the person's letters about a delivery went on a second attempt, the first refused (their failure
    receipts, scrubbed, are in the ledger and on the stream the scan reads)."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        found = await (
            await conn.execute(
                "SELECT count(*) FROM notifications.outbox WHERE recipient_id = %s AND trigger LIKE 'delivery:%%'"
                " AND status = 'sent' AND attempts >= 2",
                (person,),
            )
        ).fetchone()
    assert found and found[0], "the letter's receipt, after the refusal, is recorded"
    return int(found[0])


async def _added(api: Api, path: str, body: dict[str, Any]) -> bool:
    """Adds a contact point once contacts has learnt of the person (a 404 until then)."""
    reply = await api.http.post(path, json=body)
    assert reply.status_code == 201, reply.text
    return True


async def _refusals_echo(api: Api, person: str) -> int:
    """How many refusals of inputs carrying the person's data repeat that data in their body."""
    orgs = await api.call("GET", "/orgs", 200)
    primary = next(o for o in orgs if o["level"] == "primary")
    tries = [
        ("POST", f"/orgs/{primary['id']}/members", {"full_name": SECRET["full_name"], "birth_date": SECRET["full_name"]}),
        ("POST", f"/orgs/{primary['id']}/members", {"full_name": SECRET["full_name"] * 40, "since": "2001-01-01"}),
        ("POST", f"/people/{person}/contact-points", {"kind": "personal_email", "value": f"{SECRET['full_name']}@"}),
        ("POST", f"/people/{person}/contact-points", {"kind": "fax", "value": PHONE}),
    ]
    echoed = 0
    for method, path, body in tries:
        reply = await api.http.request(method, path, json=body)
        assert 400 <= reply.status_code < 500, f"{path}: {reply.status_code} {reply.text}"
        echoed += holds(reply.text, [SECRET["full_name"], SECRET["full_name"][:12], PHONE])
    return echoed


async def _contacts_forgot(api: Api, person: str) -> bool:
    """Contacts keeps the person's contact points as erased, with no value."""
    points = await api.call("GET", f"/people/{person}/contact-points", 200)
    assert len(points) == 2 and all(p["erased"] and p["value"] is None and not p["usable"] for p in points), points
    return True


async def _keys_gone(database_url: str, person: str) -> bool:
    """No service's ledger keeps a key of the person any more."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        schemas = await (
            await conn.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'person_keys'")
        ).fetchall()
        for (schema,) in schemas:
            kept = await (
                await conn.execute(
                    f'SELECT count(*) FROM "{schema}".person_keys WHERE person_id = %s AND wrapped_key IS NOT NULL', (person,)
                )
            ).fetchone()
            assert kept == (0,), f"{schema} still keeps a key of the person"
    return True
