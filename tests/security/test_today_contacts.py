"""Contacts decide on today's tree (DESIGN.md §5): an address follows its owner's membership today — not the org it
was recorded under, not the last transfer recorded, not one dated ahead — and a date in a request never widens who may
read or erase it; duplicate lookups never show people outside the caller's subtree. Each expectation is read off §5."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from worlds import two_subtrees, user

from profset_testing import Stack
from profset_testing.api import admin, register

TRANSFERRED_ON, WAS_CHAIR_ON = "2025-06-01", "2024-01-01"


async def _ok(call: Any) -> Any:
    reply = await call
    assert reply.status_code < 300, reply.text
    return reply.json()


async def _tree(stack: Stack, h: dict[str, str]) -> dict[str, str]:
    """CC; territorial orgs A and B; primary orgs pa and pa2 under A, pb under B."""
    return await two_subtrees(stack, h, {"pa": "a", "pa2": "a", "pb": "b"})


async def _member(stack: Stack, h: dict[str, str], org_id: str, name: str) -> str:
    body = {"full_name": name, "birth_date": "1980-02-03", "since": "2000-01-01"}
    return str((await _ok(stack.http.post(f"/api/v1/orgs/{org_id}/members", json=body, headers=h)))["id"])


async def _transfer(stack: Stack, h: dict[str, str], person_id: str, org_id: str, day: str) -> None:
    body = {"org_id": org_id, "effective_on": day}
    reply = await stack.http.post(f"/api/v1/members/{person_id}/transfer", json=body, headers=h)
    assert reply.status_code < 300, reply.text


async def _address(stack: Stack, h: dict[str, str], person_id: str, kind: str, value: str) -> Any:
    body: dict[str, Any] = {"kind": kind, "value": value}
    if kind == "mobile":
        body["consent"] = {"given_at": "2020-01-01", "method": "written"}
    return await _ok(stack.http.post(f"/api/v1/people/{person_id}/contact-points", json=body, headers=h))


async def _staff(stack: Stack, h: dict[str, str], o: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Staff users of A and of B whose requests wait until every service has seen the registry's last write so far."""
    body = {"full_name": "Последний Принятый", "since": "2000-01-01"}
    last = await stack.http.post(f"/api/v1/orgs/{o['pb']}/members", json=body, headers=h)
    assert last.status_code == 201, last.text
    wait = {"Profset-Min-Positions": last.headers["Profset-Positions"]}
    return await user(stack, h, "staff-a", "staff", o["a"]) | wait, await user(stack, h, "staff-b", "staff", o["b"]) | wait


async def _points(stack: Stack, h: dict[str, str], person_id: str) -> tuple[int, list[str | None]]:
    reply = await stack.http.get(f"/api/v1/people/{person_id}/contact-points", headers=h)
    return reply.status_code, [p["value"] for p in reply.json()] if reply.status_code == 200 else []


async def _withdraw(stack: Stack, h: dict[str, str], contact_id: str) -> int:
    return int((await stack.http.post(f"/api/v1/contact-points/{contact_id}/consent-withdrawal", json={}, headers=h)).status_code)


async def test_an_address_follows_its_owner_to_the_org_of_their_membership_today(stack: Stack) -> None:
    h = await admin(stack)
    o = await _tree(stack, h)
    # moved: in pa since 2000 and its chair until the transfer to pb (a past date); addresses recorded while in pa
    moved = await _member(stack, h, o["pa"], "Петрова Перешедшая")
    chair = {"person_id": moved, "role": "chair", "since": "2010-01-01"}
    officer = await _ok(stack.http.post(f"/api/v1/orgs/{o['pa']}/officers", json=chair, headers=h))
    moved_mail = await _address(stack, h, moved, "work_email", "moved@verf.ru")
    moved_mobile = await _address(stack, h, moved, "mobile", "8 912 000-00-01")
    submitted = await _ok(stack.http.post(f"/api/v1/orgs/{o['pa']}/contact-base/submissions", json={}, headers=h))
    await _transfer(stack, h, moved, o["pb"], TRANSFERRED_ON)
    await _ok(stack.http.post(f"/api/v1/officers/{officer['id']}/relief", json={"until": TRANSFERRED_ON}, headers=h))
    # future: transferred to pb from a day ahead; until then pa's
    future = await _member(stack, h, o["pa"], "Петрова Будущая")
    future_mobile = await _address(stack, h, future, "mobile", "8 912 000-00-02")
    await _transfer(stack, h, future, o["pb"], (stack.today() + timedelta(days=40)).isoformat())
    # back-filled: to pb from 2024, then an older transfer to pa2 (2022) recorded after it; today pb's
    backfilled = await _member(stack, h, o["pa"], "Петрова Задним Числом")
    await _transfer(stack, h, backfilled, o["pb"], "2024-01-01")
    backfilled_mobile = await _address(stack, h, backfilled, "mobile", "8 912 000-00-03")
    await _transfer(stack, h, backfilled, o["pa2"], "2022-01-01")
    sa, sb = await _staff(stack, h, o)

    assert await _points(stack, sa, moved) == (403, []), "A's staff no longer read a member transferred to B"
    assert await _points(stack, sb, moved) == (200, ["moved@verf.ru", "+79120000001"])
    assert await _withdraw(stack, sa, moved_mobile["id"]) == 403, "nor erase an address recorded while the member was A's"
    base = f"/api/v1/orgs/{o['pa']}/contact-base"
    then = await _ok(stack.http.get(base, params={"as_of": WAS_CHAIR_ON}, headers=sa))
    assert [p for p in then if p["person_id"] == moved] == [], "an earlier as_of shows A's staff nothing of them either"
    facts = await _ok(stack.http.get(base, params={"as_of": WAS_CHAIR_ON}, headers=h))
    assert {(p["id"], p["value"], p["role"]) for p in facts} == {
        (moved_mail["id"], "moved@verf.ru", "chair"),
        (moved_mobile["id"], "+79120000001", "chair"),
    }, "the facts of that date are still there, for whoever may see them today"
    assert (await stack.http.get(base, params={"as_of": WAS_CHAIR_ON}, headers=sb)).status_code == 403, "pa is not B's"
    frozen = f"/api/v1/contact-base/submissions/{submitted['id']}"
    assert (await _ok(stack.http.get(frozen, headers=sa)))["entries"] == [], "a base frozen before the transfer, too"
    assert len((await _ok(stack.http.get(frozen, headers=h)))["entries"]) == 2

    assert await _points(stack, sb, future) == (403, []), "a transfer dated ahead hands nothing to B before its day"
    assert await _points(stack, sa, future) == (200, ["+79120000002"])
    assert await _withdraw(stack, sb, future_mobile["id"]) == 403
    assert await _withdraw(stack, sa, future_mobile["id"]) == 200, "until that day, A's staff may erase it"

    assert await _points(stack, sa, backfilled) == (403, []), "an older transfer recorded later flips nothing"
    assert await _points(stack, sb, backfilled) == (200, ["+79120000003"])
    assert await _withdraw(stack, sa, backfilled_mobile["id"]) == 403
    assert await _withdraw(stack, sb, backfilled_mobile["id"]) == 200
    assert await _withdraw(stack, sb, moved_mobile["id"]) == 200


