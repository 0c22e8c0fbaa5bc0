"""Issue 32: dates that cannot have happened — an appointment in 2099, a consent dated 2030 or 1899, a birth in 2030, a
membership from before the org existed — are refused by the services; the page says why in Russian beside the field,
and nothing is written (the API shows no trace)."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_an_appointment_a_birth_and_a_membership_that_cannot_have_been_are_refused(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")
    appoint = page.get_by_role("form", name="Назначить на должность")
    await appoint.get_by_label("ФИО").fill("Соколов Пётр Ильич")
    await appoint.get_by_label("С даты").fill("2099-01-01")
    await appoint.get_by_role("button", name="Назначить").click()
    await appoint.get_by_text("Назначение записывается, когда оно уже состоялось: этот день ещё не наступил.").wait_for()
    assert await appoint.get_by_label("С даты").get_attribute("aria-invalid") == "true", "the refusal names the field"
    await shot(page, "appointment-in-2099-refused")
    assert (await stack.http.get(f"/api/v1/orgs/{p1}/officers", headers=union.admin)).json() == []

    admit = page.get_by_role("form", name="Принять в профсоюз")
    await admit.get_by_label("ФИО").fill("Орлова Мария Петровна")
    await admit.get_by_label("Дата рождения").fill("2030-01-01")
    await admit.get_by_role("button", name="Принять").click()
    await admit.get_by_text("Дата рождения не может быть в будущем.").wait_for()
    assert await admit.get_by_label("Дата рождения").get_attribute("aria-invalid") == "true"

    await admit.get_by_label("ФИО").fill("Орлова Мария Петровна")
    await admit.get_by_label("Член профсоюза с даты").fill("1990-01-01")  # the org was registered in 1995
    await admit.get_by_role("button", name="Принять").click()
    await admit.get_by_text("В этот день организации ещё (или уже) не было (H1).").wait_for()
    assert (await stack.http.get(f"/api/v1/orgs/{p1}/members", headers=union.admin)).json() == []


async def test_a_consent_dated_in_2030_or_before_1900_is_refused_beside_the_field(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, h = union.orgs["p1"]["id"], union.admin
    chair = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers", json={"full_name": "Лебедева Анна Сергеевна", "role": "chair"}, headers=h
    )
    assert chair.status_code == 201, chair.text
    person = chair.json()["person_id"]

    async def known() -> bool:
        return (await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)).status_code == 200

    await eventually(known)
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}/contacts")
    form = page.locator("section", has=page.get_by_role("heading", name="Добавить контакт"))
    for given, says in (
        ("2030-01-01", "Согласие записывается, когда оно уже дано: этот день ещё не наступил (PD1)."),
        ("1899-12-31", "Дата согласия не может быть раньше 1900 года (PD1)."),
    ):
        await form.get_by_label("Человек").select_option(label="Лебедева Анна Сергеевна")
        await form.get_by_label("Вид").select_option(label="личная почта")
        await form.get_by_label("Адрес").fill("lebedeva.a@mail.ru")
        await form.get_by_label("Дата согласия").fill(given)
        await form.get_by_role("button", name="Добавить").click()
        await form.get_by_text(says).wait_for()
        assert await form.get_by_label("Дата согласия").get_attribute("aria-invalid") == "true"
    await shot(page, "consent-before-1900-refused")
    assert (await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)).json() == [], "nothing was kept"

    reply = await stack.http.post(
        f"/api/v1/people/{person}/contact-points",
        json={"kind": "mobile", "value": "+79110000001", "consent": {"given_at": "2030-01-01", "method": "written"}},
        headers=h,
    )
    assert reply.status_code == 422, reply.text
    [detail] = reply.json()["error"]["details"]
    assert (detail["field"], detail["rule"]) == ("consent.given_at", "not_after_today"), "the API names the field and rule"
