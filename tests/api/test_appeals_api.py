"""Members' appeals through the API (D1, D2, PD1, DESIGN.md §5, §7): recorded by staff for a member of their subtree,
refused to other subtrees and on bad input with the field named, escalated one level up on a controllable clock
exactly once, answered and closed; an erased member's texts can't be read and the appeal still counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator

from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain, get, person, post

DISMISSAL = {
    "title": "Увольнение или сокращение",
    "topics": ["employment"],
    "steps": ["Не подписывайте соглашение сразу", "Обратитесь в профком"],
    "level": "primary",
    "answer_within_hours": 72,
}


async def staff(stack: Stack, h: dict[str, str], name: str, org_id: str) -> dict[str, str]:
    body = {"username": name, "password": "a long password", "role": "staff", "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(name, "a long password")


async def test_an_appeal_is_recorded_escalated_once_answered_closed_and_erased_with_its_member(stack: Stack) -> None:
    h, o = await chain(stack)
    put = await stack.http.put("/api/v1/life-situations/dismissal", json=DISMISSAL, headers=h)
    assert put.status_code == 200, put.text
    assert [s["id"] for s in await get(stack, h, "/api/v1/life-situations")] == ["dismissal"]
    member, hm = await person(stack, h, o["p1"]["id"], "Петров Пётр")
    at_p1, at_t2 = await staff(stack, h, "staff.p1", o["p1"]["id"]), await staff(stack, h, "staff.t2", o["t2"]["id"])
    wait = {"Profset-Min-Positions": hm["Profset-Min-Positions"]}

    body = {"person_id": member, "situation_id": "dismissal", "text": "Меня сокращают без предупреждения", "received_by": "phone"}
    filed = await post(stack, at_p1 | wait, "/api/v1/appeals", body)
    assert filed["org_id"] == o["p1"]["id"]
    mine = await get(stack, at_p1, f"/api/v1/appeals/{filed['id']}")
    assert mine["text"] == body["text"] and mine["state"] == "open" and mine["received_by"] == "phone"

    # another subtree neither records for the member nor sees the appeal (§5)
    assert (await stack.http.post("/api/v1/appeals", json=body, headers=at_t2 | wait)).status_code == 403
    assert (await stack.http.get(f"/api/v1/appeals/{filed['id']}", headers=at_t2)).status_code == 403
    assert (await stack.http.get(f"/api/v1/orgs/{o['p1']['id']}/appeals", headers=at_t2)).status_code == 403

    # bad input names the field and the rule, never a 500
    for bad, field, code in (
        ({**body, "text": ""}, "text", 422),
        ({**body, "text": "я" * 10_001}, "text", 422),
        ({**body, "situation_id": "no-such"}, "situation_id", 404),
        ({**body, "to_org_id": o["t2"]["id"]}, "to_org_id", 422),
    ):
        refused = await stack.http.post("/api/v1/appeals", json=bad, headers=at_p1)
        assert refused.status_code == code, refused.text
        assert refused.json()["error"]["details"][0]["field"] == field

    # nobody answered in time: one level up, once, however often the escalator looks
    service = stack.services["appeals"]
    escalator = Escalator(service.runtime.store, service.settings)
    now = clock.now()
    assert await escalator.tick(now + timedelta(hours=71)) == 0
    assert await escalator.tick(now + timedelta(hours=73)) == 1
    assert await escalator.tick(now + timedelta(hours=74)) == 0, "escalated once"
    up = await get(stack, h, f"/api/v1/appeals/{filed['id']}")
    assert up["org_id"] == o["t1"]["id"] and [e["to_org_id"] for e in up["escalations"]] == [o["t1"]["id"]]
    held = await get(stack, h, f"/api/v1/orgs/{o['t1']['id']}/appeals", state="all")
    assert [a["id"] for a in held] == [filed["id"]]
    # the primary org's staff no longer hold it, so they do not answer it
    assert (await stack.http.post(f"/api/v1/appeals/{filed['id']}/answers", json={"text": "x"}, headers=at_p1)).status_code == 403

    await post(stack, h, f"/api/v1/appeals/{filed['id']}/answers", {"text": "Сокращение без уведомления незаконно"})
    assert await escalator.tick(now + timedelta(days=30)) == 0, "an answered appeal stays"
    closed = await stack.http.post(f"/api/v1/appeals/{filed['id']}/closure", json={"outcome": "resolved"}, headers=h)
    assert closed.status_code == 200, closed.text
    again = await stack.http.post(f"/api/v1/appeals/{filed['id']}/answers", json={"text": "ещё"}, headers=h)
    assert again.status_code == 422 and again.json()["error"]["details"][0]["field"] == "appeal_id"

    # PD1: the member is erased; the texts can't be read, the appeal and its times remain
    erased = await stack.http.post(f"/api/v1/members/{member}/erasure", json={"basis": "заявление"}, headers=h)
    assert erased.status_code == 202, erased.text

    async def unreadable() -> dict[str, Any] | None:
        found = await get(stack, h, f"/api/v1/appeals/{filed['id']}")
        return found if found["text"] is None and found["erased"] else None

    gone = await eventually(unreadable, timeout=20)
    assert gone["state"] == "closed" and gone["first_answer_at"] and [a["text"] for a in gone["answers"]] == [None]
    refused = await stack.http.post("/api/v1/appeals", json=body, headers=at_p1)
    assert refused.status_code in (404, 422), refused.text


async def test_appeals_are_members_a_person_not_a_member_today_is_refused(stack: Stack) -> None:
    """D1: a member's appeal — not of one who left, nor of one admitted only from a later day (refused naming person_id)."""
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/dismissal", json=DISMISSAL, headers=h)).status_code == 200
    left, _ = await person(stack, h, o["p1"]["id"], "Бывший Член")
    gone = await stack.http.post(f"/api/v1/members/{left}/leaving", json={"reason": "вышел из профсоюза"}, headers=h)
    assert gone.status_code in (200, 201), gone.text
    tomorrow = (clock.now() + timedelta(days=2)).date().isoformat()
    coming = await stack.http.post(
        f"/api/v1/orgs/{o['p1']['id']}/members", json={"full_name": "Будущий Член", "since": tomorrow}, headers=h
    )
    assert coming.status_code == 201, coming.text
    wait = {"Profset-Min-Positions": coming.headers["Profset-Positions"]}
    for someone in (left, coming.json().get("person_id", coming.json()["id"])):
        body = {"person_id": someone, "situation_id": "dismissal", "text": "Меня сокращают", "received_by": "phone"}
        refused = await stack.http.post("/api/v1/appeals", json=body, headers=h | wait)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0] | {"message": ""} == {"field": "person_id", "rule": "D1", "message": ""}
