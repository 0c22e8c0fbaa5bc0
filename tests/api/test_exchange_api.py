"""Materials through the public API against real NATS and PostgreSQL: X1–X3 routing, holds, H2, deliveries."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, get, post


async def draft(stack: Stack, h: dict[str, str], org: dict, **flags: Any) -> str:
    return str((await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": org["id"], **flags}))["id"])


async def test_materials_go_up_by_x2_and_x3_and_are_forwarded_once(stack: Stack) -> None:
    h, o = await chain(stack)
    both = await draft(stack, h, o["p1"], newsworthy=True, needs_support="conflict")
    sent = await stack.http.post(f"/api/v1/materials/{both}/send-up", headers={**h, "Idempotency-Key": "send-1"})
    assert sent.status_code == 202, sent.text
    assert sorted(sent.json()["recipients"]) == sorted([o["t1"]["id"], o["cc"]["id"]])
    again = await stack.http.post(f"/api/v1/materials/{both}/send-up", headers={**h, "Idempotency-Key": "send-1"})
    assert again.status_code == 202 and again.json() == sent.json(), "the same key: the first answer, routed once"
    rows = await get(stack, h, f"/api/v1/materials/{both}/deliveries")
    assert sorted((r["recipient"], r["route"]) for r in rows) == sorted([(o["t1"]["id"], "X2"), (o["cc"]["id"], "X3")])
    twice = await stack.http.post(f"/api/v1/materials/{both}/send-up", headers=h)
    assert twice.status_code == 422 and twice.json()["error"]["details"][0]["rule"] == "sent"

    news = await draft(stack, h, o["p1"], newsworthy=True)
    await post(stack, h, f"/api/v1/materials/{news}/send-up", {}, 202)
    forwarded = await post(stack, h, f"/api/v1/materials/{news}/send-up", {"org_id": o["t1"]["id"]}, 202)
    assert sorted(forwarded["recipients"]) == sorted([o["cc"]["id"], o["territorial_association"]["id"]])
    routes = {
        r["recipient"]: (r["route"], r["recipient_kind"]) for r in await get(stack, h, f"/api/v1/materials/{news}/deliveries")
    }
    assert routes[o["cc"]["id"]] == ("forward", "org") and routes[o["territorial_association"]["id"]] == ("forward", "party")
    stranger = await stack.http.post(f"/api/v1/materials/{news}/send-up", json={"org_id": o["t2"]["id"]}, headers=h)
    assert stranger.status_code == 422 and stranger.json()["error"]["details"][0]["field"] == "org_id"

    top = await draft(stack, h, o["cc"], newsworthy=True)
    assert sorted((await post(stack, h, f"/api/v1/materials/{top}/send-up", {}, 202))["recipients"]) == sorted(
        [o["fnpr"]["id"], o["solidarnost"]["id"]]
    )


async def test_a_cascade_waits_below_an_org_holding_it_until_release(stack: Stack) -> None:
    h, o = await chain(stack)
    put = await stack.http.put(f"/api/v1/orgs/{o['t1']['id']}/exchange-policy", json={"hold_for_review": True}, headers=h)
    assert put.status_code == 200, put.text
    material = await draft(stack, h, o["cc"])
    cascaded = await post(stack, h, f"/api/v1/materials/{material}/cascade", {}, 202)
    assert cascaded["targets"] == 5

    async def reached() -> set[str]:
        return {r["recipient"] for r in await get(stack, h, f"/api/v1/materials/{material}/deliveries")}

    first = {o[k]["id"] for k in ("t1", "t2", "p4")}
    await eventually(lambda: _equal(reached(), first))
    progress = await get(stack, h, f"/api/v1/materials/{material}/progress")
    assert (progress["orgs_expected"], progress["orgs_reached"]) == (5, 3)
    [held] = [r for r in await get(stack, h, f"/api/v1/orgs/{o['t1']['id']}/inbox") if r["material_id"] == material]
    assert held["held_for_review"] is True
    assert await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/inbox") == [], "T1's primary orgs wait"

    await post(stack, h, f"/api/v1/materials/{material}/release", {"org_id": o["t1"]["id"]}, 202)
    everyone = first | {o["p1"]["id"], o["p3"]["id"]}
    await eventually(lambda: _equal(reached(), everyone))
    refused = await stack.http.post(f"/api/v1/materials/{material}/release", json={"org_id": o["t1"]["id"]}, headers=h)
    assert refused.status_code == 422

    for org in ("p1", "t2"):
        await post(stack, h, f"/api/v1/materials/{material}/acknowledge", {"org_id": o[org]["id"]}, 200)
    progress = await get(stack, h, f"/api/v1/materials/{material}/progress")
    assert progress["orgs_acknowledged"] == 2 and progress["share_reached"] == 1.0
    assert sorted(progress["not_acknowledged"]) == sorted(o[k]["id"] for k in ("t1", "p3", "p4"))
    twice = await stack.http.post(f"/api/v1/materials/{material}/acknowledge", json={"org_id": o["p1"]["id"]}, headers=h)
    assert twice.status_code == 422
    assert await get(stack, h, f"/api/v1/orgs/{o['p3']['id']}/inbox", overdue="true") == [], "not overdue within 3 days"

    chosen = await draft(stack, h, o["cc"])
    await post(stack, h, f"/api/v1/materials/{chosen}/cascade", {"to": [o["t2"]["id"]]}, 202)
    await eventually(lambda: _equal(_recipients(stack, h, chosen), {o["t2"]["id"], o["p4"]["id"]}))


async def test_moderation_for_publication_is_decided_by_the_parent_and_kept(stack: Stack) -> None:
    h, o = await chain(stack)
    material = await draft(stack, h, o["p1"], for_publication=True)
    requested = await post(stack, h, f"/api/v1/materials/{material}/publication", {}, 202)
    assert (requested["status"], requested["moderator_id"]) == ("pending", o["t1"]["id"])
    for user, org in (("staff.p1", o["p1"]), ("staff.t1", o["t1"])):
        body = {"username": user, "password": "long-enough-pw", "role": "staff", "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    own = await stack.login("staff.p1", "long-enough-pw")
    assert (
        await stack.http.post(f"/api/v1/materials/{material}/moderation", json={"approve": True}, headers=own)
    ).status_code == 403
    parent = await stack.login("staff.t1", "long-enough-pw")
    no_reason = await stack.http.post(f"/api/v1/materials/{material}/moderation", json={"approve": False}, headers=parent)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"][0]["field"] == "reason"
    await post(stack, parent, f"/api/v1/materials/{material}/moderation", {"approve": False, "reason": "уточните цифры"}, 200)
    edited = await stack.http.put(
        f"/api/v1/materials/{material}", json={**NEWS, "body": "Оклады растут на 7,5 %.", "for_publication": True}, headers=own
    )
    assert edited.status_code == 200, edited.text
    await post(stack, own, f"/api/v1/materials/{material}/publication", {}, 202)
    await post(stack, parent, f"/api/v1/materials/{material}/moderation", {"approve": True}, 200)
    state = await get(stack, h, f"/api/v1/materials/{material}")
    assert state["moderation"] == "approved" and state["body"] == "Оклады растут на 7,5 %."
    assert [(d["decision"], d["reason"]) for d in state["moderation_history"]] == [
        ("requested", None),
        ("rejected", "уточните цифры"),
        ("requested", None),
        ("approved", None),
    ]
    locked = await stack.http.put(f"/api/v1/materials/{material}", json=NEWS, headers=own)
    assert locked.status_code == 422, "an approved material is no longer a draft"

    await stack.http.put(f"/api/v1/orgs/{o['t2']['id']}/exchange-policy", json={"moderates_publications": False}, headers=h)
    free = await draft(stack, h, o["p4"], for_publication=True)
    reviewed = await post(stack, h, f"/api/v1/materials/{free}/publication", {}, 202)
    assert (reviewed["status"], reviewed["moderator_id"]) == ("under_review", o["t2"]["id"]), "published, never out of control"


async def test_a_received_material_goes_down_at_once_with_its_attachment(stack: Stack) -> None:
    h, o = await chain(stack)
    received = await post(
        stack, h, f"/api/v1/orgs/{o['cc']['id']}/received-materials", {**NEWS, "party_id": o["fnpr"]["id"], "campaign": True}
    )
    await eventually(lambda: _equal(_recipients(stack, h, received["id"]), {o[k]["id"] for k in ("t1", "t2", "p1", "p3", "p4")}))
    primary = await stack.http.post(
        f"/api/v1/orgs/{o['p1']['id']}/received-materials", json={**NEWS, "party_id": o["fnpr"]["id"]}, headers=h
    )
    assert primary.status_code == 422 and primary.json()["error"]["details"][0]["rule"] == "X1"

    await post(
        stack, h, f"/api/v1/materials/{received['id']}/participation", {"org_id": o["p1"]["id"], "on_site": 40, "online": 120}
    )
    await post(
        stack, h, f"/api/v1/materials/{received['id']}/participation", {"org_id": o["p4"]["id"], "on_site": 10, "online": 5}
    )
    totals = await get(stack, h, f"/api/v1/materials/{received['id']}/participation")
    assert (totals["on_site"], totals["online"]) == (50, 125)

    leaflet = await draft(stack, h, o["p1"])
    pdf = b"%PDF-1.4 leaflet " * 1000
    upload = await stack.http.post(
        f"/api/v1/materials/{leaflet}/attachments", files={"file": ("листовка.pdf", pdf, "application/pdf")}, headers=h
    )
    assert upload.status_code == 201, upload.text
    back = await stack.http.get(f"/api/v1/materials/{leaflet}/attachments/{upload.json()['id']}", headers=h)
    assert back.content == pdf and back.headers["content-type"] == "application/pdf"
    [listed] = (await get(stack, h, f"/api/v1/materials/{leaflet}"))["attachments"]
    assert listed["size"] == len(pdf)


async def _recipients(stack: Stack, h: dict[str, str], material: str) -> set[str]:
    return {r["recipient"] for r in await get(stack, h, f"/api/v1/materials/{material}/deliveries")}


async def _equal(found: Any, expected: set[str]) -> bool:
    return await found == expected
