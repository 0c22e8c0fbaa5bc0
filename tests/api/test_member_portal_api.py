"""The member portal's API (issue 30, DESIGN.md §5): a member signs in with a one-time code taken from the local mail
server, files and reads their own appeals, and reaches nothing else — not another member's appeal, not an org, not a
staff route (the services refuse the member's token themselves). Codes expire, serve once, are throttled, and bad input
is a 4xx naming the field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from profset_testing import ADMIN_PASSWORD, Stack, eventually
from profset_testing.api import chain, person
from profset_testing.portal import codes_to, member_with_mail, next_code

ARREARS = {
    "title": "Задержка заработной платы",
    "topics": ["wages"],
    "steps": ["Запишите, за какие месяцы долг", "Обратитесь в профком"],
    "level": "primary",
    "answer_within_hours": 24,
}

PUBLIC = ("/api/v1/my/", "/api/v1/life-situations", "/api/v1/me", "/api/v1/rules")
"""GETs a member may read: the portal's, the catalogues, and who they are (and their own org's agreement clauses)."""


def _public(path: str) -> bool:
    """A path under one of PUBLIC, as a whole segment: `/api/v1/me` is not `/api/v1/members`."""
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in PUBLIC)


async def sign_in(stack: Stack, smtp: Any, number: str, address: str) -> dict[str, str]:
    """A member's bearer headers after the whole code round."""
    before = len(codes_to(smtp, address))
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})).status_code == 202
    code = await next_code(smtp, address, before)
    reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": number, "code": code})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def fields(reply: Any) -> set[str]:
    return {d.get("field") for d in reply.json()["error"]["details"]}


