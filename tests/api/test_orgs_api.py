"""The org tree through the public API, against real NATS and PostgreSQL (DESIGN.md §7)."""

from __future__ import annotations

import asyncio

from profset_testing import Stack
from profset_testing.api import admin, register, union


async def test_the_demo_walkthrough_of_the_foundation_issue(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    reply = await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": 553, "as_of": "2020-01-01"}, headers=h)
    assert reply.status_code == 201 and "registry" in reply.headers["Profset-Positions"]
    org = (await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "2021-01-01"}, headers=h)).json()
    assert org["members"] == 553 and org["parent_id"] == t["id"] and org["headcount_as_of"] == "2020-01-01"
    assert (await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "1994-12-31"}, headers=h)).status_code == 404
    assert (await stack.http.get(f"/api/v1/orgs/{t['id']}", params={"as_of": "2021-01-01"}, headers=h)).json()["members"] == 553

    t2 = await register(stack, h, name="Дальневосточная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    moved = await stack.http.patch(
        f"/api/v1/orgs/{p['id']}", json={"parent_id": t2["id"], "effective_on": "2018-07-01"}, headers=h
    )
    assert moved.status_code == 200 and moved.json()["parent_id"] == t2["id"]
    before = (await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "2018-06-30"}, headers=h)).json()
    after = (await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "2018-07-01"}, headers=h)).json()
    assert before["parent_id"] == t["id"] and after["parent_id"] == t2["id"]
    members = lambda org, day: stack.http.get(f"/api/v1/orgs/{org['id']}", params={"as_of": day}, headers=h)  # noqa: E731
    assert (await members(t, "2021-01-01")).json()["members"] is None, "the figure moved with its primary org"
    assert (await members(t2, "2021-01-01")).json()["members"] == 553


async def test_known_on_answers_what_was_known_then(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": 100, "as_of": "2020-01-01"}, headers=h)
    today = (await stack.http.get(f"/api/v1/orgs/{p['id']}", headers=h)).json()["as_of"]
    known = await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "2021-01-01", "known_on": "2000-01-01"}, headers=h)
    assert known.status_code == 404, "nothing about this org was recorded back in 2000"
    now = await stack.http.get(f"/api/v1/orgs/{p['id']}", params={"as_of": "2021-01-01", "known_on": today}, headers=h)
    assert now.json()["members"] == 100


async def test_bad_input_names_the_field_and_the_rule(stack: Stack) -> None:
    h, _, t, _ = await union(stack)
    reply = await stack.http.post("/api/v1/orgs", json={"name": "", "level": "regional"}, headers=h)
    assert reply.status_code == 422
    assert {d["field"] for d in reply.json()["error"]["details"]} == {"name", "level"}
    reply = await stack.http.post("/api/v1/orgs", json={"name": "x", "level": "territorial", "parent_id": t["id"]}, headers=h)
    assert reply.status_code == 422
    assert reply.json()["error"]["details"][0] == {
        "field": "parent_id",
        "rule": "H1",
        "message": "a territorial org sits under a central org, not a territorial one",
    }
    reply = await stack.http.post(f"/api/v1/orgs/{t['id']}/headcount", json={"members": 5}, headers=h)
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["rule"] == "counting"
    reply = await stack.http.post(
        f"/api/v1/orgs/{t['id']}/dissolution", json={"effective_on": "2020-01-01", "reason": "x"}, headers=h
    )
    assert reply.status_code == 422 and "still sit under it" in reply.json()["error"]["message"]
    assert (await stack.http.get("/api/v1/orgs/nope", headers=h)).status_code == 404
    garbage = await stack.http.post("/api/v1/orgs", content=b"{nope", headers={**h, "content-type": "application/json"})
    assert garbage.status_code == 422


