"""Staff send a material up from a primary org and cascade one from the CC; the deliveries page updates live."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def compose(page: Any, title: str, *, newsworthy: bool = False) -> None:
    """Fills the composer and saves the draft; the page is then the material's."""
    await page.get_by_role("link", name="Новый материал").first.click()
    await page.get_by_label("Заголовок").fill(title)
    await page.get_by_label("Текст").fill("С 1 июля оклады растут на 8 %. Подробности у председателя профкома.")
    await page.get_by_label("заработная плата").check()
    if newsworthy:
        await page.get_by_label("Заслуживает общественного внимания (X2)").check()
    await page.get_by_role("button", name="Сохранить черновик").click()
    await page.wait_for_url(re.compile(r"/ui/materials/[^/]+$"))


async def test_a_primary_org_sends_up_and_the_cc_cascades_with_live_deliveries(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    o = union.orgs
    page = await sign_in(browser, site, "staff.p1")
    assert page.url.endswith(f"/ui/orgs/{o['p1']['id']}"), "staff land on their own org"
    await page.get_by_role("heading", name="Соблюдение концепции сегодня").wait_for()
    await shot(page, "org-page")

    await compose(page, "Индексация зарплаты на верфи", newsworthy=True)
    assert await page.get_by_text("Пока никуда не доставлено.").is_visible()
    await page.get_by_role("button", name="Направить вверх").click()
    await page.wait_for_url(re.compile(r"/ui/materials/[^/]+$"))
    deliveries = page.locator("#deliveries")
    await deliveries.get_by_text("вверх, заслуживает внимания (X2)").wait_for()
    assert "Дошло до 1 из 1 организации" in await deliveries.inner_text()
    await shot(page, "material-sent-up")

    cc = await sign_in(browser, site, "staff.cc")
    events: list[str] = []
    # the live box's address names the page it shows (`?shown=` its table's fingerprint)
    cc.on(
        "response",
        lambda r: events.append(r.headers.get("content-type", "")) if urlsplit(r.url).path.endswith("/events") else None,
    )
    polled: list[str] = []
    cc.on("request", lambda r: polled.append(r.url) if r.resource_type in ("xhr", "fetch") else None)
    await compose(cc, "Позиция ЦК по индексации")
    await cc.get_by_role("button", name="Направить вниз").click()
    await cc.wait_for_url(re.compile(r"/ui/materials/[^/]+$"))
    await cc.evaluate("window.__stayed = true")
    box = cc.locator("#deliveries")
    await box.get_by_text("Дошло до 5 из 5 организаций").wait_for(timeout=20_000)

    before = int(await box.get_attribute("data-updates") or "0")
    reader = await sign_in(browser, site, "staff.p1")
    await reader.goto(f"/ui/orgs/{o['p1']['id']}/inbox")
    row = reader.get_by_role("row", name="Позиция ЦК по индексации")
    await row.get_by_role("button", name="Отметить прочитанным").click()
    await reader.get_by_role("row", name="Позиция ЦК по индексации").get_by_role("button").wait_for(state="detached")
    await shot(reader, "inbox")

    await box.locator(".acknowledged", has_text="1 организация прочитала").wait_for(timeout=20_000)
    assert int(await box.get_attribute("data-updates") or "0") > before, "the table was replaced by an event"
    assert await cc.evaluate("window.__stayed === true"), "the page was not reloaded"
    assert any(kind.startswith("text/event-stream") for kind in events), events
    assert polled == [], "the page never polls"
    await shot(cc, "deliveries-live")


async def test_a_draft_without_a_title_is_refused_beside_the_field_in_russian_and_english(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{union.orgs['p1']['id']}/materials/new")
    await page.get_by_label("Текст").fill("Текст без заголовка")
    await page.get_by_role("button", name="Сохранить черновик").click()
    assert await page.locator("#title-error").inner_text() == "Заполните это поле."
    assert await page.get_by_label("Заголовок").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Текст").input_value() == "Текст без заголовка", "what was typed is kept"

    await page.get_by_role("link", name="English").click()
    await page.get_by_role("button", name="Save the draft").click()
    assert await page.locator("#title-error").inner_text() == "Fill this in."
    assert await page.locator("html").get_attribute("lang") == "en"


async def test_a_territorial_org_sends_on_a_cascade_it_held_for_review(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    h, t1, p1 = union.admin, union.orgs["t1"]["id"], union.orgs["p1"]["id"]
    policy = await stack.http.put(f"/api/v1/orgs/{t1}/exchange-policy", json={"hold_for_review": True}, headers=h)
    assert policy.status_code == 200, policy.text
    news = {"org_id": union.orgs["cc"]["id"], "title": "Итоги пленума ЦК", "body": "Текст", "kind": "news"}
    material = (await stack.http.post("/api/v1/materials", json=news, headers=h)).json()["id"]
    sent = await stack.http.post(f"/api/v1/materials/{material}/cascade", json={"to": [t1]}, headers=h)
    assert sent.status_code == 202, sent.text

    page = await sign_in(browser, site, "staff.t1")
    await page.goto(f"/ui/orgs/{t1}/inbox")
    row = page.get_by_role("row", name="Итоги пленума ЦК")
    await row.get_by_text("задержано для проверки").wait_for()
    assert await _reached(stack, h, material, p1) is False, "held: the primary org has nothing yet"
    await row.get_by_role("button", name="Разослать нижестоящим").click()
    await page.get_by_role("row", name="Итоги пленума ЦК").get_by_text("разослано ниже").wait_for()
    await shot(page, "cascade-released")
    await eventually(lambda: _reached(stack, h, material, p1))


async def _reached(stack: Stack, h: dict[str, str], material: str, org: str) -> bool:
    rows = (await stack.http.get(f"/api/v1/materials/{material}/deliveries", headers=h)).json()
    return org in {r["recipient"] for r in rows}
