"""Issue 32: an org's inbox, its materials and a material's recipients come a page at a time, paged by the exchange in
SQL (`?limit=&cursor=`, the next page's address in `Link: rel="next"`): the pages cover the list once, in its order,
even where one cascade reached many orgs in one instant; a cursor that is not a row of the list is refused naming
`cursor`; the progress figures count every recipient the caller may see, never only a page, and never one outside
the caller's part of the union."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.api import exchange as exchange_api
from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, get, post, register

PASSWORD = "long-enough-pw"


async def _pages(stack: Stack, h: dict[str, str], path: str, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, each asked at the address the page before named in its `Link` header."""
    pages: list[list[dict[str, Any]]] = []
    reply = await stack.http.get(path, params={**params, "limit": limit}, headers=h)
    while True:
        assert reply.status_code == 200, reply.text
        pages.append(reply.json())
        link = reply.headers.get("Link")
        if link is None:
            return pages
        assert len(pages) < 50, "the pages never end"
        found = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert found, link
        reply = await stack.http.get(found.group(1), headers=h)


def _once(pages: list[list[dict[str, Any]]], key: str) -> list[str]:
    """The ids of the pages' rows in order, checked to hold no row twice."""
    ids = [r[key] for page in pages for r in page]
    assert len(ids) == len(set(ids)), f"a row on two pages: {ids}"
    return ids


async def _refused(stack: Stack, h: dict[str, str], path: str, field: str, **params: Any) -> None:
    reply = await stack.http.get(path, params=params, headers=h)
    assert reply.status_code == 422, reply.text
    assert field in [d["field"] for d in reply.json()["error"]["details"]], reply.text


