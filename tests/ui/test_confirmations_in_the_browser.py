"""Issue 32: re-adopting a quarter's plan, completing an audit and erasing a person ask first, on a page saying what
will change; cancelling changes nothing, a bad answer comes back beside its field, and the API agrees each time."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import PASSWORD, Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def test_replacing_a_quarters_plan_asks_first_showing_both_plans(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/orgs/{p1}/plans")
    quarter = await page.locator("#plan-quarter").input_value()
    await page.get_by_label("Что запланировано, по пункту в строке").fill("Обновлять стенд")
    await page.get_by_role("button", name="Принять", exact=True).click()
    await page.get_by_text("Обновлять стенд").wait_for()

    async def items() -> list[list[str]]:
        return [p["items"] for p in (await stack.http.get(f"/api/v1/orgs/{p1}/plans", headers=union.admin)).json()]

    await page.get_by_label("Что запланировано, по пункту в строке").fill("")
    await page.get_by_role("button", name="Принять", exact=True).click()
    await page.locator("#plan-items-error").wait_for()  # nothing planned: refused beside the field, no question asked
    assert await items() == [["Обновлять стенд"]]

    await page.get_by_label("Что запланировано, по пункту в строке").fill("Выпустить листовку\nПровести собрание")
    await page.get_by_role("button", name="Принять", exact=True).click()
    await page.get_by_role("heading", name="Заменить план на").wait_for()
    assert await page.locator("#plan-now li").all_inner_texts() == ["Обновлять стенд"]
    assert await page.locator("#plan-after li").all_inner_texts() == ["Выпустить листовку", "Провести собрание"]
    assert await items() == [["Обновлять стенд"]], "nothing changes before the answer"
    await shot(page, "confirm-replan-phone")
    await page.get_by_role("link", name="Отмена").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}/plans")
    assert await items() == [["Обновлять стенд"]], "cancelled"

    await page.get_by_label("Что запланировано, по пункту в строке").fill("Выпустить листовку\nПровести собрание")
    await page.get_by_role("button", name="Принять", exact=True).click()
    await page.get_by_role("button", name="Да, заменить план").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}/plans")
    assert await items() == [["Выпустить листовку", "Провести собрание"]]
    assert [p["quarter"] for p in (await stack.http.get(f"/api/v1/orgs/{p1}/plans", headers=union.admin)).json()] == [quarter]


async def test_completing_an_audit_asks_first_and_a_bad_score_comes_back_beside_it(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    h = await stack.login("auditor.cc", PASSWORD)
    body = {"planned_on": stack.today().isoformat()}
    made = await stack.http.post(f"/api/v1/orgs/{union.orgs['t1']['id']}/audits", json=body, headers=h)
    assert made.status_code == 201, made.text
    audit = made.json()["id"]
    assert (await stack.http.post(f"/api/v1/audits/{audit}/start", json={}, headers=h)).status_code in (200, 202)

    page = await sign_in(browser, site, "auditor.cc", **PHONE)
    await page.goto(f"/ui/audits/{audit}")
    await page.get_by_label("Оценка (0–100), пусто — рассчитать").fill("140")
    await page.get_by_role("button", name="Завершить проверку").click()
    await page.get_by_role("heading", name="Завершить проверку").wait_for()
    assert "больше не записать" in await page.locator("main").inner_text()
    await shot(page, "confirm-audit-completion-phone")
    await page.get_by_role("button", name="Да, завершить проверку").click()
    await page.locator("#score-error").wait_for()
    assert await page.get_by_label("Оценка (0–100), пусто — рассчитать").get_attribute("aria-invalid") == "true"
    assert (await stack.http.get(f"/api/v1/audits/{audit}", headers=h)).json()["status"] == "started", "nothing written"

    await page.get_by_label("Оценка (0–100), пусто — рассчитать").fill("80")
    await page.get_by_role("button", name="Да, завершить проверку").click()
    await page.wait_for_url(f"**/ui/audits/{audit}")
    done = (await stack.http.get(f"/api/v1/audits/{audit}", headers=h)).json()
    assert (done["status"], done["score"]) == ("completed", 80)


async def test_erasing_a_person_asks_first_and_needs_a_basis(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1 = union.orgs["p1"]["id"]
    admitted = await stack.http.post(
        f"/api/v1/orgs/{p1}/members", json={"full_name": "Орлова Мария Петровна", "since": "2019-03-01"}, headers=union.admin
    )
    assert admitted.status_code == 201, admitted.text
    person = admitted.json()["id"]

    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/members/{person}")
    await page.get_by_role("link", name="Стереть персональные данные…").click()
    await page.get_by_role("heading", name="Стереть персональные данные: Орлова Мария Петровна?").wait_for()
    assert "Это нельзя отменить" in await page.locator("main").inner_text()
    await shot(page, "confirm-erasure-phone")
    await page.get_by_role("button", name="Да, стереть навсегда").click()
    await page.locator("#basis-error").wait_for()
    assert await page.get_by_label("Основание (PD1)").get_attribute("aria-invalid") == "true"
    kept = (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin)).json()
    assert kept["full_name"] == "Орлова Мария Петровна", "nothing erased without a basis"

    await page.get_by_label("Основание (PD1)").fill("заявление члена профсоюза от 1 декабря")
    await page.get_by_role("button", name="Да, стереть навсегда").click()
    await page.get_by_text("Персональные данные человека стёрты.").wait_for()
    erased = (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin)).json()
    assert not erased.get("full_name"), erased
    assert await page.get_by_role("link", name="Стереть персональные данные…").count() == 0
