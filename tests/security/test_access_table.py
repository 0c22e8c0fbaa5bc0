"""Gateway routes × role × inside/outside the user's subtree; every expected answer is read off DESIGN.md §5 —
every row of it but moderation (staff: materials of orgs strictly below its root) and moving or dissolving
orgs, which tests/exchange and tests/api cover route by route."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import admin, register
from profset_testing.faults import record

ROLES = ("admin", "staff", "auditor", "viewer")
OK, REFUSED = "ok", "refused"

# DESIGN.md §5, row by row: who may, for an org inside the user's subtree and for one outside it.
# "all" = admin everywhere; "subtree" = inside only; "—" = never.
TABLE: dict[str, dict[str, str]] = {
    "read orgs, facts, compliance, KPI": {"admin": "all", "staff": "subtree", "auditor": "subtree", "viewer": "subtree"},
    "read members' personal data": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "report facts": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "register orgs": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "read a material": {"admin": "all", "staff": "subtree", "auditor": "subtree", "viewer": "subtree"},
    "draft materials": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "acknowledge a delivery": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "set targets, close periods": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
    "read audits, findings, remediation": {"admin": "all", "staff": "subtree", "auditor": "subtree", "viewer": "subtree"},
    "audit: plan, find, assign remediation": {"admin": "all", "staff": "—", "auditor": "subtree", "viewer": "—"},
    "create users": {"admin": "all", "staff": "subtree", "auditor": "—", "viewer": "—"},
}


def expected(action: str, role: str, inside: bool) -> str:
    rule = TABLE[action][role]
    return OK if rule == "all" or (rule == "subtree" and inside) else REFUSED


def routes(
    org: str, parent: str, member: str, audit_id: str, material: str, delivered: str, n: int
) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(action, method, path, body) of every route checked, aimed at one org (its parent, one of its members, audits,
    materials, and a CC material delivered to it alone)."""
    read = "read orgs, facts, compliance, KPI"
    audits, audit = "read audits, findings, remediation", "audit: plan, find, assign remediation"
    day = f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    return [
        (read, "GET", f"/api/v1/orgs/{org}", None),
        (read, "GET", f"/api/v1/orgs/{org}/children", None),
        (read, "GET", f"/api/v1/orgs/{org}/compliance", None),
        (read, "GET", f"/api/v1/orgs/{org}/compliance/summary", None),
        (read, "GET", f"/api/v1/orgs/{org}/kpi/2026", None),
        (read, "GET", f"/api/v1/orgs/{org}/inbox", None),
        ("read members' personal data", "GET", f"/api/v1/members/{member}", None),
        ("report facts", "POST", f"/api/v1/orgs/{org}/headcount", {"members": 10 + n, "as_of": f"2020-01-{n % 28 + 1:02d}"}),
        ("report facts", "PATCH", f"/api/v1/orgs/{org}", {"name": f"ППО {n}"}),  # a rename (kit.access: report_facts)
        ("report facts", "POST", f"/api/v1/orgs/{org}/members", {"full_name": f"Иванов {n}"}),
        ("report facts", "POST", f"/api/v1/orgs/{org}/channels", {"kind": "website", "name": f"Сайт {n}"}),
        ("register orgs", "POST", "/api/v1/orgs", {"name": f"ППО {n}", "level": "primary", "parent_id": parent}),
        ("read a material", "GET", f"/api/v1/materials/{material}", None),  # authored there, delivered nowhere
        ("read a material", "GET", f"/api/v1/materials/{delivered}", None),  # the CC's, delivered there only
        ("acknowledge a delivery", "POST", f"/api/v1/materials/{delivered}/acknowledge", {"org_id": org}),
        ("draft materials", "POST", "/api/v1/materials", {"org_id": org, "title": "T", "body": "B", "kind": "news"}),
        ("set targets, close periods", "PUT", f"/api/v1/orgs/{org}/targets/2026", {"K2": 0.05}),
        ("set targets, close periods", "POST", f"/api/v1/orgs/{org}/kpi/{1990 + n}/close", None),
        (audit, "POST", f"/api/v1/orgs/{org}/audits", {"planned_on": day}),
        (audits, "GET", f"/api/v1/orgs/{org}/audits", None),
        (audits, "GET", f"/api/v1/orgs/{org}/audit-plan", None),
        (audits, "GET", f"/api/v1/audits/{audit_id}", None),
        (audit, "POST", f"/api/v1/audits/{audit_id}/findings", {"rule": "P4", "severity": "minor", "note": f"Замечание {n}"}),
        (
            audit,
            "POST",
            f"/api/v1/audits/{audit_id}/remediation",
            {"action": f"Исправить {n}", "owner_role": "chair", "due_on": "2027-01-01"},
        ),
        (audits, "GET", f"/api/v1/orgs/{org}/remediation", None),
        (
            "create users",
            "POST",
            "/api/v1/users",
            {"username": f"user{n}", "password": "long-enough-pw", "role": "viewer", "org_id": org},
        ),
    ]


