"""Issue 32: the audits, remediation, appeals and children lists are paged by their services (`?limit=&cursor=`, a
`Link: rel="next"` header, never a wrapper, DESIGN.md §7). Pages cover a list once, without a gap or a repeat, even
when many rows share the date the list is ordered by; bad paging is refused naming the field; and a page never holds
a row of another part of the union, whatever the date asked about (DESIGN.md §5)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import admin, get, person, post, register
from profset_testing.portal import ARREARS

PASSWORD = "a long password"
NO_SUCH = "0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a50"


async def _user(stack: Stack, h: dict[str, str], username: str, role: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": role, "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, PASSWORD)


async def _pages(stack: Stack, h: dict[str, str], path: str, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following each `Link: rel="next"` from the first page on; the last has none."""
    pages: list[list[dict[str, Any]]] = []
    reply = await stack.http.get(path, params={**params, "limit": limit}, headers=h)
    while True:
        assert reply.status_code == 200, reply.text
        assert isinstance(reply.json(), list), "a list is an array, never a wrapper"
        pages.append(reply.json())
        assert len(pages[-1]) <= limit
        link = reply.headers.get("Link")
        if link is None:
            return pages
        assert link.endswith('>; rel="next"') and link.startswith(f"<{path}?"), link
        assert len(pages) < 50, "the pages end"
        reply = await stack.http.get(link[1 : link.index(">")], headers=h)


def _once(pages: list[list[dict[str, Any]]], whole: list[dict[str, Any]]) -> list[str]:
    """The ids the pages hold, in order, once each and the same as the list read whole."""
    ids = [r["id"] for page in pages for r in page]
    assert len(ids) == len(set(ids)), "no row on two pages"
    assert ids == [r["id"] for r in whole], "the pages, one after another, are the list"
    return ids


async def _refused(stack: Stack, h: dict[str, str], path: str, field: str, **params: Any) -> None:
    reply = await stack.http.get(path, params=params, headers=h)
    assert reply.status_code == 422, (path, params, reply.text)
    assert [d["field"] for d in reply.json()["error"]["details"]] == [field], reply.text


async def _bad_paging(stack: Stack, h: dict[str, str], path: str, too_many: int, **params: Any) -> None:
    """A page of none or of too many rows, and a cursor that is no id or no row of the list, are refused by name."""
    for limit in (0, too_many + 1):
        await _refused(stack, h, path, "limit", **params, limit=limit)
    for cursor in ("garbage", NO_SUCH.upper(), f"{NO_SUCH}x"):
        await _refused(stack, h, path, "cursor", **params, cursor=cursor)
    await _refused(stack, h, path, "cursor", **params, cursor=NO_SUCH)  # an id, but of no row at all


