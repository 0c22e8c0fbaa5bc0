"""What each role sees: a viewer stays in their subtree, admins walk every page; compliance and KPI charts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from profset_testing import ADMIN_PASSWORD, Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_a_viewer_cannot_reach_another_subtree_and_is_offered_no_writes(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "viewer.t2")
    assert page.url.endswith(f"/ui/orgs/{o['t2']['id']}")
    assert await page.get_by_role("link", name="Новый материал").count() == 0, "a viewer drafts nothing"
    assert await page.get_by_role("link", name="Пользователи").count() == 0

    await page.goto("/ui/tree")
    tree = await page.locator("main").inner_text()
    assert o["p3"]["name"] in tree and o["p1"]["name"] not in tree and o["cc"]["name"] not in tree

    for path in (f"/ui/orgs/{o['p1']['id']}", f"/ui/orgs/{o['t1']['id']}/inbox", f"/ui/orgs/{o['cc']['id']}/compliance"):
        answer = await page.goto(path)
        assert answer is not None and answer.status == 403, path
        await page.get_by_role("heading", name="Нет доступа").wait_for()
    await shot(page, "viewer-refused")
    answer = await page.goto(f"/ui/orgs/{o['p1']['id']}/materials/new")
    assert answer is not None and answer.status == 403


async def test_compliance_shows_traffic_lights_with_the_rules_detail_and_kpi_draws_charts(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "admin", ADMIN_PASSWORD)
    await page.goto(f"/ui/orgs/{o['p1']['id']}/compliance")
    p4 = page.locator("#rule-P4")
    assert "red" in (await p4.get_attribute("class") or ""), "2100 members and no social page: P4 is breached"
    assert "нарушено" in await p4.inner_text()
    assert "2100" in (await p4.locator(".detail").inner_text()).replace("\u00a0", "").replace(" ", "")
    await shot(page, "compliance")

    await page.get_by_role("link", name="English").click()
    assert await page.locator("#rule-P4 .status").inner_text() == "breached"
    await page.get_by_role("link", name="Русский").click()

    for org, name in (("t1", "Лебедева Ольга Игоревна"), ("p1", "Зайцева Марина Олеговна")):
        body = {"full_name": name, "role": "info_worker", "since": "2020-01-10"}
        reply = await stack.http.post(f"/api/v1/orgs/{o[org]['id']}/officers", json=body, headers=union.admin)
        assert reply.status_code == 201, reply.text
    year = str(stack.today().year)
    targets = await stack.http.put(f"/api/v1/orgs/{o['cc']['id']}/targets/{year}", json={"K1": 3}, headers=union.admin)
    assert targets.status_code == 200, targets.text

    async def counted() -> bool:
        await page.goto(f"/ui/orgs/{o['cc']['id']}/kpi?period={year}&indicator=K1")
        return await page.locator("#ranking svg.chart rect[width='0.0']").count() == 1

    await eventually(counted, timeout=20)
    assert await page.locator("#ranking svg.chart rect").count() == 2, "the two territorial orgs are ranked"
    assert await page.locator("#series svg.chart polyline[data-series='value']").count() == 1
    k1 = page.get_by_role("row", name=re.compile("^K1"))
    assert await k1.locator("td").nth(2).inner_text() == "3", "the target the CC set"
    await shot(page, "kpi")


async def test_every_page_answers_an_admin_without_an_error(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "admin", ADMIN_PASSWORD)
    pages = {
        "tree": "/ui/tree",
        "tree-search": "/ui/tree?q=верфи",
        "org-cc": f"/ui/orgs/{o['cc']['id']}",
        "materials": f"/ui/orgs/{o['p1']['id']}/materials",
        "moderation": f"/ui/orgs/{o['t1']['id']}/moderation",
        "audits": f"/ui/orgs/{o['t1']['id']}/audits",
        "contacts": f"/ui/orgs/{o['p1']['id']}/contacts",
        "users": "/ui/users",
        "compliance-cc": f"/ui/orgs/{o['cc']['id']}/compliance",
        "my-inbox": "/ui/my/inbox",
    }
    for name, path in pages.items():
        answer = await page.goto(path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        assert await page.locator("meta[charset='utf-8']").count() == 1
        await shot(page, f"page-{name}")
    await page.goto("/ui/tree?q=Амурской")
    assert await page.get_by_role("link", name=o["p3"]["name"]).count() == 1

    await page.goto(f"/ui/orgs/{o['p2']['id']}")
    await page.get_by_label("Новая вышестоящая организация").select_option(o["t2"]["id"])
    await page.get_by_role("button", name="Перевести").click()
    await page.get_by_role("navigation", name="Место в структуре").get_by_text(o["t2"]["name"]).wait_for()
    await page.goto(f"/ui/tree?open={o['t2']['id']}")
    # the last list item holding T2's link is T2's own (its parent's item holds it too)
    t2 = page.locator("li", has=page.get_by_role("link", name=o["t2"]["name"], exact=True)).last
    assert o["p2"]["name"] in (await t2.text_content() or ""), "the moved org sits under its new parent in the tree"


async def test_a_viewer_gets_no_composer_in_their_own_subtree(stack: Stack, union: Union, site: str, browser: Any) -> None:
    page = await sign_in(browser, site, "viewer.t2")
    answer = await page.goto(f"/ui/orgs/{union.orgs['p3']['id']}/materials/new")
    assert answer is not None and answer.status == 403


async def test_a_phone_sized_screen_keeps_the_org_page_usable(stack: Stack, union: Union, site: str, browser: Any) -> None:
    page = await sign_in(browser, site, "staff.p1", viewport={"width": 390, "height": 844}, is_mobile=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"no sideways scrolling on a phone ({width}px wide)"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "К содержанию", "the first Tab offers a skip link"
    await shot(page, "org-page-phone")


async def test_staff_create_a_viewer_of_their_subtree_and_a_short_password_is_refused_beside_it(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    page = await sign_in(browser, site, "staff.t1")
    await page.get_by_role("link", name="Пользователи").click()
    options = await page.get_by_label("Роль", exact=True).locator("option").all_inner_texts()
    assert "администратор" not in options, "staff grant no admin role"
    await page.get_by_label("Имя пользователя").fill("viewer.p2")
    await page.get_by_label("Пароль (не короче 10 символов)").fill("short")
    await page.get_by_label("Роль", exact=True).select_option("viewer")
    await page.get_by_label("Организация (вершина доступной пользователю части)").select_option(union.orgs["p2"]["id"])
    await page.get_by_role("button", name="Создать").click()
    assert await page.locator("#password-error").inner_text() == "Слишком коротко."
    assert await page.get_by_label("Имя пользователя").input_value() == "viewer.p2"

    await page.get_by_label("Пароль (не короче 10 символов)").fill("long-enough-password")
    await page.get_by_role("button", name="Создать").click()
    await page.get_by_role("cell", name="viewer.p2").wait_for()
    assert await page.get_by_role("cell", name="staff.cc").count() == 0, "accounts above the subtree are not listed"
    viewer = await sign_in(browser, site, "viewer.p2", "long-enough-password")
    assert viewer.url.endswith(f"/ui/orgs/{union.orgs['p2']['id']}")
