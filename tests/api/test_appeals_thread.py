"""An appeal's conversation through the API (issue 30; D1, D2, PD1, DESIGN.md §5): staff record an appeal by phone unless
they say hotline or visit and never as the portal; staff of the holding org assign it to a post and ask the member for
more, the member replies from the portal, each text sealed with the member's key and shown only to those who may read
it; other subtrees, roles without staff rights and other members are refused; a closed appeal takes nothing more; an
erased member's texts can't be read and the counts remain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator

from kit import clock
from profset_testing import Stack, eventually, forms, plaintext_in_tables, plaintext_on_streams
from profset_testing.api import chain, get, person, post
from profset_testing.portal import codes_to, member_with_mail, next_code

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
PASSWORD = "a long password"


async def user(stack: Stack, h: dict[str, str], name: str, org_id: str, role: str = "staff") -> dict[str, str]:
    body = {"username": name, "password": PASSWORD, "role": role, "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(name, PASSWORD)


async def sign_in(stack: Stack, smtp: Any, number: str, address: str) -> dict[str, str]:
    before = len(codes_to(smtp, address))
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})).status_code == 202
    code = await next_code(smtp, address, before)
    reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": number, "code": code})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def refusal(reply: Any) -> tuple[int, str | None, str | None]:
    detail = reply.json()["error"]["details"][0] if reply.status_code >= 400 else {}
    return reply.status_code, detail.get("field"), detail.get("rule")


async def test_staff_record_an_appeal_by_phone_unless_told_otherwise_and_never_as_the_portal(stack: Stack) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    member, hm = await person(stack, h, o["p1"]["id"], "Орлов Олег")
    at_p1 = await user(stack, h, "staff.p1", o["p1"]["id"])
    wait = {"Profset-Min-Positions": hm["Profset-Min-Positions"]}
    body = {"person_id": member, "situation_id": "wage_arrears", "text": "Позвонил: зарплату задерживают"}

    by_phone = await post(stack, at_p1 | wait, "/api/v1/appeals", body)
    assert (await get(stack, at_p1, f"/api/v1/appeals/{by_phone['id']}"))["received_by"] == "phone", "phone by default"
    at_visit = await post(stack, at_p1 | wait, "/api/v1/appeals", {**body, "received_by": "visit"})
    assert (await get(stack, at_p1, f"/api/v1/appeals/{at_visit['id']}"))["received_by"] == "visit"
    hotline = await post(stack, h | wait, "/api/v1/appeals", {**body, "received_by": "hotline"})
    assert (await get(stack, h, f"/api/v1/appeals/{hotline['id']}"))["received_by"] == "hotline"

    for who in (at_p1, h):  # neither staff nor an admin files as the portal: only the member does
        claimed = await stack.http.post("/api/v1/appeals", json={**body, "received_by": "portal"}, headers=who | wait)
        assert refusal(claimed) == (422, "received_by", "D2"), claimed.text
    unknown = await stack.http.post("/api/v1/appeals", json={**body, "received_by": "pigeon"}, headers=at_p1 | wait)
    assert refusal(unknown)[:2] == (422, "received_by"), unknown.text
    held = await get(stack, at_p1, f"/api/v1/orgs/{o['p1']['id']}/appeals", state="all")
    assert sorted(a["received_by"] for a in held) == ["hotline", "phone", "visit"], "nothing half-written by a refusal"


async def test_staff_assign_and_ask_the_member_replies_and_only_those_who_may_read_the_texts(
    stack: Stack, smtp: Any, nc: Any
) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    boris = await member_with_mail(stack, h, o["p1"]["id"], "Борис Петров", "boris@mail.ru")
    ha, hb = await sign_in(stack, smtp, anna, "anna@mail.ru"), await sign_in(stack, smtp, boris, "boris@mail.ru")
    at_p1, at_p4 = await user(stack, h, "staff.p1", o["p1"]["id"]), await user(stack, h, "staff.p4", o["p4"]["id"])
    viewer = await user(stack, h, "viewer.p1", o["p1"]["id"], role="viewer")

    filed = await stack.http.post(
        "/api/v1/my/appeals", json={"situation_id": "wage_arrears", "text": "Зарплату не платят"}, headers=ha
    )
    assert filed.status_code == 201, filed.text
    appeal = filed.json()["id"]
    staff_path, my_path = f"/api/v1/appeals/{appeal}", f"/api/v1/my/appeals/{appeal}"

    # assignment: to a post of the holding org somebody holds, by its staff only
    _, chair_known = await person(stack, h, o["p1"]["id"], "Председатель ППО", role="chair")
    mirrored = {"Profset-Min-Positions": chair_known["Profset-Min-Positions"]}
    given = await stack.http.post(f"{staff_path}/assignment", json={"post": "chair"}, headers=at_p1 | mirrored)
    assert given.status_code == 200 and given.json() == {"id": appeal, "post": "chair"}, given.text
    again = await stack.http.post(f"{staff_path}/assignment", json={"post": "chair"}, headers=at_p1)
    assert refusal(again) == (422, "post", "D1"), again.text
    assert refusal(await stack.http.post(f"{staff_path}/assignment", json={"post": "Иванов И.И."}, headers=at_p1))[:2] == (
        422,
        "post",
    ), "a post, never a private person"
    for who in (at_p4, viewer, ha):
        assert (await stack.http.post(f"{staff_path}/assignment", json={"post": "info_worker"}, headers=who)).status_code == 403

    # a question to the member: sealed, by the holding org's staff only; bad text named
    question = "Пришлите расчётные листки за три месяца"
    asked = await stack.http.post(f"{staff_path}/questions", json={"text": question}, headers=at_p1)
    assert asked.status_code == 201 and asked.json()["id"] == appeal, asked.text
    for bad in ("", "   ", "я" * 10_001):
        assert refusal(await stack.http.post(f"{staff_path}/questions", json={"text": bad}, headers=at_p1))[:2] == (422, "text")
    for who in (at_p4, viewer, ha):
        assert (await stack.http.post(f"{staff_path}/questions", json={"text": "?"}, headers=who)).status_code == 403

    # the member reads it and replies; nobody else replies for them
    wait = {"Profset-Min-Positions": asked.headers["Profset-Positions"]}
    mine = await get(stack, ha | wait, my_path)
    assert mine["post"] == "chair" and [q["text"] for q in mine["questions"]] == [question] and mine["awaiting_reply"]
    reply = "Листки прилагаю: долг за май и июнь"
    added = await stack.http.post(f"{my_path}/replies", json={"text": reply}, headers=ha)
    assert added.status_code == 201, added.text
    assert refusal(await stack.http.post(f"{my_path}/replies", json={"text": ""}, headers=ha))[:2] == (422, "text")
    assert (await stack.http.post(f"{my_path}/replies", json={"text": "чужое"}, headers=hb)).status_code == 404
    assert (await stack.http.post(f"{my_path}/replies", json={"text": "от штата"}, headers=at_p1)).status_code == 403
    assert (await stack.http.post("/api/v1/my/appeals/no-such/replies", json={"text": "x"}, headers=ha)).status_code == 404

    wait = {"Profset-Min-Positions": added.headers["Profset-Positions"]}
    seen = await get(stack, at_p1 | wait, staff_path)
    assert [r["text"] for r in seen["replies"]] == [reply] and [q["text"] for q in seen["questions"]] == [question]
    assert [(g["post"], g["assigned_by"]) for g in seen["assignments"]] == [("chair", "staff.p1")]
    assert seen["state"] == "open" and seen["first_answer_at"] is None, "a question is not an answer"
    assert not seen["awaiting_reply"], "the member replied"
    needles = forms(question) + forms(reply)
    assert await plaintext_in_tables(stack.database_url, needles) == [], "the question and the reply are kept sealed only"
    assert (await plaintext_on_streams(nc, needles))[0] == []
    looked = await get(stack, viewer, staff_path)
    assert looked["questions"][0]["text"] is None and looked["replies"][0]["text"] is None, "a viewer reads no texts"
    assert (await stack.http.get(staff_path, headers=at_p4)).status_code == 403
    assert (await stack.http.get(my_path, headers=hb)).status_code == 404

    # late: it goes up a level, and the post it had there goes with the level
    service = stack.services["appeals"]
    assert await Escalator(service.runtime.store, service.settings).tick(clock.now() + timedelta(hours=25)) == 1
    up = await get(stack, h, staff_path)
    assert up["org_id"] == o["t1"]["id"] and up["post"] is None and len(up["assignments"]) == 1
    assert (await stack.http.post(f"{staff_path}/questions", json={"text": "?"}, headers=at_p1)).status_code == 403

    # closed: nothing more, from anyone
    assert (await stack.http.post(f"{staff_path}/closure", json={"outcome": "explained"}, headers=h)).status_code == 200
    for path, body, who in (
        (f"{staff_path}/assignment", {"post": "info_worker"}, h),
        (f"{staff_path}/questions", {"text": "ещё?"}, h),
        (f"{my_path}/replies", {"text": "ещё"}, ha),
    ):
        assert refusal(await stack.http.post(path, json=body, headers=who)) == (422, "appeal_id", "D1")

    # PD1: erased, the texts are gone and the counts remain
    assert (await stack.http.post(f"/api/v1/members/{anna}/erasure", json={"basis": "заявление"}, headers=h)).status_code == 202

    async def unreadable() -> dict[str, Any] | None:
        found = await get(stack, h, staff_path)
        return found if found["erased"] and found["replies"][0]["text"] is None else None

    gone = await eventually(unreadable, timeout=20)
    assert [q["text"] for q in gone["questions"]] == [None] and len(gone["replies"]) == 1 and gone["state"] == "closed"
