"""The org tree a level at a time: the root and its children first, a level opened by its own address (no script
needed), long levels in pages of 50, and no opening of another part of the union."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.api import register
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


def _names(page: Any) -> Any:
    """The names of the orgs the tree shows, as their links say."""
    return page.locator("ul.tree li > a[href^='/ui/orgs/']").all_inner_texts()


async def test_the_tree_shows_the_root_and_its_children_and_opens_a_level_on_demand(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "admin", ADMIN_PASSWORD)
    await page.goto("/ui/tree")
    assert await _names(page) == [o["cc"]["name"], o["t2"]["name"], o["t1"]["name"]], "the CC and its children, by name"
    assert o["p1"]["name"] not in await page.locator("main").inner_text(), "no grandchildren until a level is opened"

    opener = page.get_by_role("link", name=f"Раскрыть: {o['t1']['name']}, 2 организации в составе")
    assert await opener.get_attribute("aria-expanded") == "false"
    await page.evaluate("window.unreloaded = true")
    await opener.focus()
    await page.keyboard.press("Enter")  # the keyboard opens it as the mouse does
    await page.wait_for_url(lambda url: url.endswith(f"/ui/tree?open={o['t1']['id']}"))
    closer = page.get_by_role("link", name=f"Свернуть: {o['t1']['name']}")
    await closer.wait_for()
    assert await page.evaluate("window.unreloaded === true"), "the script opened the level in place"
    assert await page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Свернуть: {o['t1']['name']}"
    t1 = page.locator("li", has=page.get_by_role("link", name=o["t1"]["name"], exact=True)).last
    assert await t1.locator("li > a[href^='/ui/orgs/']").all_inner_texts() == [o["p2"]["name"], o["p1"]["name"]]
    assert o["p3"]["name"] not in await page.locator("main").inner_text(), "T2 stays closed"
    await shot(page, "tree-opened")

    assert await closer.get_attribute("aria-expanded") == "true"
    await closer.click()
    await page.wait_for_url(lambda url: url.endswith("/ui/tree"))
    await opener.wait_for()
    assert o["p1"]["name"] not in await page.locator("main").inner_text()
    await page.go_back()  # the address bar's history opens it again
    await closer.wait_for()

    await page.goto(f"/ui/tree?open={o['p3']['id']}")  # a primary org opened: the path down to it
    assert await _names(page) == [o["cc"]["name"], o["t2"]["name"], o["p3"]["name"], o["t1"]["name"]]


async def test_a_primary_orgs_staff_see_only_their_own_org(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "staff.p1")
    await page.goto("/ui/tree")
    assert await _names(page) == [o["p1"]["name"]]
    assert await page.locator("main a[aria-expanded]").count() == 0, "nothing under a primary org to open"


async def test_an_org_of_another_subtree_cannot_be_opened(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "staff.t1")
    await page.goto("/ui/tree")
    assert await _names(page) == [o["t1"]["name"], o["p2"]["name"], o["p1"]["name"]]
    for other in ("t2", "p3", "cc"):
        answer = await page.goto(f"/ui/tree?open={o['t1']['id']}&open={o[other]['id']}")
        assert answer is not None and answer.status == 403, other
        await page.get_by_role("heading", name="Нет доступа").wait_for()
        assert o["p3"]["name"] not in await page.locator("main").inner_text()


async def test_a_level_of_51_orgs_comes_in_pages_of_50(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = union.orgs
    cc = o["cc"]["id"]
    added = [
        await register(stack, union.admin, name=f"Территориальная организация №{n:02}", level="territorial", parent_id=cc)
        for n in range(1, 50)
    ]
    last = added[-1]  # by name, the 51st of the CC's children
    under = await register(stack, union.admin, name="ППО на второй странице", level="primary", parent_id=last["id"])
    page = await sign_in(browser, site, "admin", ADMIN_PASSWORD, java_script_enabled=False)  # links alone page and open
    await page.goto("/ui/tree")
    level = page.locator("ul.tree > li > ul > li")
    assert await level.count() == 50
    pages = page.get_by_role("navigation", name=f"Страницы организаций в составе: {o['cc']['name']}")
    assert await pages.get_by_text("1–50", exact=True).count() == 1, "where the page stands (the registry pages the level)"
    assert last["name"] not in await page.locator("main").inner_text()

    await pages.get_by_role("link", name="Следующая страница").click()
    await page.wait_for_url(lambda url: f"/ui/tree?after-{cc}=" in url)
    assert await level.locator(":scope > a[href^='/ui/orgs/']").all_inner_texts() == [last["name"]]
    assert await pages.get_by_text("51–51", exact=True).count() == 1
    await page.get_by_role("link", name=f"Раскрыть: {last['name']}, 1 организация в составе").click()
    await page.get_by_role("link", name=under["name"]).wait_for()
    assert await level.count() == 1, "the CC's second page still"
    await shot(page, "tree-second-page")

    await page.goto(f"/ui/tree?open={last['id']}")  # an address naming only the org opens the page that holds it
    assert await page.get_by_role("link", name=under["name"]).count() == 1
    await pages.get_by_role("link", name="Первая страница").click()
    await page.wait_for_url(lambda url: url.endswith("/ui/tree"))
    assert await level.count() == 50

    for stale in (under["id"], "garbage"):  # a cursor that is no org of the level (one under another): the first page
        answer = await page.goto(f"/ui/tree?after-{cc}={stale}&after-{cc}_at=51")
        assert answer is not None and answer.status == 200, stale
        assert await level.count() == 50 and await pages.get_by_text("1–50", exact=True).count() == 1, stale

    await page.goto(f"/ui/orgs/{cc}")  # the org page names the first 50 and leads to the rest in the tree
    children = page.locator("section[aria-labelledby='children-h'] li")
    assert await children.count() == 50 and last["name"] not in await children.all_inner_texts()
    await page.get_by_role("link", name="Все организации под ней — в дереве").click()
    await page.wait_for_url(lambda url: f"/ui/tree?open={cc}" in url)
    assert await level.count() == 50
