"""Staff of a primary org report its headcount and add a post holder's address with consent, from the browser."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ui.i18n import Formats
from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_staff_report_the_headcount_and_a_wrong_figure_is_refused_beside_the_field(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{union.orgs['p1']['id']}")
    form = page.locator("section", has=page.get_by_role("heading", name="Сообщить численность"))
    await form.get_by_label("Члены профсоюза").fill("20000000")  # the browser lets it through; the contract does not
    await form.get_by_role("button", name="Сообщить").click()
    await form.get_by_text("Слишком большое число.").wait_for()
    await shot(page, "headcount-refused")

    await form.get_by_label("Члены профсоюза").fill("2222")
    await form.get_by_role("button", name="Сообщить").click()
    await page.get_by_text("2\u00a0222 члена профсоюза").wait_for()

    viewer = await sign_in(browser, site, "viewer.t2")
    await viewer.goto(f"/ui/orgs/{union.orgs['p3']['id']}")
    assert await viewer.get_by_role("heading", name="Сообщить численность").count() == 0, "a viewer reports nothing"


async def test_staff_add_a_chairs_personal_address_with_the_consent_given(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, h = union.orgs["p1"]["id"], union.admin
    chair = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers", json={"full_name": "Лебедева Анна Сергеевна", "role": "chair"}, headers=h
    )
    assert chair.status_code == 201, chair.text
    person = chair.json()["person_id"]

    async def known() -> bool:
        reply = await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)
        return reply.status_code == 200

    await eventually(known)
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}/contacts")
    form = page.locator("section", has=page.get_by_role("heading", name="Добавить контакт"))
    await form.get_by_label("Человек").select_option(label="Лебедева Анна Сергеевна")
    await form.get_by_label("Вид").select_option(label="личная почта")
    await form.get_by_label("Адрес").fill("ab")
    await form.get_by_role("button", name="Добавить").click()
    await form.get_by_text("Слишком коротко.").wait_for()

    await form.get_by_label("Человек").select_option(label="Лебедева Анна Сергеевна")
    await form.get_by_label("Вид").select_option(label="личная почта")
    await form.get_by_label("Адрес").fill("lebedeva.a@mail.ru")
    await form.get_by_label("Дата согласия").fill("2026-02-01")
    await form.get_by_role("button", name="Добавить").click()
    row = page.get_by_role("row", name="Лебедева Анна Сергеевна")
    await row.get_by_text("lebedeva.a@mail.ru").wait_for()
    await row.get_by_text("дано ", exact=False).wait_for()
    await shot(page, "contact-point-added")
    points = (await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)).json()
    assert [(p["kind"], p["value"], p["consent_since"], p["usable"]) for p in points] == [
        ("personal_email", "lebedeva.a@mail.ru", "2026-02-01", True)
    ]


async def test_staff_appoint_an_information_worker_and_relieve_them(stack: Stack, union: Union, site: str, browser: Any) -> None:
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{union.orgs['p1']['id']}")
    form = page.get_by_role("form", name="Назначить на должность")
    await form.get_by_role("button", name="Назначить").click()
    await form.get_by_text("Заполните это поле.").wait_for()

    await form.get_by_label("ФИО").fill("Соколов Пётр Ильич")
    await form.get_by_label("Должность").select_option(label="информационный работник")
    await form.get_by_label("освобождённый").check()
    await form.get_by_label("С даты").fill("2025-09-01")
    await form.get_by_role("button", name="Назначить").click()
    officer = page.get_by_role("listitem").filter(has_text="Соколов Пётр Ильич")
    await officer.get_by_text("информационный работник").wait_for()
    await shot(page, "officer-appointed")
    officers = (await stack.http.get(f"/api/v1/orgs/{union.orgs['p1']['id']}/officers", headers=union.admin)).json()
    assert [(o["full_name"], o["role"], o["released"]) for o in officers] == [("Соколов Пётр Ильич", "info_worker", True)]

    await page.get_by_role("button", name="Освободить от должности: Соколов Пётр Ильич").click()
    await page.get_by_role("button", name="Да, освободить от должности").click()  # asked first (issue 32)
    await page.get_by_text("Соколов Пётр Ильич").wait_for(state="detached")
    [relieved] = (
        await stack.http.get(
            f"/api/v1/orgs/{union.orgs['p1']['id']}/officers", headers=union.admin, params={"as_of": "2025-10-01"}
        )
    ).json()
    assert relieved["full_name"] == "Соколов Пётр Ильич", "history keeps the post held until today"


async def test_a_primary_org_adopts_its_quarterly_plan_and_reports_on_it(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_role("link", name="Квартальные планы").click()
    await page.get_by_text("Планы пока не приняты.").wait_for()
    form = page.locator("section", has=page.get_by_role("heading", name="Принять план"))
    await form.get_by_role("button", name="Принять").click()
    await form.locator(".error").first.wait_for()  # no items: refused beside the field

    quarter = await form.get_by_label("Квартал").input_value()
    await form.get_by_label("Что запланировано, по пункту в строке").fill("Обновлять стенд еженедельно\n\nВыпустить листовку")
    await form.get_by_role("button", name="Принять").click()
    plan = page.locator("section", has=page.get_by_role("heading", name=Formats("ru").period(quarter)))  # «IV кв. 2026»
    await plan.get_by_text("Выпустить листовку").wait_for()
    await plan.get_by_label("Как выполнен план").fill("Стенд обновлялся, листовка вышла.")
    await plan.get_by_role("button", name="Отчитаться").click()
    await page.get_by_text("Стенд обновлялся, листовка вышла.").wait_for()
    await shot(page, "quarterly-plan")
    [kept] = (await stack.http.get(f"/api/v1/orgs/{p1}/plans", headers=union.admin)).json()
    assert (kept["quarter"], kept["items"], kept["summary"]) == (
        quarter,
        ["Обновлять стенд еженедельно", "Выпустить листовку"],
        "Стенд обновлялся, листовка вышла.",
    )
