"""A change dated in the past rewrites the past of every org the changed org sat under then, so the actor must hold
each of them today (DESIGN.md §5: today's tree), not only the org and where it goes.

The world: primary org M1 sat under territorial SPB from 2000 and under territorial NORTH since MOVED_ON; SPB also
has P2. NORTH's staff hold M1 today; SPB's 2016 figures count M1 and are SPB's history, not NORTH's.
"""

from __future__ import annotations

from typing import Any

from profset_testing import Stack
from profset_testing.api import admin, register

MOVED_ON, PAST = "2025-01-01", "2016-06-01"


async def world(stack: Stack) -> dict[str, Any]:
    """The union above, built by admin, with staff of NORTH, of SPB and of the CC logged in."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    w: dict[str, Any] = {"h": h, "cc": cc["id"]}
    for key in ("spb", "north"):
        w[key] = (await register(stack, h, name=key, level="territorial", parent_id=cc["id"], registered_on="1990-01-01"))["id"]
    for key in ("m1", "p2"):
        w[key] = (await register(stack, h, name=key, level="primary", parent_id=w["spb"], registered_on="2000-01-01"))["id"]
        await call(stack, h, "POST", f"/api/v1/orgs/{w[key]}/headcount", {"members": 200, "as_of": "2010-01-01"})
    await call(stack, h, "PATCH", f"/api/v1/orgs/{w['m1']}", {"parent_id": w["north"], "effective_on": MOVED_ON})
    for key in ("north", "spb", "cc"):
        user = {"username": f"staff_{key}", "password": "a-long-password", "role": "staff", "org_id": w[key]}
        await call(stack, h, "POST", "/api/v1/users", user)
        w[f"{key}_staff"] = await stack.login(f"staff_{key}", "a-long-password")
    return w


async def call(stack: Stack, headers: dict[str, str], method: str, path: str, body: Any = None, status: int = 0) -> Any:
    """The answer of a request that must succeed (or be answered `status`)."""
    reply = await stack.http.request(method, path, json=body, headers=headers)
    if status:
        assert reply.status_code == status, (method, path, reply.status_code, reply.text)
    else:
        assert reply.status_code < 300, (method, path, reply.status_code, reply.text)
    return reply.json()


async def members_of(stack: Stack, w: dict[str, Any], org: str, day: str) -> Any:
    return (await call(stack, w["h"], "GET", f"/api/v1/orgs/{w[org]}?as_of={day}"))["members"]


async def test_a_backdated_move_needs_every_former_parent_it_rewrites_held_today(stack: Stack) -> None:
    w = await world(stack)
    assert await members_of(stack, w, "spb", PAST) == 400
    back = {"parent_id": w["north"], "effective_on": "2010-01-01"}
    refused = await call(stack, w["north_staff"], "PATCH", f"/api/v1/orgs/{w['m1']}", back, status=403)
    [detail] = refused["error"]["details"]
    assert (detail["field"], detail["rule"]) == ("effective_on", "history_held_today")
    assert w["spb"] in refused["error"]["message"], "the message names whose history it would rewrite"
    assert await members_of(stack, w, "spb", PAST) == 400, "SPB's past is untouched"
    assert (await call(stack, w["h"], "GET", f"/api/v1/orgs/{w['m1']}?as_of={PAST}"))["parent_id"] == w["spb"]

    later = {"parent_id": w["north"], "effective_on": "2025-06-01"}  # NORTH's own span: nothing of SPB's changes
    await call(stack, w["north_staff"], "PATCH", f"/api/v1/orgs/{w['m1']}", later)
    await call(stack, w["cc_staff"], "PATCH", f"/api/v1/orgs/{w['m1']}", back)  # the CC holds both
    assert await members_of(stack, w, "spb", PAST) == 200, "the CC's move rewrote SPB's past"
    assert await members_of(stack, w, "north", PAST) == 200


async def test_a_backdated_rename_and_headcount_stay_with_the_holder_of_the_org_today(stack: Stack) -> None:
    w = await world(stack)
    north, m1 = w["north_staff"], w["m1"]
    await call(stack, north, "PATCH", f"/api/v1/orgs/{m1}", {"name": "ППО новая", "effective_on": PAST})
    assert (await call(stack, w["h"], "GET", f"/api/v1/orgs/{m1}?as_of={PAST}"))["name"] == "ППО новая"
    await call(stack, north, "POST", f"/api/v1/orgs/{m1}/headcount", {"members": 150, "as_of": PAST})
    assert await members_of(stack, w, "spb", PAST) == 350, "the org's own records, history included, are its holder's"


async def test_a_backdated_dissolution_needs_every_former_parent_it_rewrites_held_today(stack: Stack) -> None:
    w = await world(stack)
    m1, ended = w["m1"], {"effective_on": PAST, "reason": "слияние"}
    refused = await call(stack, w["north_staff"], "POST", f"/api/v1/orgs/{m1}/dissolution", ended, status=403)
    assert [(d["field"], d["rule"]) for d in refused["error"]["details"]] == [("effective_on", "history_held_today")]
    assert (await call(stack, w["h"], "GET", f"/api/v1/orgs/{w['spb']}?as_of={PAST}"))["primary_orgs"] == 2
    await call(stack, w["north_staff"], "POST", f"/api/v1/orgs/{m1}/dissolution", {**ended, "effective_on": "2025-06-01"})
    assert (await call(stack, w["h"], "GET", f"/api/v1/orgs/{w['spb']}?as_of={PAST}"))["primary_orgs"] == 2