async def test_an_inbox_and_an_orgs_materials_come_page_by_page(stack: Stack) -> None:
    h, o = await chain(stack)
    p1, t1 = o["p1"]["id"], o["t1"]["id"]
    for n in range(7):  # P1 wrote seven, each sent up to T1 (X2)
        made = await post(stack, h, "/api/v1/materials", {**NEWS, "title": f"Материал {n}", "org_id": p1, "newsworthy": True})
        await post(stack, h, f"/api/v1/materials/{made['id']}/send-up", {}, 202)

    inbox = await get(stack, h, f"/api/v1/orgs/{t1}/inbox")
    assert len(inbox) == 7 and [r["delivered_at"] for r in inbox] == sorted((r["delivered_at"] for r in inbox), reverse=True)
    pages = await _pages(stack, h, f"/api/v1/orgs/{t1}/inbox", 3)
    assert [len(p) for p in pages] == [3, 3, 1], "the last page says no next one"
    assert _once(pages, "material_id") == [r["material_id"] for r in inbox], "the pages are the whole inbox, in its order"
    exact = await _pages(stack, h, f"/api/v1/orgs/{t1}/inbox", 7)
    assert [len(p) for p in exact] in ([7], [7, 0]), "a page as long as the list ends it, or an empty one does"

    written = await get(stack, h, f"/api/v1/orgs/{p1}/materials")
    pages = await _pages(stack, h, f"/api/v1/orgs/{p1}/materials", 2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert _once(pages, "id") == [m["id"] for m in written], "the pages are every material it wrote, in order"
    assert [m["title"] for m in written] == [f"Материал {n}" for n in reversed(range(7))], "newest first"

    for path in (f"/api/v1/orgs/{t1}/inbox", f"/api/v1/orgs/{p1}/materials"):
        await _refused(stack, h, path, "limit", limit=0)
        await _refused(stack, h, path, "limit", limit=1001)
        await _refused(stack, h, path, "cursor", cursor="not-an-id")
        await _refused(stack, h, path, "cursor", cursor="0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a10")  # no row of this list
    mine = inbox[0]["material_id"]
    await _refused(stack, h, f"/api/v1/orgs/{o['p4']['id']}/inbox", "cursor", cursor=mine)  # a row of T1's inbox
    await _refused(stack, h, f"/api/v1/orgs/{t1}/materials", "cursor", cursor=mine)  # P1 wrote it, not T1

    overdue = await stack.http.get(f"/api/v1/orgs/{t1}/inbox", params={"overdue": "true", "limit": 1}, headers=h)
    assert overdue.status_code == 200 and overdue.json() == [] and "Link" not in overdue.headers, "none overdue yet"


async def test_a_materials_recipients_come_page_by_page_and_its_figures_count_them_all(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, o = await chain(stack)
    t1, t2, p4 = o["t1"]["id"], o["t2"]["id"], o["p4"]["id"]
    more = [
        (await register(stack, h, name=f"ППО-{n:02d}", level="primary", parent_id=t1, registered_on="1996-01-01"))["id"]
        for n in range(12)
    ]
    await eventually(lambda: _status(stack, h, f"/api/v1/orgs/{more[-1]}/inbox", 200), timeout=30)
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {}, 202)
    path = f"/api/v1/materials/{material}/deliveries"

    async def reached() -> bool:
        return (await get(stack, h, f"/api/v1/materials/{material}/progress"))["orgs_reached"] == 17

    await eventually(reached, timeout=30)
    read = [more[0], more[5], p4]
    for org in read:
        await post(stack, h, f"/api/v1/materials/{material}/acknowledge", {"org_id": org}, 200)

    everyone = await get(stack, h, path)
    assert len(everyone) == 17 and len({r["delivered_at"] for r in everyone}) < 17, "one cascade: orgs reached together"
    pages = await _pages(stack, h, path, 4)
    assert [len(p) for p in pages] == [4, 4, 4, 4, 1]
    assert _once(pages, "recipient") == [r["recipient"] for r in everyone], "every recipient once, in the list's order"
    assert [r["delivered_at"] for r in everyone] == sorted(r["delivered_at"] for r in everyone)

    progress = await get(stack, h, f"/api/v1/materials/{material}/progress")
    assert (progress["orgs_expected"], progress["orgs_reached"], progress["orgs_acknowledged"]) == (17, 17, 3)
    assert progress["recipients_total"] == 17 and progress["share_reached"] == 1.0
    assert sorted(progress["not_acknowledged"]) == sorted(r["recipient"] for r in everyone if r["recipient"] not in read)
    monkeypatch.setattr(exchange_api, "MAX_PAGE", 4)  # the orgs yet to read it, gathered over several pages
    assert await get(stack, h, f"/api/v1/materials/{material}/progress") == progress
    monkeypatch.undo()

    unread = await _pages(stack, h, path, 5, unread="true")
    assert [len(p) for p in unread] == [5, 5, 4], "the next page's address keeps the filter"
    ids = _once(unread, "recipient")
    assert ids == [r["recipient"] for r in everyone if r["recipient"] not in read], "only those yet to read it, in order"
    assert all(r["acknowledged_at"] is None for page in unread for r in page)

    await _refused(stack, h, path, "limit", limit=0)
    await _refused(stack, h, path, "limit", limit=1001)
    await _refused(stack, h, path, "cursor", cursor="t1")
    other = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{other}/cascade", {"to": [t2]}, 202)
    await eventually(lambda: _count(stack, h, f"/api/v1/materials/{other}/deliveries", 2), timeout=30)
    await _refused(stack, h, f"/api/v1/materials/{other}/deliveries", "cursor", cursor=t1)  # a recipient of the first only

    body = {"username": "staff.t2", "password": PASSWORD, "role": "staff", "org_id": t2}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    theirs = await stack.login("staff.t2", PASSWORD)
    seen = await _pages(stack, theirs, path, 1)
    assert sorted(_once(seen, "recipient")) == sorted([t2, p4]), "only the recipients in T2's part of the union"
    figures = await get(stack, theirs, f"/api/v1/materials/{material}/progress")
    assert (figures["orgs_expected"], figures["orgs_reached"], figures["orgs_acknowledged"]) == (2, 2, 1)
    assert figures["recipients_total"] == 2 and figures["not_acknowledged"] == [t2]
    assert await get(stack, theirs, path, unread="true") == [r for r in everyone if r["recipient"] == t2]
    await _refused(stack, theirs, path, "cursor", cursor=t1)  # T1's row is no row of what T2's staff may see


async def _status(stack: Stack, h: dict[str, str], path: str, status: int) -> bool:
    return (await stack.http.get(path, headers=h)).status_code == status


async def _count(stack: Stack, h: dict[str, str], path: str, n: int) -> bool:
    return len(await get(stack, h, path)) == n
