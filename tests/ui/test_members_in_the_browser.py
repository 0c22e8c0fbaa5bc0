"""Issue 32, D3: staff admit a member, find them by name within their part of the union, transfer them and record
their leaving, all in the browser; refusals are Russian texts beside the field they are about; the API agrees."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def test_staff_admit_find_transfer_and_let_a_member_leave(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1, p2, p3 = (union.orgs[k]["id"] for k in ("p1", "p2", "p3"))
    outside = await stack.http.post(
        f"/api/v1/orgs/{p3}/members", json={"full_name": "Орлов Пётр Ильич", "since": "2010-01-01"}, headers=union.admin
    )
    assert outside.status_code == 201, outside.text

    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/orgs/{p1}")
    admit = page.get_by_role("form", name="Принять в профсоюз")
    await admit.get_by_role("button", name="Принять").click()
    await admit.get_by_text("Заполните это поле.").wait_for()
    assert await admit.get_by_label("ФИО").get_attribute("aria-invalid") == "true", "the refusal names the field"

    await admit.get_by_label("ФИО").fill("Орлова Мария Петровна")
    await admit.get_by_label("Должность на работе").fill("сварщица")
    await admit.get_by_label("Член профсоюза с даты").fill("2019-03-01")
    await admit.get_by_role("button", name="Принять").click()
    await page.get_by_text("Новый член профсоюза принят.").wait_for()
    await page.get_by_role("link", name="Орлова Мария Петровна").wait_for()
    kept = (await stack.http.get(f"/api/v1/orgs/{p1}/members", headers=union.admin)).json()
    assert [(m["full_name"], m["position"]) for m in kept] == [("Орлова Мария Петровна", "сварщица")]
    person = kept[0]["id"]

    await page.goto("/ui/members")
    await page.get_by_label("Фамилия и имя (начало)").fill("О")
    await page.get_by_role("button", name="Найти").click()
    await page.get_by_text("Слишком коротко.").wait_for()
    await page.get_by_label("Фамилия и имя (начало)").fill("орл")
    await page.get_by_role("button", name="Найти").click()
    found = page.get_by_role("list", name="Найденные члены профсоюза")
    await found.get_by_role("link", name="Орлова Мария Петровна").wait_for()
    assert await found.get_by_role("listitem").count() == 1, "a member of another territorial org is not found"
    await shot(page, "members-found-phone")
    await found.get_by_role("link", name="Орлова Мария Петровна").click()
    await page.wait_for_url(f"**/ui/members/{person}")

    transfer = page.get_by_role("form", name="Перевести в другую первичную организацию")
    await transfer.get_by_role("button", name="Перевести").click()
    await transfer.get_by_text("Заполните это поле.").wait_for()
    assert await transfer.get_by_label("Первичная организация").get_attribute("aria-invalid") == "true"
    await transfer.get_by_label("Первичная организация").select_option(label="ППО Ладожского завода")
    await transfer.get_by_label("С даты").fill("2018-01-01")
    await transfer.get_by_role("button", name="Перевести").click()
    await transfer.get_by_text("В этот день человек не состоял в профсоюзе (D3).").wait_for()
    await transfer.get_by_label("Первичная организация").select_option(label="ППО Ладожского завода")
    await transfer.get_by_label("С даты").fill("2024-01-01")
    await transfer.get_by_role("button", name="Перевести").click()
    await page.get_by_text("Перевод записан.").wait_for()
    record = (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin)).json()
    assert record["org_id"] == p2
    assert [(h["effective_on"], h["org_id"]) for h in record["history"]] == [("2019-03-01", p1), ("2024-01-01", p2)]

    leaving = page.get_by_role("form", name="Выход из профсоюза")
    await leaving.get_by_label("Первый день вне профсоюза").fill("2025-07-01")
    await leaving.get_by_role("button", name="Записать выход").click()
    await leaving.get_by_text("Заполните это поле.").wait_for()
    assert await leaving.get_by_label("Причина").get_attribute("aria-invalid") == "true"
    await leaving.get_by_label("Первый день вне профсоюза").fill("2025-07-01")
    await leaving.get_by_label("Причина").fill("вышла на пенсию")
    await leaving.get_by_role("button", name="Записать выход").click()
    await page.get_by_text("Выход из профсоюза записан.").wait_for()
    await shot(page, "member-left-phone")
    record = (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin)).json()
    assert (record["member"], record["org_id"]) == (False, None)
    was = (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin, params={"as_of": "2025-06-30"})).json()
    assert was["org_id"] == p2, "history keeps the membership until the day before leaving"


async def test_staff_of_a_primary_org_may_not_transfer_a_member_out_of_their_reach(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    admitted = await stack.http.post(
        f"/api/v1/orgs/{p1}/members", json={"full_name": "Зайцев Илья Олегович", "since": "2015-01-01"}, headers=union.admin
    )
    person = admitted.json()["id"]
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/members/{person}")
    transfer = page.get_by_role("form", name="Перевести в другую первичную организацию")
    labels = await transfer.get_by_label("Первичная организация").locator("option").all_inner_texts()
    assert labels == ["—"], f"no primary org of staff.p1's reach to move to: {labels}"
    assert (await stack.http.get(f"/api/v1/members/{person}", headers=union.admin)).json()["org_id"] == p1


async def test_an_admission_form_sent_twice_admits_the_member_once(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1 = union.orgs["p1"]["id"]
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")
    admit = page.get_by_role("form", name="Принять в профсоюз")
    sent = {
        "_csrf": await admit.locator("input[name=_csrf]").input_value(),
        "_key": await admit.locator("input[name=_key]").input_value(),
        "full_name": "Дважды Отправленный Член",
        "since": "2020-01-01",
    }
    other = await page.get_by_role("form", name="Назначить на должность").locator("input[name=_key]").input_value()
    assert other != sent["_key"], "each form has its own idempotency key"
    for _ in range(2):  # a double click, or a retry after a timeout
        answer = await page.request.post(f"/ui/orgs/{p1}/members", form=sent, max_redirects=0)
        assert answer.status == 303, await answer.text()
    kept = (await stack.http.get(f"/api/v1/orgs/{p1}/members", headers=union.admin)).json()
    assert [m["full_name"] for m in kept] == ["Дважды Отправленный Член"]
