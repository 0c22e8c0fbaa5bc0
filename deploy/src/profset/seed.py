"""The demo union `make run` seeds when the data is empty (fictional orgs and figures), through the public API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

CENTRAL = ("Центральный комитет Судпроф", "1990-10-01")
TERRITORIAL = {
    "spb": ("Санкт-Петербургская территориальная организация", "1991-01-15"),
    "north": ("Северная межрегиональная территориальная организация", "1991-03-01"),
    "east": ("Дальневосточная территориальная организация", "1992-06-01"),
}
PRIMARY = [
    # (parent, name, registered_on, members as of 2026-01-01)
    ("spb", "ППО АО «Невская верфь»", "1991-02-01", 2100),
    ("spb", "ППО АО «Балтийский судоремонтный завод»", "1993-05-12", 3400),
    ("spb", "ППО ООО «Охтинская судоверфь»", "1998-09-01", 620),
    ("spb", "ППО АО «Ладожский механический завод»", "2004-04-20", 480),
    ("north", "ППО АО «Беломорский судостроительный комбинат»", "1991-04-01", 5600),
    ("north", "ППО АО «Двинский судоремонтный центр»", "1995-03-01", 4100),
    ("north", "ППО АО «Полярное конструкторское бюро»", "2001-11-15", 90),
    ("east", "ППО ПАО «Амурская верфь»", "1992-07-01", 950),
    ("east", "ППО АО «Тихоокеанский судоремонтный завод»", "1996-10-01", 300),
    ("east", "ППО ООО «Приморская судостроительная компания»", "2016-02-01", 1200),
    (None, "ППО ФГУП «Центральный научный институт морской техники»", "1994-01-10", 1500),
]
USERS = [
    # (username, role, where, default password)
    ("staff.spb", "staff", "spb", "profset-staff"),
    ("auditor.cc", "auditor", None, "profset-auditor"),
    ("viewer.north", "viewer", "north", "profset-viewer"),
]


def seed_if_empty(url: str, admin_password: str) -> bool:
    """Seeds the demo union unless `PROFSET_DEMO=0` or the tree already has orgs; True if it seeded."""
    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": "admin", "password": admin_password})
        token.raise_for_status()
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        if os.environ.get("PROFSET_DEMO", "1") == "0" or _get(http, "/api/v1/orgs", h):
            return False
        cc = _post(http, "/api/v1/orgs", h, "cc", name=CENTRAL[0], level="central", registered_on=CENTRAL[1])
        parents: dict[str | None, str] = {None: cc["id"]}
        for key, (name, day) in TERRITORIAL.items():
            parents[key] = _post(
                http, "/api/v1/orgs", h, key, name=name, level="territorial", parent_id=cc["id"], registered_on=day
            )["id"]
        for i, (parent, name, day, members) in enumerate(PRIMARY):
            org = _post(
                http, "/api/v1/orgs", h, f"p{i}", name=name, level="primary", parent_id=parents[parent], registered_on=day
            )
            _post(http, f"/api/v1/orgs/{org['id']}/headcount", h, f"h{i}", members=members, as_of="2026-01-01")
        for username, role, where, password in USERS:
            _post(http, "/api/v1/users", h, username, username=username, role=role, org_id=parents[where], password=password)
        return True


def banner(url: str, admin_password: str, seeded: bool, folder: Path) -> str:
    """What `make run` prints once the stack answers."""
    lines = [
        "",
        f"Profset is running: {url}   (API docs: {url}/docs)",
        f"Data, logs and keys: {folder}",
        "",
        "Logins:",
        f"  admin         / {admin_password}",
    ]
    if os.environ.get("PROFSET_DEMO", "1") != "0":
        lines += [f"  {u:<13} / {p}   ({r})" for u, r, _, p in USERS]
        lines.append("  (demo union: fictional orgs and figures)" + (" — seeded now" if seeded else ""))
    lines += ["", "Ctrl-C (or `make stop`) stops everything."]
    return "\n".join(lines)


def _get(http: httpx.Client, path: str, headers: dict[str, str]) -> Any:
    reply = http.get(path, headers=headers)
    reply.raise_for_status()
    return reply.json()


def _post(http: httpx.Client, path: str, headers: dict[str, str], key: str, **body: Any) -> Any:
    reply = http.post(path, json=body, headers={**headers, "Idempotency-Key": f"demo-{key}"})
    if reply.status_code >= 400:
        raise RuntimeError(f"seeding {path} failed: {reply.status_code} {reply.text}")
    return reply.json()
