"""In Chromium against the real servers: staff of a primary org record a member's appeal taken by phone (D2), are told
in Russian which field an empty answer left empty, answer it, and the member reads the answer in the portal; closing asks
first; staff of another part of the union cannot open it; the CC's staff keep the catalogue (D1)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator

from kit import clock
from profset_testing import Stack
from profset_testing.api import get, post
from profset_testing.portal import ARREARS, member_with_mail, next_code
from profset_testing.ui import Union, shot, sign_in
from profset_testing.waiting import eventually

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def portal(browser: Any, site: str, smtp: Any, number: str, address: str) -> Any:
    """A member's phone, signed in to the portal with the code mailed to them."""
    context = await browser.new_context(base_url=site, locale="ru-RU", timezone_id="Europe/Moscow", **PHONE)
    page = await context.new_page()
    await page.goto("/my/sign-in")
    await page.get_by_label("Номер члена профсоюза (на профсоюзном билете)").fill(number)
    await page.get_by_role("button", name="Прислать код").click()
    await page.get_by_label("Код из письма").fill(await next_code(smtp, address))
    await page.get_by_role("button", name="Вход").click()
    await page.get_by_role("heading", name="Мои обращения").wait_for()
    return page


async def test_staff_record_and_answer_an_appeal_and_the_member_reads_the_answer(
    stack: Stack, union: Union, browser: Any, site: str, smtp: Any
) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    # the post the appeal is given to below has a holder (an appeal goes to no vacant post)
    await post(stack, h, f"/api/v1/orgs/{o['p1']['id']}/officers", {"full_name": "Орлова Вера", "role": "info_worker"})

    staff = await sign_in(browser, site, "staff.p1", **PHONE)
    await staff.get_by_role("link", name="Обращения").first.click()
    await staff.get_by_role("heading", name="Обращения членов профсоюза").wait_for()
    await staff.get_by_text("Обращений нет.").wait_for()
    await staff.get_by_role("link", name="Записать обращение").click()
    await staff.get_by_label("Найти члена профсоюза по имени").fill("Анна")
    await staff.get_by_role("button", name="Найти").click()
    await staff.get_by_label("Анна Иванова").check()
    await staff.get_by_label("Жизненная ситуация").select_option("wage_arrears")
    await staff.get_by_role("button", name="Записать обращение").click()  # the text left out: refused, nothing filed
    await staff.get_by_text("Что сказал член профсоюза: заполните это поле.").wait_for()
    assert await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/appeals", state="all") == []
    await staff.get_by_label("Что сказал член профсоюза").fill("Позвонила: зарплату не платят два месяца")
    await staff.get_by_label("по телефону").check()
    await staff.get_by_role("button", name="Записать обращение").click()
    await staff.get_by_role("heading", name="Задержка заработной платы").wait_for()
    await staff.get_by_text("Позвонила: зарплату не платят два месяца").wait_for()
    appeal_url = staff.url
    [filed] = await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/appeals", state="all")
    assert filed["received_by"] == "phone" and filed["person_id"] == anna and appeal_url.endswith(filed["id"])
    await staff.get_by_role("link", name="К обращениям").click()
    listed = staff.locator("li", has=staff.get_by_role("link", name="Задержка заработной платы"))
    assert "Анна Иванова" in await listed.inner_text() and "по телефону" in await listed.inner_text()
    await staff.goto(appeal_url)

    await staff.get_by_role("button", name="Отправить ответ").click()  # an empty answer: the field named, in Russian
    await staff.get_by_text("Текст ответа: заполните это поле.").wait_for()
    assert await staff.get_by_label("Текст ответа").get_attribute("aria-invalid") == "true"
    assert (await get(stack, h, f"/api/v1/appeals/{filed['id']}"))["answers"] == []
    await shot(staff, "appeal-empty-answer")
    await staff.get_by_label("Текст ответа").fill("Напишите заявление работодателю, мы поможем составить")
    await staff.get_by_role("button", name="Отправить ответ").click()
    await (
        staff.locator("section", has=staff.get_by_role("heading", name="Ответы"))
        .get_by_text("Напишите заявление работодателю, мы поможем составить")
        .wait_for()
    )
    answered = await get(stack, h, f"/api/v1/appeals/{filed['id']}")
    assert answered["state"] == "answered" and answered["answers"][0]["answered_by"] == "staff.p1"
    await shot(staff, "appeal-answered")

    # the appeal goes to a post, and the member is asked for more
    await staff.get_by_label("Должность").select_option("info_worker")
    await staff.get_by_role("button", name="Поручить").click()
    await staff.get_by_text("информационный работник").first.wait_for()
    await staff.get_by_role("button", name="Спросить").click()  # an empty question: refused, naming the field
    await staff.get_by_text("Вопрос члену профсоюза: заполните это поле.").wait_for()
    await staff.get_by_label("Вопрос члену профсоюза").fill("Пришлите, пожалуйста, расчётные листки")
    await staff.get_by_role("button", name="Спросить").click()
    await staff.get_by_text("Пришлите, пожалуйста, расчётные листки").wait_for()
    asked = await get(stack, h, f"/api/v1/appeals/{filed['id']}")
    assert asked["post"] == "info_worker"
    assert [q["text"] for q in asked["questions"]] == ["Пришлите, пожалуйста, расчётные листки"]

    member = await portal(browser, site, smtp, anna, "anna@mail.ru")
    await member.get_by_role("link", name="Задержка заработной платы").click()
    await member.get_by_text("Напишите заявление работодателю, мы поможем составить").wait_for()
    await member.get_by_text("есть ответ").first.wait_for()
    await member.get_by_text("Пришлите, пожалуйста, расчётные листки").wait_for()
    await member.get_by_label("Дополнить обращение").fill("Листки за март и апрель у меня на руках")
    await member.get_by_role("button", name="Отправить дополнение").click()
    await member.get_by_text("вы добавили").wait_for()
    await shot(member, "portal-appeal-answered")
    await staff.reload()
    await staff.get_by_text("Листки за март и апрель у меня на руках").wait_for()

    # closing asks first, says what will change, and only then closes
    await staff.get_by_label("Итог").select_option("explained")
    await staff.get_by_role("button", name="Закрыть…").click()
    await staff.get_by_role("heading", name="Закрыть обращение?").wait_for()
    await staff.get_by_text("с итогом «дано разъяснение»").wait_for()
    assert (await get(stack, h, f"/api/v1/appeals/{filed['id']}"))["state"] == "answered"
    await staff.get_by_role("button", name="Да, закрыть").click()
    await staff.get_by_text("закрыто").first.wait_for()
    closed = await get(stack, h, f"/api/v1/appeals/{filed['id']}")
    assert closed["state"] == "closed" and closed["outcome"] == "explained"
    assert await staff.get_by_role("button", name="Отправить ответ").count() == 0

    # the territorial org's viewer of another part of the union may not open it
    other = await sign_in(browser, site, "viewer.t2")
    answer = await other.goto(appeal_url)
    assert answer is not None and answer.status == 403
    await other.get_by_role("heading", name="Нет доступа").wait_for()
    assert "Позвонила" not in await other.content()