async def _tree(stack: Stack) -> tuple[dict[str, str], dict[str, str]]:
    """The admin, and the CC with T1 (P1, P3 under it) and T2 (P4): id by key."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    orgs = {"cc": cc["id"]}
    for key in ("t1", "t2"):
        made = await register(stack, h, name=key.upper(), level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
        orgs[key] = made["id"]
    for key, parent in (("p1", "t1"), ("p3", "t1"), ("p4", "t2")):
        made = await register(stack, h, name=key.upper(), level="primary", parent_id=orgs[parent], registered_on="1995-01-01")
        orgs[key] = made["id"]
    return h, orgs


async def _audit(stack: Stack, h: dict[str, str], org_id: str, by: str, planned_on: str) -> str:
    body = {"planned_on": planned_on, "by_org_id": by}
    return str((await post(stack, h, f"/api/v1/orgs/{org_id}/audits", body))["id"])


async def test_audits_and_items_to_put_right_come_a_page_at_a_time(stack: Stack) -> None:
    h, o = await _tree(stack)
    day = stack.today()
    same, earlier = (day - timedelta(days=10)).isoformat(), (day - timedelta(days=40)).isoformat()
    await eventually(lambda: _listed(stack, h, f"/api/v1/orgs/{o['p4']}/audits"), timeout=60)  # audits knows the tree
    # eight audits in T1's subtree, six planned for one day; two in T2's
    ours = [await _audit(stack, h, o["p1" if n % 2 else "p3"], o["t1"], same) for n in range(6)]
    ours += [await _audit(stack, h, o["p1"], o["t1"], earlier), await _audit(stack, h, o["t1"], o["cc"], earlier)]
    theirs = [await _audit(stack, h, o["p4"], o["t2"], same), await _audit(stack, h, o["p4"], o["t2"], earlier)]

    path = f"/api/v1/orgs/{o['t1']}/audits"
    whole = await get(stack, h, path)
    pages = await _pages(stack, h, path, 3)
    assert [len(p) for p in pages] == [3, 3, 2]
    ids = _once(pages, whole)
    assert sorted(ids) == sorted(ours), "every audit of the subtree, none of another"
    assert [a["planned_on"] for a in whole] == [same] * 6 + [earlier] * 2, "newest plan first"
    assert ids[:6] == sorted(ours[:6], reverse=True), "ties on the day settled by id"
    assert [r["id"] for r in await get(stack, h, path, limit=3, cursor=ids[2])] == ids[3:6]
    this_year = await _pages(stack, h, path, 2, year=int(same[:4]))
    assert [a["id"] for p in this_year for a in p] == [a["id"] for a in whole if a["planned_on"][:4] == same[:4]]
    await _bad_paging(stack, h, path, 10000)
    await _refused(stack, h, path, "cursor", cursor=theirs[0])  # a row of T2's list, not of T1's

    # eight items to put right of one audit, six due the same day, and one of T2's
    started = f"/api/v1/audits/{ours[0]}"
    await post(stack, h, f"{started}/start", {}, 200)
    due, later = (day + timedelta(days=30)).isoformat(), (day + timedelta(days=60)).isoformat()
    for n in range(8):
        body = {"action": f"Пункт {n}", "owner_role": "info_worker", "due_on": later if n in (2, 5) else due}
        await post(stack, h, f"{started}/remediation", body)
    await post(stack, h, f"/api/v1/audits/{theirs[0]}/start", {}, 200)
    other = await post(
        stack, h, f"/api/v1/audits/{theirs[0]}/remediation", {"action": "Чужой", "owner_role": "chair", "due_on": due}
    )
    items = f"/api/v1/orgs/{o['t1']}/remediation"
    whole = await get(stack, h, items)
    pages = await _pages(stack, h, items, 3)
    assert [len(p) for p in pages] == [3, 3, 2]
    ids = _once(pages, whole)
    assert [i["due_on"] for i in whole] == [due] * 6 + [later] * 2, "by deadline"
    assert ids[:6] == sorted(ids[:6]), "ties on the deadline settled by id"
    assert "Чужой" not in [i["action"] for i in whole]
    await _bad_paging(stack, h, items, 10000)
    await _refused(stack, h, items, "cursor", cursor=other["remediation"][0]["id"])

    await _moved_away(stack, h, o, ours)


async def _listed(stack: Stack, h: dict[str, str], path: str) -> bool:
    return (await stack.http.get(path, headers=h)).status_code == 200


async def _moved_away(stack: Stack, h: dict[str, str], o: dict[str, str], ours: list[str]) -> None:
    """P3 moves to T2 today: T1's auditor no longer sees its audits on any page, even as of a day it was T1's."""
    auditor = await _user(stack, h, "auditor.t1", "auditor", o["t1"])
    of_p3 = {a["id"] for a in await get(stack, h, f"/api/v1/orgs/{o['p3']}/audits")}
    assert len(of_p3) == 3
    moved = await stack.http.patch(
        f"/api/v1/orgs/{o['p3']}", json={"parent_id": o["t2"], "effective_on": stack.today().isoformat()}, headers=h
    )
    assert moved.status_code == 200, moved.text

    async def gone() -> bool:
        return not of_p3 & {a["id"] for a in await get(stack, auditor, f"/api/v1/orgs/{o['t1']}/audits")}

    await eventually(gone, timeout=60)
    for as_of in (None, "2020-01-01"):
        query = {"as_of": as_of} if as_of else {}
        shown = [a["id"] for p in await _pages(stack, auditor, f"/api/v1/orgs/{o['t1']}/audits", 2, **query) for a in p]
        assert sorted(shown) == sorted(set(ours) - of_p3), as_of
        await _refused(stack, auditor, f"/api/v1/orgs/{o['t1']}/audits", "cursor", cursor=sorted(of_p3)[0], **query)
    assert (await stack.http.get(f"/api/v1/orgs/{o['t2']}/audits", headers=auditor)).status_code == 403


async def test_an_orgs_appeals_come_a_page_at_a_time(stack: Stack) -> None:
    h, o = await _tree(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna, known = await person(stack, h, o["p1"], "Анна Иванова")
    boris, known4 = await person(stack, h, o["p4"], "Борис Петров")
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "phone"}
    filed = await asyncio.gather(*(post(stack, known, "/api/v1/appeals", filing) for _ in range(7)))
    theirs = await post(stack, known4, "/api/v1/appeals", {**filing, "person_id": boris})
    await post(stack, h, f"/api/v1/appeals/{filed[0]['id']}/closure", {"outcome": "resolved"}, 200)

    path = f"/api/v1/orgs/{o['p1']}/appeals"
    for state, limit, sizes in (("all", 2, [2, 2, 2, 1]), ("open", 4, [4, 2])):
        whole = await get(stack, h, path, state=state)
        pages = await _pages(stack, h, path, limit, state=state)
        assert [len(p) for p in pages] == sizes, state
        ids = _once(pages, whole)
        assert sorted(ids) == sorted(f["id"] for f in filed if state == "all" or f is not filed[0])
        keys = [(a["filed_at"], a["id"]) for a in whole]
        assert keys == sorted(keys, reverse=True), "newest first, ties by id"
    await _bad_paging(stack, h, path, 1000)
    await _refused(stack, h, path, "cursor", cursor=theirs["id"])  # P4's appeal is no row of P1's list
    closed = await get(stack, h, path, state="open", limit=2, cursor=filed[0]["id"])
    assert filed[0]["id"] not in [a["id"] for a in closed], "a closed appeal still marks where the next page starts"

    at_t2 = await _user(stack, h, "staff.t2", "staff", o["t2"])
    assert (await stack.http.get(path, params={"cursor": theirs["id"]}, headers=at_t2)).status_code == 403
    mine = await get(stack, at_t2, f"/api/v1/orgs/{o['p4']}/appeals", state="all", limit=1)
    assert [a["id"] for a in mine] == [theirs["id"]]
    for state in ("open", "overdue", "all"):
        reply = await stack.http.get(f"/api/v1/orgs/{o['t1']}/appeals", params={"state": state}, headers=at_t2)
        assert reply.status_code == 403, state


async def test_the_orgs_under_an_org_come_a_page_at_a_time(stack: Stack) -> None:
    h, o = await _tree(stack)
    names = ["Б", "А", "Б", "В", "Б", "Б", "А"]  # four of one name: their ids settle the order
    for name in names:
        await register(stack, h, name=name, level="primary", parent_id=o["t1"], registered_on="1995-01-01")
    path = f"/api/v1/orgs/{o['t1']}/children"
    whole = await get(stack, h, path)
    pages = await _pages(stack, h, path, 4)
    assert [len(p) for p in pages] == [4, 4, 1]
    _once(pages, whole)
    keys = [(c["name"], c["id"]) for c in whole]
    assert keys == sorted(keys) and len(keys) == len(names) + 2, "by name, ties by id; P1 and P3 too"
    old = await _pages(stack, h, path, 4, as_of="1996-01-01")
    assert sum(len(p) for p in old) == 9
    await _bad_paging(stack, h, path, 10000)
    await _refused(stack, h, path, "cursor", cursor=o["p4"])  # T2's child, not T1's
    await _refused(stack, h, path, "cursor", cursor=o["t1"])  # the org itself is no row of its children

    # P3 moves to T2 today: T1's viewer never sees it under T1, even as of a day it was there
    viewer = await _user(stack, h, "viewer.t1", "viewer", o["t1"])
    moved = await stack.http.patch(
        f"/api/v1/orgs/{o['p3']}", json={"parent_id": o["t2"], "effective_on": stack.today().isoformat()}, headers=h
    )
    assert moved.status_code == 200, moved.text
    for as_of in (None, "2020-01-01"):
        query = {"as_of": as_of} if as_of else {}
        shown = [c["id"] for p in await _pages(stack, viewer, path, 2, **query) for c in p]
        assert o["p3"] not in shown and len(shown) == len(names) + 1, as_of
        await _refused(stack, viewer, path, "cursor", cursor=o["p3"], **query)
    past = await stack.http.get(f"/api/v1/orgs/{o['t2']}/children", params={"as_of": "2020-01-01"}, headers=viewer)
    assert past.status_code == 403
