"""Issue 32, X1: the CC's staff keep the register of outside parties and record a material received from one, on a
phone; what is missing is refused beside its field in Russian; the API agrees."""

from __future__ import annotations

import re
from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def test_cc_staff_register_a_party_and_record_its_material(stack: Stack, union: Union, site: str, browser: Any) -> None:
    cc = union.orgs["cc"]["id"]
    page = await sign_in(browser, site, "staff.cc", **PHONE)
    await page.goto(f"/ui/orgs/{cc}")
    await page.get_by_role("link", name="Внешние участники").click()
    add = page.get_by_role("form", name="Добавить участника")
    await add.get_by_label("Вид").select_option(label="ФНПР (федерация)")
    await add.get_by_label("Электронная почта для материалов").fill("info@fnpr.ru")
    await add.get_by_role("button", name="Внести в реестр").click()
    await add.get_by_text("Заполните это поле.").wait_for()
    assert await add.get_by_label("Название").get_attribute("aria-invalid") == "true", "the refusal names the field"
    await add.get_by_label("Вид").select_option(label="территориальное объединение профсоюзов")
    await add.get_by_label("Название").fill("Союз профсоюзов края")
    await add.get_by_label("Электронная почта для материалов").fill("union@kraj.ru")
    await add.get_by_role("button", name="Внести в реестр").click()  # an association without the org it serves
    await add.get_by_text("Территориальное объединение действует при территориальной организации").wait_for()
    assert await add.get_by_label("Территориальная организация").get_attribute("aria-invalid") == "true"
    await add.get_by_label("Вид").select_option(label="ФНПР (федерация)")
    await add.get_by_label("Название").fill("ФНПР")
    await add.get_by_label("Электронная почта для материалов").fill("info@fnpr.ru")
    await add.get_by_role("button", name="Внести в реестр").click()
    await page.get_by_text("Участник внесён в реестр.").wait_for()
    await page.get_by_role("list", name="Реестр внешних участников").get_by_text("ФНПР", exact=True).wait_for()
    [party] = [p for p in (await stack.http.get("/api/v1/parties", headers=union.admin)).json() if p["name"] == "ФНПР"]
    assert (party["kind"], party["email"]) == ("fnpr", "info@fnpr.ru")

    receive = page.get_by_role("form", name="Записать полученный материал")
    await receive.get_by_label("Заголовок").fill("О росте МРОТ")
    await receive.get_by_label("Текст").fill("ФНПР сообщает о росте МРОТ с 1 января.")
    await receive.get_by_role("button", name="Записать и передать дальше").click()
    await receive.get_by_text("Заполните это поле.").wait_for()
    assert await receive.get_by_label("Кто получил").get_attribute("aria-invalid") == "true"
    assert await receive.get_by_label("Заголовок").input_value() == "О росте МРОТ", "what was typed stays"
    await receive.get_by_label("Кто получил").select_option(label="ЦК Судпроф")
    await receive.get_by_role("button", name="Записать и передать дальше").click()
    await page.wait_for_url(re.compile(r"/ui/materials/[^/]+$"))
    await page.get_by_role("heading", name="О росте МРОТ").wait_for()
    material = page.url.rsplit("/", 1)[1]
    kept = (await stack.http.get(f"/api/v1/materials/{material}", headers=union.admin)).json()
    assert (kept["org_id"], kept["received_from"]) == (cc, party["id"])
    await page.goto("/ui/parties")
    await shot(page, "parties-phone")
    text = re.sub(r"\S+@\S+|\(X\d(–X\d)?\)", "", await page.locator("main").inner_text())
    assert not re.findall(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Outside parties").wait_for()
    await page.get_by_text("FNPR (the federation)").first.wait_for()
    await page.get_by_role("link", name="Русский").click()
    await page.get_by_role("heading", name="Внешние участники").wait_for()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the parties page fits a phone"
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "parties-desktop")
