"""RULES.md H2 in full, through the public API against real NATS and PostgreSQL: "Each level controls the content of
the information resources of the level below (CC: all; territorial: its primary orgs)." The parent controls a
publication before it (pre-moderation) or after it (published at once, in its queue to be confirmed or taken down),
never neither; the CC's queue holds the whole union's; who may decide is read on today's tree."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import admin, get, post, register

NEWS = {"title": "Колдоговор подписан", "body": "Зарплата растёт на 8 %.", "kind": "news", "topics": ["wages"]}
PASSWORD = "long-enough-pw"

# H2, row by row: whose material, what asking to publish it leaves it in, and in whose queues it then waits. T1 keeps
# pre-moderation (the default), T2 has turned it off; P1 sits under T1, P4 under T2, P2 straight under the CC.
PARENT = {"p1": "t1", "p3": "t1", "p4": "t2", "p2": "cc", "t1": "cc", "t2": "cc"}
TABLE = [
    ("p1", "pending", "before_publication", {"t1", "cc"}),  # the parent pre-moderates: it waits for approval
    ("p4", "under_review", "after_publication", {"t2", "cc"}),  # it does not: out at once, in its queue (and the CC's)
    ("p2", "pending", "before_publication", {"cc"}),  # a primary straight under the CC: the CC's
    ("t2", "pending", "before_publication", {"cc"}),  # a territorial org: the CC, whatever T2's own policy
    ("cc", "approved", None, set()),  # the CC has no higher body
]


async def world(stack: Stack) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, str]]]:
    """Admin headers, org ids by key, and a staff user's headers at cc, t1 and t2."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    o = {"cc": cc["id"]}
    for key in ("t1", "t2"):
        o[key] = (await register(stack, h, name=key.upper(), level="territorial", parent_id=o["cc"], registered_on="1991-01-01"))[
            "id"
        ]
    for key in ("p1", "p3", "p4", "p2"):
        parent = PARENT[key]
        o[key] = (await register(stack, h, name=f"ППО {key}", level="primary", parent_id=o[parent], registered_on="1995-01-01"))[
            "id"
        ]
    await put_policy(stack, h, o["t2"], moderates=False)
    staff = {}
    for key in ("cc", "t1", "t2"):
        body = {"username": f"staff.{key}", "password": PASSWORD, "role": "staff", "org_id": o[key]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
        staff[key] = await stack.login(f"staff.{key}", PASSWORD)
    return h, o, staff


async def put_policy(stack: Stack, h: dict[str, str], org: str, moderates: bool) -> dict[str, Any]:
    reply = await stack.http.put(f"/api/v1/orgs/{org}/exchange-policy", json={"moderates_publications": moderates}, headers=h)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


async def publication(stack: Stack, h: dict[str, str], org: str) -> tuple[str, dict[str, Any]]:
    """A material of `org` for its public resources, asked to be published: its id and the answer."""
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": org, "for_publication": True}))["id"]
    return material, await post(stack, h, f"/api/v1/materials/{material}/publication", {}, 202)


async def queue(stack: Stack, h: dict[str, str], org: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in await get(stack, h, f"/api/v1/orgs/{org}/moderation-queue")}


def refused(reply: Any, status: int, rule: str, field: str) -> bool:
    detail = reply.json()["error"]["details"][0] if reply.status_code == status else {}
    return (detail.get("rule"), detail.get("field")) == (rule, field)


async def test_each_level_controls_the_level_below_and_the_cc_all(stack: Stack) -> None:
    h, o, staff = await world(stack)
    made = {author: await publication(stack, h, o[author]) for author, *_ in TABLE}
    queues = {org: await queue(stack, staff.get(org, h), o[org]) for org in ("cc", "t1", "t2", "p1")}
    wrong = []
    for author, status, review, waits_in in TABLE:
        material, answer = made[author]
        state = await get(stack, h, f"/api/v1/materials/{material}")
        found = (answer["status"], state["moderation"], {org for org, rows in queues.items() if material in rows})
        if found != (status, status, waits_in):
            wrong.append((author, found))
        for org in waits_in:
            row = queues[org][material]
            if (row["review"], row["moderator_id"], row["org_id"]) != (review, o[PARENT[author]], o[author]):
                wrong.append((author, org, row))
    assert wrong == [], wrong
    assert (await get(stack, h, f"/api/v1/materials/{made['p4'][0]}"))["published"] is True, "out at once"
    assert (await get(stack, h, f"/api/v1/materials/{made['p1'][0]}"))["published"] is False, "not before approval"

    for who, whose in (("t1", "t2"), ("t2", "t1"), ("t1", "cc")):
        reply = await stack.http.get(f"/api/v1/orgs/{o[whose]}/moderation-queue", headers=staff[who])
        assert reply.status_code == 403, (who, whose, reply.text)
    body = {"username": "viewer.t2", "password": PASSWORD, "role": "viewer", "org_id": o["t2"]}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    viewer = await stack.login("viewer.t2", PASSWORD)
    assert (await stack.http.get(f"/api/v1/orgs/{o['t2']}/moderation-queue", headers=viewer)).status_code == 403
    assert (await stack.http.get("/api/v1/orgs/no-such-org/moderation-queue", headers=h)).status_code == 404
    other = await stack.http.post(f"/api/v1/materials/{made['p4'][0]}/confirmation", headers=staff["t1"])
    assert other.status_code == 403, "a territorial org does not review another territorial org's primary orgs"


async def test_what_goes_out_unmoderated_is_confirmed_or_taken_down_and_deliveries_stand(stack: Stack) -> None:
    h, o, staff = await world(stack)
    kept, _ = await publication(stack, h, o["p4"])
    await post(stack, staff["t2"], f"/api/v1/materials/{kept}/confirmation", {}, 200)
    twice = await stack.http.post(f"/api/v1/materials/{kept}/confirmation", headers=staff["t2"])
    assert refused(twice, 422, "H2", "material_id"), twice.text
    state = await get(stack, h, f"/api/v1/materials/{kept}")
    assert (state["moderation"], state["published"]) == ("confirmed", True)
    assert kept not in await queue(stack, staff["t2"], o["t2"])

    wrong, _ = await publication(stack, h, o["p4"])
    sent = await post(stack, h, f"/api/v1/materials/{wrong}/send-up", {}, 202)
    assert sent["recipients"] == [o["t2"]]
    no_reason = await stack.http.post(f"/api/v1/materials/{wrong}/takedown", json={"reason": " "}, headers=staff["cc"])
    assert refused(no_reason, 422, "H2", "reason"), no_reason.text
    await post(stack, staff["cc"], f"/api/v1/materials/{wrong}/takedown", {"reason": "цифры не сходятся"}, 200)
    state = await get(stack, h, f"/api/v1/materials/{wrong}")
    assert (state["moderation"], state["published"]) == ("taken_down", False)
    assert [(d["decision"], d["moderator_id"], d["reason"]) for d in state["moderation_history"]] == [
        ("published", o["t2"], None),
        ("taken_down", o["cc"], "цифры не сходятся"),
    ]
    listed = {m["id"]: m for m in await get(stack, h, f"/api/v1/orgs/{o['p4']}/materials")}
    assert (listed[wrong]["published"], listed[kept]["published"]) == (False, True), "the org's feed says which stands"
    assert [d["recipient"] for d in await get(stack, h, f"/api/v1/materials/{wrong}/deliveries")] == [o["t2"]], "not unsent"
    again = await stack.http.post(f"/api/v1/materials/{wrong}/takedown", json={"reason": "ещё раз"}, headers=staff["t2"])
    assert refused(again, 422, "H2", "material_id"), again.text

    pending, _ = await publication(stack, h, o["p1"])
    early = await stack.http.post(f"/api/v1/materials/{pending}/confirmation", headers=staff["t1"])
    assert refused(early, 422, "H2", "material_id"), "it waits for approval, not for review after publication"


async def test_a_parent_turning_pre_moderation_off_moves_what_waits_to_review_after_publication(stack: Stack) -> None:
    h, o, staff = await world(stack)
    waiting, answer = await publication(stack, h, o["p1"])
    assert answer["status"] == "pending"
    beside, _ = await publication(stack, h, o["t1"])  # T1's own waits for the CC: T1's policy does not touch it
    policy = await put_policy(stack, staff["cc"], o["t1"], moderates=False)
    assert policy["published_for_review"] == [waiting]
    state = await get(stack, h, f"/api/v1/materials/{waiting}")
    assert (state["moderation"], state["published"]) == ("under_review", True)
    assert [d["decision"] for d in state["moderation_history"]] == ["requested", "published"]
    assert (await queue(stack, staff["t1"], o["t1"]))[waiting]["review"] == "after_publication"
    assert (await get(stack, h, f"/api/v1/materials/{beside}"))["moderation"] == "pending"
    approve = await stack.http.post(f"/api/v1/materials/{waiting}/moderation", json={"approve": True}, headers=staff["t1"])
    assert refused(approve, 422, "H2", "material_id"), approve.text


async def test_a_moved_primary_orgs_publications_follow_its_parent_today(stack: Stack) -> None:
    h, o, staff = await world(stack)
    material, _ = await publication(stack, h, o["p3"])
    assert material in await queue(stack, staff["t1"], o["t1"])
    moved = await stack.http.patch(f"/api/v1/orgs/{o['p3']}", json={"parent_id": o["t2"]}, headers=h)
    assert moved.status_code == 200, moved.text

    async def followed() -> bool:
        return material in await queue(stack, staff["t2"], o["t2"])

    await eventually(followed)
    assert material not in await queue(stack, staff["t1"], o["t1"])
    row = (await queue(stack, staff["cc"], o["cc"]))[material]
    assert (row["moderator_id"], row["review"]) == (o["t2"], "before_publication"), "it still waits for approval"
    old = await stack.http.post(f"/api/v1/materials/{material}/moderation", json={"approve": True}, headers=staff["t1"])
    assert old.status_code == 403, "the old parent no longer controls it"
    decided = await post(stack, staff["t2"], f"/api/v1/materials/{material}/moderation", {"approve": True}, 200)
    assert decided["moderator_id"] == o["t2"]
