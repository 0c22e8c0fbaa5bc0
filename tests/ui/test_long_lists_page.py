"""Issue 32: the UI's long lists come a page at a time, 50 a page, as the members' search does: an org's inbox and its
materials, a material's deliveries, an org's audits and its items to put right, the appeals it holds. With 51 of each,
the first page shows 50 and says so, the next page shows the one left, and the first page is one link away. The
deliveries' live box is not replaced when its connection opens with nothing changed (it landed on the user's click)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.api import person
from profset_testing.portal import ARREARS
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
MANY = 51


async def _each(calls: list[Callable[[], Awaitable[Any]]], at_once: int = 8) -> list[Any]:
    """The calls, a few at a time, in order."""
    done: list[Any] = []
    for i in range(0, len(calls), at_once):
        done += await asyncio.gather(*(c() for c in calls[i : i + at_once]))
    return done


async def _send(stack: Stack, h: dict[str, str], method: str, path: str, body: Any = None, status: int = 201) -> Any:
    reply = await stack.http.request(method, path, json=body, headers=h)
    assert reply.status_code == status, reply.text
    return reply


async def _materials_sent_up(stack: Stack, h: dict[str, str], p1: str) -> None:
    """51 newsworthy materials of P1, each sent up to T1 (X2): P1 wrote 51, T1's inbox holds 51."""
    for n in range(1, MANY + 1):  # one after another: «Материал 01» is the oldest, the last page's
        body = {"org_id": p1, "title": f"Материал {n:02d}", "body": "Текст", "kind": "news", "newsworthy": True}
        made = (await _send(stack, h, "POST", "/api/v1/materials", body)).json()
        await _send(stack, h, "POST", f"/api/v1/materials/{made['id']}/send-up", {}, 202)


async def _orgs_under(stack: Stack, h: dict[str, str], t2: str, n: int) -> list[str]:
    """n more primary orgs under T2, once the exchange and audits know them (they mirror the registry's tree)."""
    made = []
    for i in range(1, n + 1):
        body = {"name": f"ППО-{i:02d}", "level": "primary", "parent_id": t2, "registered_on": "1995-01-01"}
        made.append((await _send(stack, h, "POST", "/api/v1/orgs", body)).json()["id"])

    async def known() -> bool:
        asked = [f"/api/v1/orgs/{made[-1]}/inbox", f"/api/v1/orgs/{made[-1]}/audits"]
        return [(await stack.http.get(path, headers=h)).status_code for path in asked] == [200, 200]

    await eventually(known, timeout=60)
    return made


async def _cascaded_to_all(stack: Stack, h: dict[str, str], t2: str) -> str:
    body = {"org_id": t2, "title": "Всем первичкам", "body": "Текст", "kind": "announcement"}
    material = (await _send(stack, h, "POST", "/api/v1/materials", body)).json()["id"]
    await _send(stack, h, "POST", f"/api/v1/materials/{material}/cascade", {}, 202)

    async def delivered() -> bool:
        rows = (await _send(stack, h, "GET", f"/api/v1/materials/{material}/deliveries", status=200)).json()
        return len(rows) == MANY

    await eventually(delivered, timeout=60)
    return str(material)


async def _audits(stack: Stack, h: dict[str, str], t2: str, orgs: list[str]) -> None:
    """An audit of each of T2's 51 primary orgs, the first under way with 51 items to put right."""
    today, due = stack.today().isoformat(), date(stack.today().year + 1, 3, 1).isoformat()

    def plan(org: str) -> Callable[[], Awaitable[Any]]:
        return lambda: _send(stack, h, "POST", f"/api/v1/orgs/{org}/audits", {"planned_on": today, "by_org_id": t2})

    first = (await _each([plan(o) for o in orgs]))[0].json()["id"]
    await _send(stack, h, "POST", f"/api/v1/audits/{first}/start", {}, 200)

    def item(n: int) -> Callable[[], Awaitable[Any]]:
        body = {"action": f"Пункт {n:02d}", "owner_role": "info_worker", "due_on": due}
        return lambda: stack.http.post(f"/api/v1/audits/{first}/remediation", json=body, headers=h)

    assert all(r.status_code in (200, 201) for r in await _each([item(n) for n in range(1, MANY + 1)]))


