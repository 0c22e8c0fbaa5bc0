"""Issue 32: refusals in plain Russian (no service codes, no English on a Russian page), a new user's role chosen by
hand, and releasing an officer or withdrawing a consent asked first, saying what will change."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contracts.envelope import Error, ErrorCode
from gateway.ui.forms import messages
from gateway.ui.i18n import Formats
from profset_testing import ADMIN_PASSWORD, Stack, eventually
from profset_testing.ui import PASSWORD, Union, shot, sign_in

LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")


def test_a_refusal_without_a_text_of_its_own_names_the_field_or_the_rule_in_russian() -> None:
    ru = Formats("ru")
    odd = [{"field": "value", "rule": "too_odd", "message": "the thing is odd"}]
    assert messages(ru, odd) == {"value": "Значение поля «адрес» не принято."}
    assert messages(ru, [{"field": "year", "rule": "P11", "message": "copies"}]) == {
        "year": "Это противоречит правилу P11 концепции информационной политики профсоюза."
    }
    bare = Error(code=ErrorCode.CONFLICT, message="the username 'x' is taken")
    assert messages(ru, bare) == {"form": "Это уже есть или успело измениться."}
    for shown in [*messages(ru, odd).values(), *messages(ru, bare).values()]:
        assert not LATIN_WORD.search(shown), shown


@pytest.mark.browser
async def test_a_new_users_role_is_chosen_by_hand_and_a_taken_name_is_refused_in_russian(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    page = await sign_in(browser, site, "admin", ADMIN_PASSWORD)
    await page.goto("/ui/users")
    form = page.locator("form", has=page.get_by_role("button", name="Создать"))
    assert await form.get_by_label("Роль", exact=True).input_value() == "", "no role is chosen for the user"
    await form.get_by_label("Имя пользователя").fill("staff.p2")
    await form.get_by_label("Пароль (не короче 10 символов)").fill("long-enough-password")
    await form.get_by_label("Организация", exact=False).select_option(label="ППО Ладожского завода")
    await form.get_by_role("button", name="Создать").click()
    await form.get_by_text("Выберите роль.").wait_for()
    assert await form.get_by_label("Роль", exact=True).get_attribute("aria-invalid") == "true"

    await form.get_by_label("Имя пользователя").fill("staff.p1")  # taken
    await form.get_by_label("Пароль (не короче 10 символов)").fill("long-enough-password")
    await form.get_by_label("Роль", exact=True).select_option(label="сотрудник")
    await form.get_by_label("Организация", exact=False).select_option(label="ППО Ладожского завода")
    await form.get_by_role("button", name="Создать").click()
    await form.get_by_text("Это имя пользователя уже занято: выберите другое.").wait_for()
    refusals = " ".join(await page.locator(".error").all_inner_texts())
    assert not LATIN_WORD.search(refusals) and "Отказано" not in refusals, refusals
    await shot(page, "user-name-taken")
    me = (await stack.http.get("/api/v1/me", headers=await stack.login("staff.p1", PASSWORD))).json()
    assert (me["role"], me["org_id"]) == ("staff", union.orgs["p1"]["id"]), "the taken account is unchanged"


@pytest.mark.browser
async def test_relieving_an_officer_asks_first_and_says_what_will_change(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, h = union.orgs["p1"]["id"], union.admin
    made = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers",
        json={"full_name": "Соколов Пётр Ильич", "role": "info_worker", "since": "2025-09-01"},
        headers=h,
    )
    assert made.status_code == 201, made.text

    async def in_post() -> list[str]:
        rows = (await stack.http.get(f"/api/v1/orgs/{p1}/officers", headers=h)).json()
        return [o["full_name"] for o in rows if o.get("in_post", True)]

    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_role("button", name="Освободить от должности: Соколов Пётр Ильич").click()
    await page.get_by_role("heading", name="Освободить от должности: Соколов Пётр Ильич?").wait_for()
    await page.get_by_role("heading", name="Что изменится").wait_for()
    await page.get_by_text("информационная структура (M2, K1)", exact=False).wait_for()
    await shot(page, "relief-confirmation")
    await page.get_by_role("link", name="Отмена").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}")
    assert await in_post() == ["Соколов Пётр Ильич"], "nothing changes until confirmed"

    await page.get_by_role("button", name="Освободить от должности: Соколов Пётр Ильич").click()
    await page.get_by_label("Не занимает должность с даты (пусто — сегодня)").fill("2025-08-01")
    await page.get_by_role("button", name="Да, освободить от должности").click()
    await page.get_by_text("Дата окончания должна быть позже даты начала.").wait_for()
    assert await in_post() == ["Соколов Пётр Ильич"]
    await page.get_by_label("Не занимает должность с даты (пусто — сегодня)").fill("")
    await page.get_by_role("button", name="Да, освободить от должности").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}")
    await page.get_by_text("Соколов Пётр Ильич").wait_for(state="detached")
    assert await in_post() == []


@pytest.mark.browser
async def test_withdrawing_a_consent_asks_first_and_refuses_a_day_before_it_or_to_come(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, h = union.orgs["p1"]["id"], union.admin
    chair = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers", json={"full_name": "Котов Игорь Борисович", "role": "chair"}, headers=h
    )
    person = chair.json()["person_id"]
    body = {"kind": "mobile", "value": "+79215551234", "consent": {"given_at": "2026-02-01", "method": "written"}}

    async def added() -> Any:
        reply = await stack.http.post(f"/api/v1/people/{person}/contact-points", json=body, headers=h)
        return reply.json() if reply.status_code == 201 else None

    point = await eventually(added)
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}/contacts")
    await page.get_by_role("row", name="Котов Игорь Борисович").get_by_role("button", name="Записать отзыв").click()
    await page.get_by_role("heading", name="Записать отзыв согласия?").wait_for()
    await page.get_by_text("Через 30 дней после отзыва адрес будет уничтожен", exact=False).wait_for()
    await shot(page, "withdrawal-confirmation")
    date_field = page.get_by_label("Дата отзыва (пусто — сегодня)")
    for day, says in (
        ("2026-01-15", "Согласие нельзя отозвать раньше дня, когда оно было дано (PD1)."),
        ("2099-01-01", "Этот день ещё не наступил: обновление или отзыв записываются, когда они уже произошли."),
    ):
        await date_field.fill(day)
        await page.get_by_role("button", name="Да, записать отзыв").click()
        await page.get_by_text(says).wait_for()
        assert await date_field.get_attribute("aria-invalid") == "true"
    [kept] = (await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)).json()
    assert kept["usable"], "still usable until a withdrawal is confirmed"

    await date_field.fill("")
    await page.get_by_role("button", name="Да, записать отзыв").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}/contacts")
    await page.get_by_role("row", name="Котов Игорь Борисович").get_by_text("отозвано", exact=False).wait_for()
    [gone] = (await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)).json()
    assert (gone["id"], gone["usable"]) == (point["id"], False)


@pytest.mark.browser
async def test_the_new_pages_read_in_english_one_click_away(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1, h = union.orgs["p1"]["id"], union.admin
    made = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers", json={"full_name": "Соколов Пётр Ильич", "role": "chair"}, headers=h
    )
    assert made.status_code == 201, made.text
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Membership records").wait_for()
    await page.get_by_role("form", name="Admit a member").get_by_role("button", name="Admit").click()
    await page.get_by_role("form", name="Admit a member").get_by_text("Fill this in.").wait_for()
    await page.get_by_role("button", name="Relieve Соколов Пётр Ильич of the post").click()
    await page.get_by_role("heading", name="Relieve Соколов Пётр Ильич of the post?").wait_for()
    await page.get_by_label("No longer in the post from (empty: today)").fill("2000-01-01")
    await page.get_by_role("button", name="Yes, relieve of the post").click()
    await page.get_by_text("The end must come after the start.").wait_for()
    shown = " ".join(await page.locator(".error").all_inner_texts())
    assert shown and not re.search(r"[а-яё]", shown, re.IGNORECASE), f"an English page refuses in English: {shown}"
    await page.goto("/ui/members")
    await page.get_by_role("heading", name="Find a member").wait_for()
    await shot(page, "members-search-english")
