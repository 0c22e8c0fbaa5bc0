"""Personal membership records through the public API, against real NATS and PostgreSQL (D3, DESIGN.md §3)."""

from __future__ import annotations

import asyncio

from profset_testing import Stack
from profset_testing.api import admit, get, register, union


async def test_a_member_is_admitted_transferred_and_leaves_and_every_date_answers_from_history(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    p2 = await register(stack, h, name="ППО завода", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    ivanov = await admit(
        stack, h, p["id"], full_name="Иванов Иван Иванович", birth_date="1980-02-03", position="сварщик", since="2010-01-01"
    )
    await admit(stack, h, p["id"], full_name="Петрова Анна Сергеевна", since="2012-05-01")

    record = await get(stack, h, f"/api/v1/members/{ivanov}", as_of="2015-01-01")
    assert record["full_name"] == "Иванов Иван Иванович" and record["birth_date"] == "1980-02-03"
    assert record["org_id"] == p["id"] and record["member"] is True
    assert (await get(stack, h, f"/api/v1/members/{ivanov}", as_of="2009-12-31"))["member"] is False

    moved = await stack.http.post(
        f"/api/v1/members/{ivanov}/transfer", json={"org_id": p2["id"], "effective_on": "2020-03-01"}, headers=h
    )
    assert moved.status_code == 200, moved.text
    left = await stack.http.post(
        f"/api/v1/members/{ivanov}/leaving", json={"effective_on": "2024-01-01", "reason": "на пенсии"}, headers=h
    )
    assert left.status_code == 200 and left.json()["member"] is False

    assert (await get(stack, h, f"/api/v1/members/{ivanov}", as_of="2020-02-29"))["org_id"] == p["id"]
    assert (await get(stack, h, f"/api/v1/members/{ivanov}", as_of="2020-03-01"))["org_id"] == p2["id"]
    assert (await get(stack, h, f"/api/v1/members/{ivanov}", as_of="2024-01-01"))["org_id"] is None

    def names(rows: list[dict]) -> list[str]:
        return [r["full_name"] for r in rows]

    assert names(await get(stack, h, f"/api/v1/orgs/{p['id']}/members", as_of="2015-01-01")) == [
        "Иванов Иван Иванович",
        "Петрова Анна Сергеевна",
    ]
    assert names(await get(stack, h, f"/api/v1/orgs/{p['id']}/members", as_of="2021-01-01")) == ["Петрова Анна Сергеевна"]
    assert names(await get(stack, h, f"/api/v1/orgs/{t['id']}/members", as_of="2021-01-01", subtree="true")) == [
        "Иванов Иван Иванович",
        "Петрова Анна Сергеевна",
    ]
    assert names(await get(stack, h, "/api/v1/members", q="ива")) == [], "Ivanov left: today he is nobody's member"
    assert names(await get(stack, h, "/api/v1/members", q="ива", as_of="2021-01-01")) == ["Иванов Иван Иванович"]
    assert names(await get(stack, h, "/api/v1/members", q="анна пет", as_of="2021-01-01")) == ["Петрова Анна Сергеевна"]

    await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": 553, "as_of": "2011-01-01"}, headers=h)
    side_by_side = await get(stack, h, f"/api/v1/orgs/{p['id']}", as_of="2015-01-01")
    assert (side_by_side["members"], side_by_side["member_records"]) == (553, 2)
    territorial = await get(stack, h, f"/api/v1/orgs/{t['id']}", as_of="2021-01-01")
    assert (territorial["members"], territorial["member_records"]) == (553, 2)
    assert (await get(stack, h, f"/api/v1/orgs/{cc['id']}", as_of="2025-01-01"))["member_records"] == 1


async def test_member_counts_follow_moves_and_dissolutions_of_their_org(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    t2 = await register(stack, h, name="Дальневосточная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    await admit(stack, h, p["id"], full_name="Сидоров Пётр", since="2000-01-01")
    await stack.http.patch(f"/api/v1/orgs/{p['id']}", json={"parent_id": t2["id"], "effective_on": "2018-07-01"}, headers=h)
    dissolved = await stack.http.post(
        f"/api/v1/orgs/{p['id']}/dissolution", json={"effective_on": "2023-01-01", "reason": "ликвидация"}, headers=h
    )
    assert dissolved.status_code == 202
    records = lambda org, day: get(stack, h, f"/api/v1/orgs/{org['id']}", as_of=day)  # noqa: E731
    assert (await records(t, "2018-06-30"))["member_records"] == 1 and (await records(t2, "2018-06-30"))["member_records"] is None
    assert (await records(t, "2018-07-01"))["member_records"] is None and (await records(t2, "2018-07-01"))["member_records"] == 1
    assert (await records(cc, "2022-12-31"))["member_records"] == 1
    assert (await records(cc, "2023-01-01"))["member_records"] is None, "a dissolved org counts in no sums"


async def test_a_concurrent_edit_of_the_same_record_is_answered_conflict(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    p2 = await register(stack, h, name="ППО-2", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    p3 = await register(stack, h, name="ППО-3", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    person = await admit(stack, h, p["id"], full_name="Кузнецова Мария", since="2010-01-01")
    etag = (await stack.http.get(f"/api/v1/members/{person}", headers=h)).headers["ETag"]
    both = await asyncio.gather(
        *(
            stack.http.post(f"/api/v1/members/{person}/transfer", json={"org_id": org["id"]}, headers={**h, "If-Match": etag})
            for org in (p2, p3)
        )
    )
    assert sorted(r.status_code for r in both) == [200, 409]
    refused = next(r for r in both if r.status_code == 409).json()["error"]
    assert refused["code"] == "conflict" and refused["details"][0]["rule"] == "concurrency"
    stale = await stack.http.post(f"/api/v1/members/{person}/leaving", json={"reason": "x"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 409


async def test_bad_input_about_members_names_the_field_and_the_rule(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)

    async def refused(path: str, body: dict, status: int = 422) -> dict:
        reply = await stack.http.post(path, json=body, headers=h)
        assert reply.status_code == status, reply.text
        return dict(reply.json()["error"]["details"][0])

    assert (await refused(f"/api/v1/orgs/{p['id']}/members", {"full_name": ""}))["field"] == "full_name"
    assert (await refused(f"/api/v1/orgs/{p['id']}/members", {"full_name": "X", "birth_date": "31.12.1980"}))[
        "field"
    ] == "birth_date"
    assert (await refused(f"/api/v1/orgs/{t['id']}/members", {"full_name": "X"})) == {
        "field": "org_id",
        "rule": "D3",
        "message": "members are recorded in a primary org",
    }
    early = await refused(f"/api/v1/orgs/{p['id']}/members", {"full_name": "X", "since": "1990-01-01"})
    assert (early["field"], early["rule"]) == ("org_id", "H1")
    person = await admit(stack, h, p["id"], full_name="Y", since="2000-01-01")
    before = await refused(f"/api/v1/members/{person}/leaving", {"reason": "r", "effective_on": "1999-01-01"})
    assert (before["field"], before["rule"]) == ("effective_on", "D3")
    assert (await refused(f"/api/v1/members/{person}/transfer", {"org_id": p["id"]}))["field"] == "org_id"
    assert (await refused("/api/v1/members/nobody/leaving", {"reason": "r"}, 404))["field"] == "person_id"
    assert (await refused(f"/api/v1/members/{person}/leaving", {"reason": "r", "extra": 1}))["field"] == "extra"


async def test_personal_data_is_read_only_by_those_section_5_allows(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    t2 = await register(stack, h, name="Чужая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    person = await admit(stack, h, p["id"], full_name="Орлова Вера", since="2000-01-01")
    for role, org, user in (
        ("staff", t2, "staff.other"),
        ("auditor", t, "auditor.t"),
        ("viewer", t, "viewer.t"),
        ("staff", t, "staff.t"),
    ):
        body = {"username": user, "password": "long-enough-pw", "role": role, "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    for user in ("staff.other", "auditor.t", "viewer.t"):
        them = await stack.login(user, "long-enough-pw")
        assert (await stack.http.get(f"/api/v1/members/{person}", headers=them)).status_code == 403, user
        assert (await stack.http.get(f"/api/v1/orgs/{p['id']}/members", headers=them)).status_code == 403, user
        admitted = await stack.http.post(f"/api/v1/orgs/{p['id']}/members", json={"full_name": "Z"}, headers=them)
        assert admitted.status_code == 403, user
    staff = await stack.login("staff.t", "long-enough-pw")
    assert (await get(stack, staff, f"/api/v1/members/{person}"))["full_name"] == "Орлова Вера"
    assert [r["id"] for r in await get(stack, staff, "/api/v1/members", q="орл")] == [person]
    other = await stack.login("staff.other", "long-enough-pw")
    assert await get(stack, other, "/api/v1/members", q="орл") == [], "search stays inside the caller's subtree"