async def _appeals(stack: Stack, h: dict[str, str], p1: str) -> None:
    await _send(stack, h, "PUT", "/api/v1/life-situations/wage_arrears", ARREARS, 200)
    anna, known = await person(stack, h, p1, "Анна Иванова")
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "phone"}
    await _each([lambda: _send(stack, known, "POST", "/api/v1/appeals", filing) for _ in range(MANY)])


async def _unreplaced(page: Any, live: str) -> None:
    """The `live` box (a selector) has its connection open and nothing changed: the box, its pager too, stays as the
    page made it (replacing it under the user's click is what the page must not do)."""
    await page.locator(f"{live}[data-connected]").wait_for(state="attached")
    await page.wait_for_timeout(500)
    assert await page.locator(f"{live}[data-updates]").count() == 0, "the box was replaced though nothing changed"


async def _two_pages(
    page: Any,
    url: str,
    pages: str,
    rows: Callable[[], Any],
    last: str | None = None,
    live: str | None = None,
    served: bool = False,
) -> None:
    """The list at `url`: 50 on the first page, the 51st on the next, and back to the first. A `live` box (a selector)
    stays as the page made it once its connection opens (`_unreplaced`). A list its service pages (`served`) doesn't
    know its length: its pager says where the page stands, not of how many."""
    of = "" if served else " из 51"
    await page.goto(url)
    nav = page.get_by_role("navigation", name=pages)
    await nav.get_by_text(f"1–50{of}", exact=True).wait_for()
    if live is not None:
        await _unreplaced(page, live)
    assert await rows().count() == 50, url
    assert await nav.get_by_role("link", name="Первая страница").count() == 0
    await nav.get_by_role("link", name="Следующая страница").click()
    await nav.get_by_text(f"51–51{of}", exact=True).wait_for()
    if live is not None:
        await _unreplaced(page, live)
    assert await rows().count() == 1, url
    if last is not None:
        assert last in await rows().first.inner_text(), "the next page goes on after the last one shown"
    assert await nav.get_by_role("link", name="Следующая страница").count() == 0, "no page after the last"
    await nav.get_by_role("link", name="Первая страница").click()
    await nav.get_by_text(f"1–50{of}", exact=True).wait_for()


async def test_long_lists_come_fifty_a_page(stack: Stack, union: Union, site: str, browser: Any) -> None:
    h = union.admin
    p1, t1, t2, p3 = (union.orgs[k]["id"] for k in ("p1", "t1", "t2", "p3"))
    await _materials_sent_up(stack, h, p1)
    more = await _orgs_under(stack, h, t2, MANY - 1)
    material = await _cascaded_to_all(stack, h, t2)
    await _audits(stack, h, t2, [p3, *more])
    await _appeals(stack, h, p1)

    page = await sign_in(browser, site, "staff.cc")
    inbox = page.locator("table tbody tr")
    await _two_pages(page, f"/ui/orgs/{t1}/inbox", "Страницы входящих", lambda: inbox, "Материал 01", served=True)
    await shot(page, "inbox-first-page")
    await page.goto(f"/ui/orgs/{t1}/inbox?cursor=mistyped&cursor_at=51")  # a cursor the exchange finds in no row
    await page.get_by_role("navigation", name="Страницы входящих").get_by_text("1–50", exact=True).wait_for()
    assert await inbox.count() == 50, "a cursor that names no row starts the list again"
    written = page.get_by_role("list", name="Материалы организации").get_by_role("listitem")
    await _two_pages(page, f"/ui/orgs/{p1}/materials", "Страницы материалов", lambda: written, "Материал 01", served=True)
    recipients = page.locator("#deliveries tbody tr")
    await _two_pages(page, f"/ui/materials/{material}", "Страницы доставки", lambda: recipients, live="#deliveries", served=True)
    await page.locator("#show-all", has_text="Все (51)").wait_for()  # its filter says how many in all
    audits = page.locator("table tbody tr")
    await _two_pages(page, f"/ui/orgs/{t2}/audits", "Страницы проверок", lambda: audits, served=True)
    items = page.get_by_role("list", name="Недостатки к устранению")
    await _two_pages(
        page, f"/ui/orgs/{t2}/audits", "Страницы недостатков к устранению", lambda: items.locator(":scope > li"), served=True
    )
    appeals = page.locator("ul.appeals > li")
    await _two_pages(page, f"/ui/orgs/{p1}/appeals", "Страницы обращений", lambda: appeals, served=True)
    await shot(page, "appeals-first-page")
