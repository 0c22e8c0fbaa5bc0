"""Officers and training (P8, P9, K9, T1), youth councils (H1), budgets (M1) and clauses (S1) through the API."""

from __future__ import annotations

from profset_testing import Stack
from profset_testing.api import admit, get, post, union


async def test_officers_are_assigned_trained_and_relieved_with_dates(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    chair = await post(
        stack,
        h,
        f"/api/v1/orgs/{p['id']}/officers",
        {"full_name": "Смирнов Олег", "role": "chair", "since": "2015-01-01", "released": True},
    )
    member = await admit(stack, h, p["id"], full_name="Волкова Ирина", since="2010-01-01")
    worker = await post(
        stack,
        h,
        f"/api/v1/orgs/{p['id']}/officers",
        {"person_id": member, "role": "info_worker", "since": "2018-01-01", "trained": True},
    )
    assert worker["person_id"] == member
    course = {"course": "Школа информработника", "provider": "ЦК Судпрофа", "on": "2019-05-20", "hours": 36}
    await post(stack, h, f"/api/v1/officers/{worker['id']}/trainings", course)
    relieved = await stack.http.post(
        f"/api/v1/officers/{chair['id']}/relief", json={"until": "2022-01-01", "reason": "переизбран"}, headers=h
    )
    assert relieved.status_code == 200 and relieved.json()["until"] == "2022-01-01"

    def roles(rows: list[dict]) -> list[tuple[str, str | None, bool]]:
        return [(r["role"], r["full_name"], r["trained"]) for r in rows]

    assert roles(await get(stack, h, f"/api/v1/orgs/{p['id']}/officers", as_of="2016-01-01")) == [
        ("chair", "Смирнов Олег", False)
    ]
    assert roles(await get(stack, h, f"/api/v1/orgs/{p['id']}/officers", as_of="2020-01-01")) == [
        ("chair", "Смирнов Олег", False),
        ("info_worker", "Волкова Ирина", True),
    ]
    now = await get(stack, h, f"/api/v1/orgs/{p['id']}/officers")
    assert roles(now) == [("info_worker", "Волкова Ирина", True)] and len(now[0]["trainings"]) == 2
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}", as_of="2016-01-01"))["released_officials"] == 1
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}", as_of="2023-01-01"))["released_officials"] == 0
    with_released = await get(stack, h, "/api/v1/orgs", as_of="2016-01-01", released_officials="true")
    assert [o["id"] for o in with_released] == [p["id"]]
    assert p["id"] not in [o["id"] for o in await get(stack, h, "/api/v1/orgs", released_officials="true")]

    body = {"username": "viewer.p", "password": "long-enough-pw", "role": "viewer", "org_id": t["id"]}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    viewer = await stack.login("viewer.p", "long-enough-pw")
    seen = await get(stack, viewer, f"/api/v1/orgs/{p['id']}/officers")
    assert roles(seen) == [("info_worker", None, True)], "a viewer sees the post, not the person's name"
    refused = await stack.http.post(f"/api/v1/orgs/{p['id']}/officers", json={"full_name": "X", "role": "chair"}, headers=viewer)
    assert refused.status_code == 403

    bad = await stack.http.post(f"/api/v1/orgs/{p['id']}/officers", json={"role": "chair"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "full_name"
    bad = await stack.http.post(f"/api/v1/orgs/{p['id']}/officers", json={"full_name": "X", "role": "boss"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "role"
    bad = await stack.http.post(f"/api/v1/officers/{chair['id']}/relief", json={"until": "2014-01-01"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] in ("until", "officer_id")


async def test_youth_councils_attach_to_any_org_and_have_their_own_officers(stack: Stack) -> None:
    h, cc, _t, p = await union(stack)
    council = await post(
        stack, h, f"/api/v1/orgs/{cc['id']}/youth-councils", {"name": "Молодёжный совет ЦК", "formed_on": "2019-04-01"}
    )
    leader = {"full_name": "Юная Алиса", "role": "chair", "since": "2019-05-01", "council_id": council["id"]}
    await post(stack, h, f"/api/v1/orgs/{cc['id']}/officers", leader)
    early = await stack.http.post(f"/api/v1/orgs/{cc['id']}/officers", json={**leader, "since": "2019-01-01"}, headers=h)
    assert early.status_code == 422 and early.json()["error"]["details"][0] == {
        "field": "council_id",
        "rule": "H1",
        "message": "the youth council does not exist on 2019-01-01",
    }
    elsewhere = await stack.http.post(f"/api/v1/orgs/{p['id']}/officers", json=leader, headers=h)
    assert elsewhere.status_code == 422, "a council's officer is appointed in the council's own org"
    posts = await get(stack, h, f"/api/v1/orgs/{cc['id']}/officers")
    assert [(o["role"], o["council_id"]) for o in posts] == [("chair", council["id"])]
    await post(
        stack,
        h,
        f"/api/v1/youth-councils/{council['id']}/dissolution",
        {"effective_on": "2025-01-01", "reason": "реорганизация"},
        202,
    )
    assert [c["name"] for c in await get(stack, h, f"/api/v1/orgs/{cc['id']}/youth-councils", as_of="2024-12-31")] == [
        "Молодёжный совет ЦК"
    ]
    assert await get(stack, h, f"/api/v1/orgs/{cc['id']}/youth-councils", as_of="2025-01-01") == []
    assert await get(stack, h, f"/api/v1/orgs/{cc['id']}/youth-councils", as_of="2019-03-31") == []


async def test_budgets_are_decimal_restatable_and_known_as_of_a_date(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    first = await stack.http.put(
        f"/api/v1/orgs/{p['id']}/budgets/2025", json={"total": "1000000.10", "information": "50000.01"}, headers=h
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "org_id": p["id"],
        "year": 2025,
        "total": "1000000.10",
        "information": "50000.01",
        "information_share": first.json()["information_share"],
    }
    assert first.json()["information_share"].startswith("0.0500000")
    await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/2025", json={"total": "1000000.10", "information": "70000"}, headers=h)
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}/budgets/2025"))["information"] == "70000.00"
    old = await stack.http.get(f"/api/v1/orgs/{p['id']}/budgets/2025", params={"known_on": "2000-01-01"}, headers=h)
    assert old.status_code == 404
    assert [b["year"] for b in await get(stack, h, f"/api/v1/orgs/{p['id']}/budgets")] == [2025]

    def refused(reply: object) -> tuple[int, str]:
        return reply.status_code, reply.json()["error"]["details"][0]["field"]  # type: ignore[attr-defined]

    over = await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/2025", json={"total": "10", "information": "11"}, headers=h)
    assert over.status_code == 422 and over.json()["error"]["details"][0] | {"message": ""} == {
        "field": "information",
        "rule": "M1",
        "message": "",
    }
    assert refused(
        await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/2025", json={"total": 1.5e20, "information": "1"}, headers=h)
    ) == (422, "total")
    assert refused(
        await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/2025", json={"total": "1.001", "information": "1"}, headers=h)
    ) == (422, "total")
    assert refused(
        await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/1980", json={"total": "1", "information": "0"}, headers=h)
    ) == (422, "year")


async def test_agreement_clauses_are_recorded_from_a_date(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    put = await stack.http.put(
        f"/api/v1/orgs/{p['id']}/agreement-clauses", json={"clauses": [7, 1, 3], "effective_on": "2024-01-01"}, headers=h
    )
    assert put.status_code == 200, put.text
    held = [c["number"] for c in put.json()["clauses"] if c["held"]]
    assert held == [1, 3, 7] and len(put.json()["clauses"]) == 8
    before = await get(stack, h, f"/api/v1/orgs/{p['id']}/agreement-clauses", as_of="2023-12-31")
    assert before["recorded"] is False and not any(c["held"] for c in before["clauses"])
    for bad in ([9], [1, 1]):
        reply = await stack.http.put(f"/api/v1/orgs/{p['id']}/agreement-clauses", json={"clauses": bad}, headers=h)
        assert reply.status_code == 422 and reply.json()["error"]["details"][0]["field"].startswith("clauses"), reply.text


async def test_headcount_history_lists_every_figure_with_the_later_recorded_winning(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    for members, day in ((500, "2020-01-01"), (520, "2021-01-01"), (510, "2020-01-01")):
        await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": members, "as_of": day})
    history = await get(stack, h, f"/api/v1/orgs/{p['id']}/headcounts")
    assert [(r["as_of"], r["members"]) for r in history] == [("2020-01-01", 510), ("2021-01-01", 520)]
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}", as_of="2020-06-01"))["members"] == 510