async def test_the_cc_keeps_the_catalogue_and_sees_every_overdue_appeal(
    stack: Stack, union: Union, browser: Any, site: str
) -> None:
    cc = await sign_in(browser, site, "staff.cc")
    await cc.get_by_role("link", name="Жизненные ситуации").first.click()
    await cc.get_by_role("link", name="Добавить ситуацию").click()
    await cc.get_by_label("Идентификатор (латинские буквы, цифры, - и _)").fill("dismissal")
    await cc.get_by_role("button", name="Сохранить").click()  # no name: refused, naming the field
    await cc.get_by_text("Название ситуации: заполните это поле.").wait_for()
    await cc.get_by_label("Название ситуации").fill("Увольнение или сокращение")
    await cc.get_by_label("занятость").check()
    await cc.get_by_label("Шаги, по одному в строке").fill("Не подписывайте соглашение сразу\nПозвоните в профком")
    await cc.get_by_label("Первый ответ в течение, часов").fill("48")
    await cc.get_by_role("button", name="Сохранить").click()
    await cc.get_by_role("heading", name="Увольнение или сокращение").wait_for()
    [kept] = await get(stack, union.admin, "/api/v1/life-situations")
    assert kept["id"] == "dismissal" and kept["steps"] == ["Не подписывайте соглашение сразу", "Позвоните в профком"]
    assert kept["topics"] == ["employment"] and kept["answer_within_hours"] == 48

    await cc.get_by_role("link", name="Обращения").first.click()
    await cc.get_by_role("link", name="Просроченные").click()
    await cc.get_by_text("Все обращения профсоюза, на которые не ответили в срок.").wait_for()

    # staff of a primary org read the catalogue but keep none of it
    p1 = await sign_in(browser, site, "staff.p1")
    await p1.goto("/ui/situations")
    await p1.get_by_role("heading", name="Увольнение или сокращение").wait_for()
    assert await p1.get_by_role("link", name="Добавить ситуацию").count() == 0
    refused = await p1.goto("/ui/situations/new")
    assert refused is not None and refused.status == 403

    await cc.goto("/ui/situations")
    await cc.get_by_role("button", name="Исключить «Увольнение или сокращение»").click()
    await cc.get_by_role("button", name="Да, исключить").click()
    await cc.get_by_text("Перечень пуст.").wait_for()
    assert await get(stack, union.admin, "/api/v1/life-situations") == []