async def test_a_retried_write_with_the_same_idempotency_key_creates_one_org(stack: Stack) -> None:
    h = await admin(stack)
    body = {"name": "ЦК", "level": "central", "registered_on": "1990-01-01"}
    first, again = [await stack.http.post("/api/v1/orgs", json=body, headers={**h, "Idempotency-Key": "k-1"}) for _ in range(2)]
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = await stack.http.post("/api/v1/orgs", json={**body, "name": "ЦК-2"}, headers={**h, "Idempotency-Key": "k-1"})
    assert other.status_code == 409
    assert len((await stack.http.get("/api/v1/orgs", headers=h)).json()) == 1


async def test_two_concurrent_registrations_of_a_central_committee_are_refused_once(stack: Stack) -> None:
    h = await admin(stack)
    replies = await asyncio.gather(
        *(stack.http.post("/api/v1/orgs", json={"name": f"ЦК {i}", "level": "central"}, headers=h) for i in range(2))
    )
    assert sorted(r.status_code for r in replies) == [201, 422]


async def test_roles_and_subtrees_limit_what_a_user_sees_and_does(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    other = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    for username, role in (("staff.t", "staff"), ("viewer.t", "viewer")):
        created = await stack.http.post(
            "/api/v1/users",
            json={"username": username, "password": "a long password", "role": role, "org_id": t["id"]},
            headers=h,
        )
        assert created.status_code == 201, created.text
    staff, viewer = await stack.login("staff.t", "a long password"), await stack.login("viewer.t", "a long password")
    me = (await stack.http.get("/api/v1/me", headers=staff)).json()
    assert me == {"username": "staff.t", "role": "staff", "org_id": t["id"]}
    assert {o["id"] for o in (await stack.http.get("/api/v1/orgs", headers=viewer)).json()} == {t["id"], p["id"]}
    assert (await stack.http.get(f"/api/v1/orgs/{other['id']}", headers=viewer)).status_code == 403
    assert (await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": 5}, headers=viewer)).status_code == 403
    assert (await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": 5}, headers=staff)).status_code == 201
    new = await stack.http.post("/api/v1/orgs", json={"name": "ППО-2", "level": "primary", "parent_id": t["id"]}, headers=staff)
    assert new.status_code == 201
    assert (await stack.http.patch(f"/api/v1/orgs/{t['id']}", json={"parent_id": other["id"]}, headers=staff)).status_code == 403
    moved = await stack.http.patch(f"/api/v1/orgs/{p['id']}", json={"parent_id": other["id"]}, headers=staff)
    assert moved.status_code == 403, "staff may not move an org out of their subtree"
    escalate = await stack.http.post(
        "/api/v1/users", json={"username": "boss", "password": "a long password", "role": "admin"}, headers=staff
    )
    assert escalate.status_code == 403
    outside = await stack.http.post(
        "/api/v1/users",
        json={"username": "spy", "password": "a long password", "role": "viewer", "org_id": other["id"]},
        headers=staff,
    )
    assert outside.status_code == 403


async def test_without_a_token_nothing_is_served(stack: Stack) -> None:
    assert (await stack.http.get("/api/v1/orgs")).status_code == 401
    bad = await stack.http.post("/api/v1/auth/token", data={"username": "admin", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"


async def test_the_openapi_document_describes_the_fixed_core(stack: Stack) -> None:
    paths = (await stack.http.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/orgs",
        "/api/v1/orgs/{org_id}",
        "/api/v1/orgs/{org_id}/children",
        "/api/v1/orgs/{org_id}/dissolution",
        "/api/v1/orgs/{org_id}/headcount",
    ):
        assert path in paths


async def test_one_username_is_taken_once_even_when_created_at_the_same_time(stack: Stack) -> None:
    h = await admin(stack)
    body = {"username": "twin", "password": "a long password", "role": "admin"}
    replies = await asyncio.gather(*(stack.http.post("/api/v1/users", json=body, headers=h) for _ in range(3)))
    assert sorted(r.status_code for r in replies) == [201, 409, 409]