async def test_every_route_answers_each_role_as_section_5_says(stack: Stack) -> None:
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    mine = await register(stack, h, name="Своя", level="territorial", parent_id=cc["id"], registered_on="1990-01-01")
    other = await register(stack, h, name="Чужая", level="territorial", parent_id=cc["id"], registered_on="1990-01-01")
    inside = await register(stack, h, name="ППО своя", level="primary", parent_id=mine["id"], registered_on="1990-01-01")
    outside = await register(stack, h, name="ППО чужая", level="primary", parent_id=other["id"], registered_on="1990-01-01")
    members, audits, materials, delivered = {}, {}, {}, {}
    for org, parent in ((inside, mine), (outside, other)):
        news = {"org_id": cc["id"], "title": f"Всем в {parent['name']}", "body": "Текст", "kind": "news"}
        reply = await stack.http.post("/api/v1/materials", json=news, headers=h)
        delivered[org["id"]] = reply.json()["id"]
        reply = await stack.http.post(f"/api/v1/materials/{delivered[org['id']]}/cascade", json={"to": [parent["id"]]}, headers=h)
        assert reply.status_code == 202, reply.text
        await eventually(lambda o=org["id"]: _delivered(stack, h, delivered[o], o), timeout=30)
    for org in (inside, outside):
        reply = await stack.http.post(f"/api/v1/orgs/{org['id']}/members", json={"full_name": "Петрова Анна"}, headers=h)
        members[org["id"]] = reply.json()["id"]
        # an audit under way of each org, by its parent (C1), for the findings and remediation cells
        reply = await stack.http.post(f"/api/v1/orgs/{org['id']}/audits", json={"planned_on": "2026-06-01"}, headers=h)
        assert reply.status_code == 201, reply.text
        audits[org["id"]] = reply.json()["id"]
        draft = {"org_id": org["id"], "title": "Черновик", "body": "Текст", "kind": "news"}
        reply = await stack.http.post("/api/v1/materials", json=draft, headers=h)
        assert reply.status_code == 201, reply.text
        materials[org["id"]] = reply.json()["id"]
        started = await stack.http.post(f"/api/v1/audits/{audits[org['id']]}/start", json={}, headers=h)
        assert started.status_code == 200, started.text
    headers = {"admin": h}
    for role in ROLES[1:]:
        body = {"username": role, "password": "a-long-password", "role": role, "org_id": mine["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
        headers[role] = await stack.login(role, "a-long-password")

    wrong, n, cells = [], 0, 0
    for role in ROLES:
        for where, org in (("inside", inside), ("outside", outside)):
            parent = mine if where == "inside" else other
            ids = (members[org["id"]], audits[org["id"]], materials[org["id"]], delivered[org["id"]])
            for action, method, path, body in routes(org["id"], parent["id"], *ids, n := n + 1):
                cells += 1
                reply = await _answered(stack, method, path, body, headers[role])
                assert reply.status_code < 500, (role, path, reply.text)
                got = OK if _granted(reply) else REFUSED if reply.status_code in (403, 404) else reply.text
                if got != expected(action, role, where == "inside"):
                    wrong.append((role, where, method, path, reply.status_code))
    record("access_table", cells=cells, wrong=len(wrong))
    assert wrong == [], "\n".join(map(str, wrong))


async def _delivered(stack: Stack, h: dict[str, str], material: str, org: str) -> bool:
    reply = await stack.http.get(f"/api/v1/materials/{material}/deliveries", headers=h)
    return reply.status_code == 200 and org in {d["recipient"] for d in reply.json()}


def _granted(reply: Any) -> bool:
    """Done, or let through and then refused by a domain rule that presumes access: a delivery already
    acknowledged (by a role that went before in the table)."""
    if reply.status_code < 300:
        return True
    details = reply.json().get("error", {}).get("details") or [{}] if reply.status_code == 422 else [{}]
    return details[0].get("rule") == "acknowledged"


async def _answered(stack: Stack, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """The reply once the services have caught up with each other (a 503 here only means "not yet")."""

    async def attempt() -> Any:
        reply = await stack.http.request(method, path, json=body, headers=headers)
        return None if reply.status_code == 503 else reply

    return await eventually(attempt, timeout=30, interval=0.2)