async def cascaded(stack: Stack, h: dict[str, str], org_id: str, to: str, title: str, topics: list[str]) -> str:
    """A material drafted at an org and sent down to one org under it (X1), once it is in that org's inbox."""
    body = {"org_id": org_id, "title": title, "body": f"{title}: подробности", "kind": "news", "topics": topics}
    material = (await post(stack, h, "/api/v1/materials", body))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [to]}, status=202)

    async def arrived() -> bool:
        return any(r["material_id"] == material for r in await get(stack, h, f"/api/v1/orgs/{to}/inbox"))

    assert await eventually(arrived, timeout=20)
    return material


async def test_the_portal_shows_the_materials_on_the_situations_topics_that_reached_the_members_org(
    stack: Stack, union: Union, browser: Any, site: str, smtp: Any
) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    ours = await cascaded(stack, h, o["t1"]["id"], o["p1"]["id"], "Как взыскать долг по зарплате", ["wages"])
    await cascaded(stack, h, o["t1"]["id"], o["p1"]["id"], "Молодёжный форум", ["youth"])  # another topic
    theirs = await cascaded(stack, h, o["t2"]["id"], o["p3"]["id"], "Зарплата на Амуре", ["wages"])  # another org's
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "phone"}
    appeal = (await post(stack, h, "/api/v1/appeals", filing))["id"]

    leave = {**ARREARS, "title": "Отпуск", "topics": ["social_and_labour"], "steps": ["Проверьте график отпусков"]}
    assert (await stack.http.put("/api/v1/life-situations/leave", json=leave, headers=h)).status_code == 200

    member = await portal(browser, site, smtp, anna, "anna@mail.ru")
    await member.goto("/my/appeals/new")  # the situation picked, its steps and materials show before filing
    await member.get_by_label("Ваша жизненная ситуация").select_option("wage_arrears")
    await member.get_by_role("link", name="Как взыскать долг по зарплате").wait_for()
    assert not await member.get_by_text("Проверьте график отпусков").is_visible()
    await member.get_by_label("Ваша жизненная ситуация").select_option("leave")
    await member.get_by_text("Проверьте график отпусков").wait_for()
    assert not await member.get_by_role("link", name="Как взыскать долг по зарплате").is_visible()
    await member.get_by_text("Материалов по темам этой ситуации в вашу организацию пока не поступало.").wait_for()
    await shot(member, "portal-new-appeal-help")
    await member.goto(f"/my/appeals/{appeal}")
    found = member.locator("section", has=member.get_by_role("heading", name="Материалы профсоюза по теме"))
    await found.get_by_role("link", name="Как взыскать долг по зарплате").wait_for()
    text = await found.inner_text()
    assert "Молодёжный форум" not in text and "Зарплата на Амуре" not in text and "Северо-Западная организация" in text
    await shot(member, "portal-appeal-materials")
    await found.get_by_role("link", name="Как взыскать долг по зарплате").click()
    await member.get_by_role("heading", name="Как взыскать долг по зарплате").wait_for()
    await member.get_by_text("Как взыскать долг по зарплате: подробности").wait_for()
    assert member.url.endswith(f"/my/materials/{ours}")
    refused = await member.goto(f"/my/materials/{theirs}")  # delivered to another org only: not even said to exist
    assert refused is not None and refused.status == 404
    assert "Зарплата на Амуре" not in await member.content()


async def reloaded_until(page: Any, text: str, timeout: float = 20) -> None:
    """Reloads the page until it shows the text (kpi learns appeals' times from their events, a moment later)."""

    async def shown() -> bool:
        await page.reload()
        return await page.get_by_text(text).count() > 0

    assert await eventually(shown, timeout=timeout, interval=0.5)


