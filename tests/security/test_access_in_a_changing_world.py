"""The access table in a world that changes (DESIGN.md §5: the subtree is today's): an org moved from one territorial
org to another, a member transferred, another with a transfer dated in the future, and every route asked with past
dates (`as_of`, `effective_on`, `known_on`, `since`, `planned_on`, a past period) by the users of the old and of the new
territorial org. Each expected answer is read off §5 — a date chooses facts, never who may act — not off the code."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from worlds import two_subtrees, user

from profset_testing import Stack, eventually
from profset_testing.api import admin

ROLES = ("staff", "auditor", "viewer")
PAST, LONG_AGO, MOVED_ON, TRANSFERRED_ON = "2024-06-01", "2020-06-01", "2025-01-01", "2025-06-01"
TODAY = datetime.now(ZoneInfo("Europe/Moscow")).date()
"""The union's today (DESIGN.md §3), which `known_on` may name: everything here is recorded today."""

# §5 by action: which roles may, where the target is inside their subtree today ("—": nobody but admin)
MAY = {
    "read orgs": {"staff", "auditor", "viewer"},
    "read personal data": {"staff"},
    "report facts": {"staff"},
    "shape the tree": {"staff"},
    "read a material": {"staff", "auditor", "viewer"},
    "set targets": {"staff"},
    "read audits": {"staff", "auditor", "viewer"},
    "audit": {"auditor"},
    "create users": {"staff"},
    "—": set(),
}


