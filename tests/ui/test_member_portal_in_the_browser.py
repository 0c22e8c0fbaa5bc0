"""In Chromium on a phone-sized screen: a member asks for a code, takes it from the local mail server, signs in to the
portal, files an appeal to their territorial org and sees at once the situation's steps, who answers and the
information clauses of their org's collective agreement (S1); a used code
is refused; English is one click away (issue 30)."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack
from profset_testing.portal import member_with_mail, next_code
from profset_testing.ui import Union, shot

ARREARS = {
    "title": "Задержка заработной платы",
    "topics": ["wages"],
    "steps": ["Запишите, за какие месяцы долг", "Напишите работодателю письменное заявление"],
    "level": "primary",
    "answer_within_hours": 24,
}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def test_a_member_signs_in_by_code_files_an_appeal_and_sees_the_steps(
    stack: Stack, union: Union, browser: Any, site: str, smtp: Any
) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    clauses = await stack.http.put(f"/api/v1/orgs/{o['p1']['id']}/agreement-clauses", json={"clauses": [3]}, headers=h)
    assert clauses.status_code == 200, clauses.text
    context = await browser.new_context(base_url=site, locale="ru-RU", timezone_id="Europe/Moscow", **PHONE)
    page = await context.new_page()

    await page.goto("/my/")
    await page.get_by_label("Номер члена профсоюза (на профсоюзном билете)").fill(anna)
    await page.get_by_role("button", name="Прислать код").click()
    await page.get_by_text("код отправлен на ваш адрес электронной почты").wait_for()
    code = await next_code(smtp, "anna@mail.ru")
    await page.get_by_label("Код из письма").fill(code)
    await shot(page, "portal-code")
    await page.get_by_role("button", name="Вход").click()
    await page.get_by_role("heading", name="Мои обращения").wait_for()
    await page.get_by_text("У вас пока нет обращений.").wait_for()

    await page.get_by_role("link", name="Новое обращение").first.click()
    await page.get_by_label("Ваша жизненная ситуация").select_option("wage_arrears")
    await page.get_by_label("Что случилось").fill("Зарплату не платят два месяца")
    assert await page.get_by_label("Северо-Западная организация").is_checked() is False
    assert await page.get_by_label("ППО Невской верфи").is_checked()
    await page.get_by_label("Северо-Западная организация").check()
    await shot(page, "portal-new-appeal")
    await page.get_by_role("button", name="Отправить обращение").click()

    await page.get_by_role("heading", name="Задержка заработной платы").wait_for()
    await page.get_by_text("Запишите, за какие месяцы долг").wait_for()
    await page.get_by_text("Напишите работодателю письменное заявление").wait_for()
    who = await page.locator("section", has=page.get_by_role("heading", name="Кто отвечает")).inner_text()
    assert "Северо-Западная организация" in who and "Председатель" in who and "@" not in who
    await page.get_by_text("работников информируют об изменениях трудового законодательства").wait_for()
    await page.get_by_text("Зарплату не платят два месяца").wait_for()
    await page.get_by_text("ждёт ответа").wait_for()
    await shot(page, "portal-appeal")

    await page.get_by_role("link", name="К моим обращениям").click()
    await page.get_by_role("link", name="Задержка заработной платы").wait_for()
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="My appeals").wait_for()

    # the same code again, from a fresh browser: refused, saying why
    other = await (await browser.new_context(base_url=site, locale="ru-RU", **PHONE)).new_page()
    await other.goto("/my/sign-in")
    await other.get_by_label("Номер члена профсоюза (на профсоюзном билете)").fill(anna)
    await other.get_by_role("button", name="Прислать код").click()
    await next_code(smtp, "anna@mail.ru", 1)
    await other.get_by_label("Код из письма").fill(code)
    await other.get_by_role("button", name="Вход").click()
    await other.get_by_text("Этот код уже использован. Запросите новый.").wait_for()
    # a form from another site is refused in the portal itself (from the attack: it went to the staff's sign-in)
    forged = {"situation_id": "wage_arrears", "text": "с чужого сайта", "_csrf": "forged"}
    refused = await page.request.post("/my/appeals", form=forged, max_redirects=0)
    assert refused.status == 403 and "The form is out of date or came from another site" in await refused.text()
    assert "Sign out" in await refused.text(), "the member's own portal page, signed in"
    stranger = await other.request.post("/my/appeals", form=forged, max_redirects=0)
    assert stranger.status == 303 and stranger.headers["location"] == "/my/sign-in"
    # and the member's cookie opens no staff page
    await page.goto("/ui/tree")
    assert "/ui/login" in page.url
    await page.goto("/my/")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_label("Member number (on your membership card)").wait_for()
    await page.goto("/my/")
    assert "/my/sign-in" in page.url