async def test_kpi_and_compliance_show_k7_measured_from_appeals(stack: Stack, union: Union, browser: Any, site: str) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "visit"}
    appeal = (await post(stack, h, "/api/v1/appeals", filing))["id"]
    await post(stack, h, f"/api/v1/appeals/{appeal}/answers", {"text": "Разберёмся до пятницы"})

    staff = await sign_in(browser, site, "staff.t1")
    await staff.goto(f"/ui/orgs/{o['p1']['id']}/kpi")
    await reloaded_until(staff, "Измерено по обращениям членов профсоюза:")
    speed = await staff.locator("#feedback-speed").inner_text()
    assert "1 обращение с ответом" in speed and "в срок — 100" in speed, speed

    await staff.goto(f"/ui/orgs/{o['t1']['id']}/compliance")
    row = staff.locator("#feedback-speed tr", has=staff.get_by_role("link", name="ППО Невской верфи"))
    assert "измерен" in await row.inner_text()
    other = staff.locator("#feedback-speed tr", has=staff.get_by_role("link", name="ППО Ладожского завода"))
    assert "нет данных" in await other.inner_text()
    await shot(staff, "compliance-k7-measured")


async def test_an_appeal_nobody_answered_in_time_is_with_the_parent_and_shows_where_it_went(
    stack: Stack, union: Union, browser: Any, site: str
) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "hotline"}
    appeal = (await post(stack, h, "/api/v1/appeals", filing))["id"]
    service = stack.services["appeals"]
    assert await Escalator(service.runtime.store, service.settings).tick(clock.now() + timedelta(hours=25)) == 1

    staff = await sign_in(browser, site, "staff.t1")
    await staff.goto(f"/ui/orgs/{o['t1']['id']}/appeals")
    await staff.get_by_role("link", name="Задержка заработной платы").click()
    went = staff.locator("section", has=staff.get_by_role("heading", name="Ответы"))
    await went.get_by_text("Передано выше, потому что не ответили в срок").wait_for()
    assert "ППО Невской верфи → Северо-Западная организация" in await went.inner_text()
    await staff.get_by_label("Текст ответа").fill("Территориальная организация займётся")
    await staff.get_by_role("button", name="Отправить ответ").click()
    await staff.get_by_text("Территориальная организация займётся").wait_for()
    answered = await get(stack, h, f"/api/v1/appeals/{appeal}")
    assert answered["org_id"] == o["t1"]["id"] and answered["answers"][0]["org_id"] == o["t1"]["id"]

    p1 = await sign_in(browser, site, "staff.p1")  # P1 no longer holds it: it may read it, not answer it
    await p1.goto(f"/ui/appeals/{appeal}")
    await p1.get_by_text("Территориальная организация займётся").wait_for()
    assert await p1.get_by_role("button", name="Отправить ответ").count() == 0


LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# what first sticks out past a phone's width, for the failure message
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 400
  && e.parentElement.getBoundingClientRect().right <= 400).slice(0, 3)
  .map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"""


async def test_every_appeals_page_is_russian_fits_a_phone_and_has_its_english(
    stack: Stack, union: Union, browser: Any, site: str
) -> None:
    h, o = union.admin, union.orgs
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    filing = {"person_id": anna, "situation_id": "wage_arrears", "text": "Зарплату задерживают", "received_by": "visit"}
    appeal = (await post(stack, h, "/api/v1/appeals", filing))["id"]
    p1, t1 = o["p1"]["id"], o["t1"]["id"]
    pages = {
        "appeals": (f"/ui/orgs/{p1}/appeals", "Members' appeals"),
        "appeals-overdue": (f"/ui/orgs/{t1}/appeals?state=overdue", "Members' appeals"),
        "appeal": (f"/ui/appeals/{appeal}", "Answer the member"),
        "appeal-record": (f"/ui/orgs/{t1}/appeals/new?q=Анна", "Record an appeal"),
        "situations": ("/ui/situations", "Life situations"),
        "kpi-k7": (f"/ui/orgs/{p1}/kpi", "Speed of feedback to members (K7)"),
    }
    for size, options in (("desktop", {}), ("phone", PHONE)):
        staff = await sign_in(browser, site, "staff.t1", **options)
        for name, (path, english) in pages.items():
            answer = await staff.goto(path)
            assert answer is not None and answer.status == 200, (path, answer and answer.status)
            text = re.sub(r"\b[IVX]+ кв\.", "", (await staff.locator("main").inner_text()).replace("K7", ""))  # quarters
            assert not LATIN_WORD.findall(text), (path, LATIN_WORD.findall(text))
            await shot(staff, f"appeals-{name}-{size}")
            width = await staff.evaluate("document.documentElement.scrollWidth")
            wide = await staff.evaluate(WIDEST)
            assert width <= (options.get("viewport", {}).get("width") or 1280) + 10, (path, width, wide)
            await staff.get_by_role("link", name="English").click()
            await staff.get_by_text(english).first.wait_for()
            await staff.get_by_role("link", name="Русский").click()