async def test_a_duplicate_lookup_shows_only_people_of_the_callers_subtree_today(stack: Stack) -> None:
    h = await admin(stack)
    o = await _tree(stack, h)
    backfilled, of_b = await _member(stack, h, o["pa"], "Соколова Задним Числом"), await _member(stack, h, o["pb"], "Соколова Б")
    await _transfer(stack, h, backfilled, o["pb"], "2024-01-01")
    await _transfer(stack, h, backfilled, o["pa2"], "2022-01-01")  # recorded last, effective first: B's today
    theirs = [(await _address(stack, h, p, "work_email", "sokolova@verf.ru"))["id"] for p in (backfilled, of_b)]
    of_a = await _member(stack, h, o["pa"], "Соколова А")
    await _transfer(stack, h, of_a, o["pa2"], "2023-01-01")
    sa, sb = await _staff(stack, h, o)

    added = await _address(stack, sa, of_a, "work_email", " Sokolova@Verf.RU ")
    assert added["duplicates"] == [], "adding an address tells A's staff nothing of B's people holding it"
    for org in ("a", "pa", "pa2"):
        assert await _ok(stack.http.get(f"/api/v1/orgs/{o[org]}/contact-points/duplicates", headers=sa)) == []
    [group] = await _ok(stack.http.get(f"/api/v1/orgs/{o['b']}/contact-points/duplicates", headers=sb))
    assert sorted(c["id"] for c in group["contacts"]) == sorted(theirs), "B's staff see B's two, not A's"
    again = await _address(stack, sb, of_b, "personal_email", "sokolova@verf.ru")
    assert sorted(again["duplicates"]) == sorted(theirs)
    [everyone] = await _ok(stack.http.get(f"/api/v1/orgs/{o['cc']}/contact-points/duplicates", headers=h))
    assert sorted(c["id"] for c in everyone["contacts"]) == sorted([*theirs, added["id"], again["id"]])


async def test_an_org_moved_to_another_territorial_org_takes_its_resources_and_figures_along(stack: Stack) -> None:
    h = await admin(stack)
    o = await _tree(stack, h)
    moved = (await register(stack, h, name="ППО завода", level="primary", parent_id=o["a"], registered_on="1990-01-01"))["id"]
    for org, members in ((moved, 100), (o["pa"], 50)):
        figure = {"members": members, "as_of": "2020-01-01"}
        await _ok(stack.http.post(f"/api/v1/orgs/{org}/headcount", json=figure, headers=h))
    site = {"kind": "website", "name": "Сайт завода", "since": "2020-01-01"}
    channel = await _ok(stack.http.post(f"/api/v1/orgs/{moved}/channels", json=site, headers=h))
    await _ok(stack.http.patch(f"/api/v1/orgs/{moved}", json={"parent_id": o["b"], "effective_on": "2025-01-01"}, headers=h))
    sa, sb = await _staff(stack, h, o)

    running = f"/api/v1/orgs/{moved}/channels"
    assert (await stack.http.get(running, params={"as_of": WAS_CHAIR_ON}, headers=sa)).status_code == 403
    assert [c["id"] for c in await _ok(stack.http.get(running, params={"as_of": WAS_CHAIR_ON}, headers=sb))] == [channel["id"]]
    opened = {"kind": "notice_board", "name": "Стенд", "since": "2020-06-01"}
    assert (await stack.http.post(running, json=opened, headers=sa)).status_code == 403, "a past `since` gives A nothing"
    assert (await stack.http.post(running, json=opened, headers=sb)).status_code == 201
    reach = f"/api/v1/orgs/{o['a']}/reach"
    assert (await _ok(stack.http.get(reach, params={"as_of": WAS_CHAIR_ON}, headers=h)))["members"] == 150
    then = await _ok(stack.http.get(reach, params={"as_of": WAS_CHAIR_ON}, headers=sa))
    assert then["members"] == 50, "A's staff sum only the orgs that are A's today"
