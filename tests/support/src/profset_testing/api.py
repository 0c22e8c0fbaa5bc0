"""Helpers over the gateway's public API that the suites share: a small union, members, posts, a chain of orgs."""

from __future__ import annotations

from typing import Any

from .stack import ADMIN_PASSWORD, Stack


async def admin(stack: Stack) -> dict[str, str]:
    """Authorization headers of the built-in admin."""
    return await stack.login("admin", ADMIN_PASSWORD)


async def register(stack: Stack, headers: dict[str, str], **body: object) -> dict[str, Any]:
    """Registers an org; answers it."""
    reply = await stack.http.post("/api/v1/orgs", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    org: dict[str, Any] = reply.json()
    return org


async def union(stack: Stack) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The admin's headers and a CC, a territorial org under it and a primary org under that."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК Судпроф", level="central", registered_on="1990-01-01")
    t = await register(stack, h, name="Северо-Западная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    p = await register(stack, h, name="ППО верфи", level="primary", parent_id=t["id"], registered_on="1995-03-01")
    return h, cc, t, p


async def admit(stack: Stack, h: dict[str, str], org_id: str, **body: object) -> str:
    """Admits a member to an org; answers the membership's id."""
    reply = await stack.http.post(f"/api/v1/orgs/{org_id}/members", json=body, headers=h)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def get(stack: Stack, h: dict[str, str], path: str, **params: object) -> Any:
    """The body of a GET answered 200."""
    reply = await stack.http.get(path, params=params, headers=h)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def post(stack: Stack, h: dict[str, str], path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    """The body of a POST answered `status`."""
    reply = await stack.http.post(path, json=body, headers=h)
    assert reply.status_code == status, reply.text
    return dict(reply.json())


async def person(stack: Stack, h: dict[str, str], org_id: str, name: str, role: str | None = None) -> tuple[str, dict[str, str]]:
    """A member (or an officer, given a role) and the headers that make contacts wait until it knows them."""
    path, body = (
        (f"/api/v1/orgs/{org_id}/officers", {"full_name": name, "role": role})
        if role
        else (
            f"/api/v1/orgs/{org_id}/members",
            {"full_name": name, "since": "2010-01-01"},
        )
    )
    reply = await stack.http.post(path, json=body, headers=h)
    assert reply.status_code == 201, reply.text
    data = reply.json()
    return data.get("person_id", data["id"]), {**h, "Profset-Min-Positions": reply.headers["Profset-Positions"]}


NEWS = {"title": "Индексация зарплаты", "body": "С 1 июля оклады растут на 8 %.", "kind": "news", "topics": ["wages"]}
"""A material's fields, less its org and flags."""


async def chain(stack: Stack) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """CC; territorial T1 (with an association) and T2; primary P1, P3 under T1, P4 under T2; FNPR and Solidarnost."""
    h, cc, t1, p1 = await union(stack)
    t2 = await register(stack, h, name="Т2", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    p3 = await register(stack, h, name="ППО-3", level="primary", parent_id=t1["id"], registered_on="1996-01-01")
    p4 = await register(stack, h, name="ППО-4", level="primary", parent_id=t2["id"], registered_on="1996-01-01")
    orgs = {"cc": cc, "t1": t1, "t2": t2, "p1": p1, "p3": p3, "p4": p4}
    for kind, name, org in (
        ("fnpr", "ФНПР", None),
        ("solidarnost", "Солидарность", None),
        ("territorial_association", "ТО ФНПР", t1["id"]),
    ):
        party = await post(
            stack, h, "/api/v1/parties", {"kind": kind, "name": name, "email": f"{kind}@example.org", "org_id": org}
        )
        orgs[kind] = party
    return h, orgs


async def chain_with_addressees(stack: Stack) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The chain, with a chair of P1 at a work address and an activist of P3 at a consented personal one: a cascade
    mails them."""
    h, orgs = await chain(stack)
    chair, hc = await person(stack, h, orgs["p1"]["id"], "Председатель", role="chair")
    activist, ha = await person(stack, h, orgs["p3"]["id"], "Активист", role="info_activist")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    consent = {"given_at": "2026-01-01", "method": "written"}
    point = {"kind": "personal_email", "value": "act@mail.ru", "consent": consent}
    await post(stack, ha, f"/api/v1/people/{activist}/contact-points", point)
    return h, orgs