async def test_a_member_signs_in_files_and_reads_only_their_own(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    boris = await member_with_mail(stack, h, o["p4"]["id"], "Борис Петров", "boris@mail.ru")
    ha, hb = await sign_in(stack, smtp, anna, "anna@mail.ru"), await sign_in(stack, smtp, boris, "boris@mail.ru")

    me = (await stack.http.get("/api/v1/me", headers=ha)).json()
    assert me == {"username": anna, "role": "member", "org_id": None}
    orgs = (await stack.http.get("/api/v1/my/orgs", headers=ha)).json()
    assert [x["id"] for x in orgs] == [o["p1"]["id"], o["t1"]["id"], o["cc"]["id"]]

    body = {"situation_id": "wage_arrears", "text": "Зарплату не платят два месяца", "to_org_id": o["t1"]["id"]}
    filed = await stack.http.post("/api/v1/my/appeals", json=body, headers=ha)
    assert filed.status_code == 201, filed.text
    appeal = filed.json()["id"]
    wait = {"Profset-Min-Positions": filed.headers["Profset-Positions"]}
    mine = (await stack.http.get(f"/api/v1/my/appeals/{appeal}", headers=ha | wait)).json()
    assert mine["person_id"] == anna and mine["org_id"] == o["t1"]["id"] and mine["text"] == body["text"]
    listed = (await stack.http.get("/api/v1/my/appeals", headers=ha | wait)).json()
    assert [a["id"] for a in listed] == [appeal] and listed[0]["received_by"] == "portal"

    # another member: neither the appeal nor that it exists, and an empty list of their own
    assert (await stack.http.get(f"/api/v1/my/appeals/{appeal}", headers=hb | wait)).status_code == 404
    assert (await stack.http.get(f"/api/v1/appeals/{appeal}", headers=hb | wait)).status_code == 404
    assert (await stack.http.get("/api/v1/my/appeals", headers=hb | wait)).json() == []
    # a member files only for themselves, and a staff route's body naming another person is refused
    other = {"person_id": anna, "situation_id": "wage_arrears", "text": "от чужого имени"}
    assert (await stack.http.post("/api/v1/appeals", json=other, headers=hb)).status_code == 403
    # nothing of orgs, people or staff work: the services refuse the token themselves
    for path in (
        f"/api/v1/orgs/{o['p1']['id']}",
        f"/api/v1/orgs/{o['p1']['id']}/appeals",
        f"/api/v1/orgs/{o['p1']['id']}/inbox",
        f"/api/v1/orgs/{o['p1']['id']}/compliance",
        f"/api/v1/members/{anna}",
        f"/api/v1/people/{anna}/contact-points",
    ):
        reply = await stack.http.get(path, headers=ha)
        assert reply.status_code in (403, 404), (path, reply.status_code)
    listed_orgs = await stack.http.get("/api/v1/orgs", headers=ha)
    assert listed_orgs.status_code == 403 or listed_orgs.json() == [], listed_orgs.text
    answer = await stack.http.post(f"/api/v1/appeals/{appeal}/answers", json={"text": "сам себе"}, headers=ha)
    assert answer.status_code == 403
    user = {"username": "x.y", "password": "a long password", "role": "staff", "org_id": o["p1"]["id"]}
    assert (await stack.http.post("/api/v1/users", json=user, headers=ha)).status_code == 403
    # and a staff token has no appeals "of its own"
    assert (await stack.http.get("/api/v1/my/appeals", headers=h)).status_code == 403

    # the information clauses (S1) of the member's own org's agreement, never another org's
    clauses = await stack.http.put(f"/api/v1/orgs/{o['p1']['id']}/agreement-clauses", json={"clauses": [3, 7]}, headers=h)
    assert clauses.status_code == 200, clauses.text
    own = await stack.http.get(f"/api/v1/orgs/{o['p1']['id']}/agreement-clauses", headers=ha)  # registry's own model
    assert own.status_code == 200 and [c["number"] for c in own.json()["clauses"] if c["held"]] == [3, 7]
    assert (await stack.http.get(f"/api/v1/orgs/{o['p4']['id']}/agreement-clauses", headers=ha)).status_code == 403
    assert (await stack.http.get(f"/api/v1/orgs/{o['p1']['id']}/agreement-clauses", headers=hb)).status_code == 403

    # the answer reaches the member's view whole; the other member still sees nothing
    said = await stack.http.post(f"/api/v1/appeals/{appeal}/answers", json={"text": "Готовим претензию работодателю"}, headers=h)
    assert said.status_code == 201, said.text
    wait = {"Profset-Min-Positions": said.headers["Profset-Positions"]}
    seen = (await stack.http.get(f"/api/v1/my/appeals/{appeal}", headers=ha | wait)).json()
    assert seen["state"] == "answered" and [a["text"] for a in seen["answers"]] == ["Готовим претензию работодателю"]
    assert (await stack.http.get(f"/api/v1/my/appeals/{appeal}", headers=hb | wait)).status_code == 404


async def test_bad_input_names_the_field(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    ha = await sign_in(stack, smtp, anna, "anna@mail.ru")
    cases = [
        ({"situation_id": "wage_arrears", "text": ""}, 422, "text"),
        ({"situation_id": "wage_arrears", "text": "я" * 10_001}, 422, "text"),
        ({"situation_id": "no_such_situation", "text": "что-то"}, 404, "situation_id"),
        ({"situation_id": "wage_arrears", "text": "что-то", "to_org_id": o["p4"]["id"]}, 422, "to_org_id"),
    ]
    for body, status, field in cases:
        reply = await stack.http.post("/api/v1/my/appeals", json=body, headers=ha)
        assert reply.status_code == status, (body, reply.text)
        assert any(field in str(f) for f in fields(reply)), reply.text
    reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": anna, "code": "12ab"})
    assert reply.status_code == 422 and any("code" in str(f) for f in fields(reply))
    reply = await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": ""})
    assert reply.status_code == 422 and any("member_number" in str(f) for f in fields(reply))
    assert (await stack.http.get("/api/v1/my/appeals", headers=ha)).json() == [], "nothing half-written"


async def test_codes_expire_serve_once_and_are_throttled(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    silent, _ = await person(stack, h, o["p1"]["id"], "Без адреса")

    async def ask(number: str) -> Any:
        return await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})

    async def use(number: str, code: str) -> Any:
        return await stack.http.post("/api/v1/my/sign-in", json={"member_number": number, "code": code})

    # the same answer whether the number is known, has a usable address, or not
    unknown, no_address, known = await ask("no-such-member"), await ask(silent), await ask(anna)
    assert unknown.status_code == no_address.status_code == known.status_code == 202
    assert unknown.json() == no_address.json() == known.json()
    first = await next_code(smtp, "anna@mail.ru")
    assert len(smtp.letters) == 1 and smtp.letters[0]["To"] == "anna@mail.ru"

    assert (await use(anna, first)).status_code == 200
    replay = await use(anna, first)
    assert replay.status_code == 401 and {d["rule"] for d in replay.json()["error"]["details"]} == {"code_used"}

    assert (await ask(anna)).status_code == 202
    second = await next_code(smtp, "anna@mail.ru", 1)
    engine = stack.app.state.gateway.engine
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE gateway.sign_in_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        )
    late = await use(anna, second)
    assert late.status_code == 401 and late.json()["error"]["details"][0]["rule"] == "code_expired"
    wrong = await use(anna, "000000" if second != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["error"]["details"][0]["rule"] == "code_wrong"

    # a third code in the window is the last one: the fourth is held back with a time to wait
    assert (await ask(anna)).status_code == 202
    held = await ask(anna)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert "member_number" in fields(held)
    assert len(codes_to(smtp, "anna@mail.ru")) == 3
    # and the codes are kept hashed: no row holds the digits or the member number
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM gateway.sign_in_codes"))).all()
    assert rows and not any(first in str(r) or anna in str(r) for r in rows)


async def test_codes_are_throttled_per_address_too(stack: Stack, smtp: Any) -> None:
    """Made-up numbers from one address: ten codes in the window, then 429 whatever the number."""
    for i in range(10):
        reply = await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": f"made-up-{i}"})
        assert reply.status_code == 202, reply.text
    held = await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": "made-up-next"})
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert smtp.letters == [], "no letter for a number nobody has"


async def test_wrong_guesses_are_held_back_and_void_the_code(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": anna})).status_code == 202
    code = await next_code(smtp, "anna@mail.ru")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": anna, "code": wrong})
        assert reply.status_code == 401 and reply.json()["error"]["details"][0]["rule"] == "code_wrong"
    held = await stack.http.post("/api/v1/my/sign-in", json={"member_number": anna, "code": code})
    assert held.status_code == 429 and "code" in fields(held) and int(held.headers["Retry-After"]) > 0

    async def void() -> bool:
        reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": anna, "code": code})
        assert reply.status_code in (401, 429), reply.text
        return reply.status_code == 401 and reply.json()["error"]["details"][0]["rule"] == "code_void"

    assert await eventually(void, timeout=20, interval=1.0), "the right code after five wrong ones no longer serves"


async def test_wrong_member_codes_never_hold_back_the_staffs_sign_in(stack: Stack, smtp: Any) -> None:
    """Each door counts an address apart (from the attack): guessing member codes from a shared address held every
    staff account there back for fifteen minutes."""
    h, o = await chain(stack)
    guessed = []
    for name, address in (("Анна Иванова", "anna@mail.ru"), ("Борис Петров", "boris@mail.ru")):
        member = await member_with_mail(stack, h, o["p1"]["id"], name, address)
        assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": member})).status_code == 202
        code = await next_code(smtp, address)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(4):  # eight wrong codes from this address, more than an address may get wrong for free
            guessed.append(await stack.http.post("/api/v1/my/sign-in", json={"member_number": member, "code": wrong}))
    staff = await stack.http.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    held = await stack.http.post("/api/v1/my/sign-in", json={"member_number": member, "code": code})

    codes = [r.status_code for r in guessed]
    assert codes[:5] == [401] * 5 and codes[-1] == 429, codes  # the address is held back at the members' door
    assert staff.status_code == 200, staff.text
    assert held.status_code == 429, "the member's door still holds the guesser back"


async def test_a_member_token_reaches_no_staff_read(stack: Stack, smtp: Any) -> None:
    """Every GET of the API but the portal's, the catalogues (life situations, the rules of RULES.md) and `me`, at real ids:
    refused or empty for a member."""
    h, o = await chain(stack)
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    ha = await sign_in(stack, smtp, anna, "anna@mail.ru")
    material = await stack.http.post(
        "/api/v1/materials", json={"org_id": o["p1"]["id"], "title": "Новость", "body": "Текст", "kind": "news"}, headers=h
    )
    ids = {"org_id": o["p1"]["id"], "person_id": anna, "material_id": material.json()["id"], "year": "2026"}
    ids |= {"period": "2026", "quarter": "2026-Q3", "indicator": "K2"}
    spec = (await stack.http.get("/openapi.json")).json()
    reached = []
    for path, operations in spec["paths"].items():
        if "get" not in operations or _public(path) or path.endswith("/agreement-clauses"):
            continue
        filled = path
        for name, value in ids.items():
            filled = filled.replace("{" + name + "}", value)
        if "{" in filled:
            filled = filled.replace(filled[filled.index("{") : filled.index("}") + 1], "made-up")
        reply = await stack.http.get(filled, headers=ha)
        empty = (
            reply.status_code == 200 and reply.headers.get("content-type", "").startswith("application/json") and not reply.json()
        )
        if reply.status_code < 400 and not empty:
            reached.append((filled, reply.status_code, reply.text[:120]))
    assert reached == [], reached


async def test_only_a_member_of_today_gets_a_session_and_an_orgs_material(stack: Stack, smtp: Any) -> None:
    """The portal is for members (from the attack): one who left and an officer who never was a member get no code and
    no session, and a session made before leaving, or before an erasure, reaches no org's agreement or lineage."""
    h, o = await chain(stack)
    p1 = o["p1"]["id"]
    assert (await stack.http.put(f"/api/v1/orgs/{p1}/agreement-clauses", json={"clauses": [3]}, headers=h)).status_code == 200
    leaver = await member_with_mail(stack, h, p1, "Ушедшая Ирина", "irina@mail.ru")
    erased = await member_with_mail(stack, h, p1, "Стёртый Олег", "oleg@mail.ru")
    chair, hc = await person(stack, h, p1, "Председатель Пётр", role="chair")
    consent = {"given_at": "2026-01-01", "method": "written"}
    officer = {"kind": "personal_email", "value": "petr@mail.ru", "consent": consent}
    assert (await stack.http.post(f"/api/v1/people/{chair}/contact-points", json=officer, headers=hc)).status_code == 201
    held, held_erased = await sign_in(stack, smtp, leaver, "irina@mail.ru"), await sign_in(stack, smtp, erased, "oleg@mail.ru")
    assert (await stack.http.get(f"/api/v1/orgs/{p1}/agreement-clauses", headers=held)).status_code == 200
    before = len(codes_to(smtp, "irina@mail.ru"))
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": leaver})).status_code == 202
    unused = await next_code(smtp, "irina@mail.ru", before)  # a code mailed while still a member

    left = await stack.http.post(f"/api/v1/members/{leaver}/leaving", json={"reason": "уволилась"}, headers=h)
    assert left.status_code in (200, 201), left.text
    wiped = await stack.http.post(f"/api/v1/members/{erased}/erasure", json={"basis": "заявление"}, headers=h)
    assert wiped.status_code == 202, wiped.text
    await eventually(lambda: _no_orgs(stack, held), timeout=20)
    await eventually(lambda: _no_orgs(stack, held_erased), timeout=20)
    orgs = (await stack.http.get("/api/v1/my/orgs", headers=held)).json()
    orgs_erased = (await stack.http.get("/api/v1/my/orgs", headers=held_erased)).json()
    clauses = await stack.http.get(f"/api/v1/orgs/{p1}/agreement-clauses", headers=held)
    late = await stack.http.post("/api/v1/my/sign-in", json={"member_number": leaver, "code": unused})
    for number in (leaver, chair):
        assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})).status_code == 202
    # a member's code after them, so the letters before it had their chance to arrive
    await sign_in(stack, smtp, await member_with_mail(stack, h, p1, "Новая Нина", "nina@mail.ru"), "nina@mail.ru")

    assert orgs == [] and orgs_erased == [], "a former member's old session names no org, nor an erased one's"
    assert clauses.status_code == 403, "nor reads the agreement of the org they left"
    assert late.status_code == 403 and fields(late) == {"member_number"}, late.text
    assert len(codes_to(smtp, "irina@mail.ru")) == before + 1, "no code is mailed to one who left"
    assert codes_to(smtp, "petr@mail.ru") == [], "nor to an officer who never was a member"


async def _no_orgs(stack: Stack, headers: dict[str, str]) -> bool:
    """Whether the member's lineage is empty by now."""
    return (await stack.http.get("/api/v1/my/orgs", headers=headers)).json() == []