def cells(w: dict[str, str], n: int, side: str) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(action, whose target, method, path, body) asked by a user of territorial org `side`: `whose` is the territorial
    org the target belongs to TODAY."""
    p, m, f, q, a = w["moved"], w["transferred"], w["future"], w["emptied"], w["a"]
    old, new = "a", "b"
    chair = {"full_name": f"Сидоров {n}", "role": "chair", "since": LONG_AGO}
    user = {"username": f"user{n}", "password": "long-enough-pw", "role": "viewer", "org_id": p}
    return [
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}?as_of={LONG_AGO}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}?as_of={LONG_AGO}&known_on={TODAY}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/children?as_of={LONG_AGO}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/compliance?as_of={LONG_AGO}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/kpi/2020", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/channels?as_of={LONG_AGO}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/officers?as_of={LONG_AGO}", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/budgets/2020", None),
        ("read orgs", new, "GET", f"/api/v1/orgs/{p}/inbox", None),
        ("read personal data", new, "GET", f"/api/v1/members/{m}?as_of={PAST}", None),
        ("read personal data", new, "GET", f"/api/v1/members/{m}", None),
        ("read personal data", new, "GET", f"/api/v1/people/{m}/contact-points", None),
        ("read personal data", old, "GET", f"/api/v1/members/{f}", None),
        ("read personal data", old, "GET", f"/api/v1/people/{f}/contact-points", None),
        ("report facts", new, "POST", f"/api/v1/orgs/{p}/headcount", {"members": 40 + n, "as_of": f"2020-01-{n % 28 + 1:02d}"}),
        ("report facts", new, "PATCH", f"/api/v1/orgs/{p}", {"name": f"ППО завода {n}", "effective_on": LONG_AGO}),
        ("report facts", new, "POST", f"/api/v1/orgs/{p}/channels", {"kind": "website", "name": f"Сайт {n}", "since": LONG_AGO}),
        ("report facts", new, "PUT", f"/api/v1/orgs/{p}/budgets/2020", {"total": "1000.00", "information": f"{n}.00"}),
        ("report facts", new, "POST", f"/api/v1/orgs/{p}/officers", chair),
        ("report facts", new, "POST", f"/api/v1/people/{m}/contact-points", {"kind": "work_email", "value": f"m{n}@verf.ru"}),
        ("report facts", old, "POST", f"/api/v1/people/{f}/contact-points", {"kind": "work_email", "value": f"f{n}@verf.ru"}),
        ("read a material", new, "GET", f"/api/v1/materials/{w['material']}", None),
        ("set targets", new, "PUT", f"/api/v1/orgs/{p}/targets/2020", {"K2": 0.05}),
        ("read audits", new, "GET", f"/api/v1/orgs/{p}/audits?as_of={LONG_AGO}", None),
        ("read audits", new, "GET", f"/api/v1/orgs/{p}/remediation", None),
        ("audit", new, "POST", f"/api/v1/orgs/{p}/audits", {"planned_on": f"2020-0{n % 9 + 1}-15", "by_org_id": w[side]}),
        ("create users", new, "POST", "/api/v1/users", user),
        # a move needs the org and its new parent inside the subtree today: neither side's staff may take it across
        ("—", new, "PATCH", f"/api/v1/orgs/{p}", {"parent_id": a, "effective_on": LONG_AGO}),
        # last: dissolving an org with nothing under it (its own org, so the others' cells stay as they were)
        ("shape the tree", new, "POST", f"/api/v1/orgs/{q}/dissolution", {"effective_on": TRANSFERRED_ON, "reason": "слияние"}),
    ]


async def test_a_date_in_a_request_never_widens_who_may_act(stack: Stack) -> None:
    h, w = await admin(stack), await _world(stack)
    users = {f"{side}-{role}": await user(stack, h, f"{side}{role}", role, w[side]) for side in "ab" for role in ROLES}
    wrong, n = [], 0
    for side in "ab":  # the old org's users first, so the new org's staff dissolve last
        for role in ROLES:
            for action, whose, method, path, body in cells(w, n := n + 1, side):
                allowed = whose == side and role in MAY[action]
                reply = await _answered(stack, method, path, body, users[f"{side}-{role}"] | w["wait"])
                assert reply.status_code < 500, (side, role, path, reply.text)
                granted = reply.status_code not in (401, 403, 404)
                if granted != allowed:
                    wrong.append((side, role, method, path, reply.status_code, reply.text[:120]))
    assert wrong == [], "\n".join(map(str, wrong))


async def _world(stack: Stack) -> dict[str, Any]:
    """CC; territorial orgs A and B; a primary org moved A -> B effective 2025-01-01 (recorded today), one with
    nothing under it moved the same way; a member transferred A -> B effective 2025-06-01; a member of A's primary
    whose transfer to B is dated next month; a material the moved org wrote."""
    h = await admin(stack)
    o = await two_subtrees(stack, h, {"pa": "a", "pb": "b", "moved": "a", "emptied": "a"})
    draft = {"org_id": o["moved"], "title": "Новости завода", "body": "Текст", "kind": "news"}
    material = (await _ok(stack.http.post("/api/v1/materials", json=draft, headers=h)))["id"]
    budget = {"total": "1000.00", "information": "50.00"}
    await _ok(stack.http.put(f"/api/v1/orgs/{o['moved']}/budgets/2020", json=budget, headers=h))
    for org in (o["moved"], o["emptied"]):
        await _ok(stack.http.patch(f"/api/v1/orgs/{org}", json={"parent_id": o["b"], "effective_on": MOVED_ON}, headers=h))
    people = {}
    for who in ("transferred", "future"):
        admitted = {"full_name": f"Петрова {who}", "birth_date": "1980-02-03", "since": "2000-01-01"}
        people[who] = (await _ok(stack.http.post(f"/api/v1/orgs/{o['pa']}/members", json=admitted, headers=h)))["id"]
        contact = {"kind": "work_email", "value": f"{who}@verf.ru"}
        await _ok(stack.http.post(f"/api/v1/people/{people[who]}/contact-points", json=contact, headers=h))
    soon = (TODAY + timedelta(days=40)).isoformat()
    for who, day in (("transferred", TRANSFERRED_ON), ("future", soon)):
        body = {"org_id": o["pb"], "effective_on": day}
        last = await stack.http.post(f"/api/v1/members/{people[who]}/transfer", json=body, headers=h)
        assert last.status_code < 300, last.text
    # a registry write after all of the above: every user's request waits until the services have seen it
    last = await stack.http.post(f"/api/v1/orgs/{o['pa']}/headcount", json={"members": 30, "as_of": "2020-01-01"}, headers=h)
    wait = {"Profset-Min-Positions": json.dumps(_positions(last))}
    return o | people | {"material": material, "wait": wait}


def _positions(reply: Any) -> dict[str, int]:
    return {k: int(v) for k, v in json.loads(reply.headers["Profset-Positions"]).items()}


async def _ok(call: Any) -> dict[str, Any]:
    reply = await call
    assert reply.status_code < 300, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def _answered(stack: Stack, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """The reply once the services have caught up with each other (a 503 here only means "not yet")."""

    async def attempt() -> Any:
        reply = await stack.http.request(method, path, json=body, headers=headers)
        return None if reply.status_code == 503 else reply

    return await eventually(attempt, timeout=30, interval=0.2)
