"""Issue 32, X, K5, K7: a territorial org's staff set its targets for a period on a phone, close the period after a
page that says what closing freezes, report a media mention and how fast it answered members, and are refused in plain
Russian where the API refuses; the API agrees at each step."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


async def _api(stack: Stack, union: Union, path: str) -> Any:
    reply = await stack.http.get(path, headers=union.admin)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_staff_set_targets_close_a_period_and_are_refused_in_russian(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    t1, t2 = union.orgs["t1"]["id"], union.orgs["t2"]["id"]
    last, this = str(stack.today().year - 1), str(stack.today().year)
    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/orgs/{t1}/kpi?period={last}")
    form = page.get_by_role("form", name=f"Цели на {last}")
    await form.locator("#tg-K2").fill("5,5")  # a share, typed in per cent as a Russian reader writes it
    await form.locator("#tg-K9").fill("3")
    await form.locator("#tg-K1").fill("1,5")  # K1 counts whole things
    await form.get_by_role("button", name="Сохранить цели").click()
    await form.get_by_text("Укажите целое число, не меньше 0.").wait_for()
    assert await form.locator("#tg-K1").get_attribute("aria-invalid") == "true", "the refusal is beside its field"
    assert await form.locator("#tg-K2").input_value() == "5,5", "what was typed stays"
    assert (await _api(stack, union, f"/api/v1/orgs/{t1}/targets/{last}"))["targets"] == {}, "nothing is set"

    await form.locator("#tg-K1").fill("1")
    await form.get_by_role("button", name="Сохранить цели").click()
    await page.get_by_text("Цели установлены.").wait_for()
    set_ = (await _api(stack, union, f"/api/v1/orgs/{t1}/targets/{last}"))["targets"]
    assert set_ == {"K1": 1.0, "K2": 0.055, "K9": 3.0}, set_
    assert await form.locator("#tg-K2").input_value() == "5,5", "a share reads back in per cent"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the targets fit a phone"
    await shot(page, "kpi-targets-phone")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "kpi-targets-desktop")
    await page.set_viewport_size({"width": 390, "height": 844})
    await _russian_then_english(page, last)

    await page.get_by_role("button", name=f"Закрыть {last}").click()
    await page.get_by_role("heading", name="Что изменится").wait_for()  # closing asks first, saying what it freezes
    await page.get_by_text("Цели периода больше нельзя будет изменить.").wait_for()
    await shot(page, "kpi-close-confirm-phone")
    await page.get_by_role("button", name="Да, закрыть период").click()
    await page.get_by_text("Период закрыт: его показатели заморожены.").wait_for()
    report = await _api(stack, union, f"/api/v1/orgs/{t1}/kpi/{last}")
    assert report["closed_on"] is not None and report["indicators"]["K9"]["target"] == 3.0

    await form.locator("#tg-K9").fill("4")  # a closed period's targets are frozen: the API refuses, in Russian here
    await form.get_by_role("button", name="Сохранить цели").click()
    refusal = form.get_by_text("Этот период закрыт: его показатели и цели заморожены (X).")
    await refusal.wait_for()
    assert (await _api(stack, union, f"/api/v1/orgs/{t1}/targets/{last}"))["targets"]["K9"] == 3.0

    await page.goto(f"/ui/orgs/{t1}/kpi?period={this}")  # a period still running cannot be closed
    await page.get_by_role("button", name=f"Закрыть {this}").click()
    await page.get_by_role("button", name="Да, закрыть период").click()
    error = page.locator(".error")
    await error.get_by_text("Период ещё не закончился").wait_for()
    assert not LATIN_WORD.findall((await error.inner_text()).replace("(X)", "")), await error.inner_text()
    await shot(page, "kpi-close-refused-phone")
    assert (await _api(stack, union, f"/api/v1/orgs/{t1}/kpi/{this}"))["closed_on"] is None

    await _k5_and_k7(stack, union, page, t1, this)

    viewer = await sign_in(browser, site, "viewer.t2")  # §5: a viewer reads the KPI and sets nothing
    await viewer.goto(f"/ui/orgs/{t2}/kpi?period={last}")
    await viewer.get_by_role("heading", name="Показатели эффективности").wait_for()
    assert await viewer.get_by_role("button", name="Сохранить цели").count() == 0
    assert await viewer.get_by_role("button", name=f"Закрыть {last}").count() == 0


async def _k5_and_k7(stack: Stack, union: Union, page: Any, t1: str, this: str) -> None:
    """K5: a publication recorded once it appeared; K7: the answering times of a period that exists."""
    await page.goto(f"/ui/orgs/{t1}/kpi?period={this}")
    await page.get_by_text("Сообщить о публикации", exact=True).first.click()
    mention = page.get_by_role("form", name="Сообщить о публикации")
    await mention.get_by_label("Дата публикации").fill((stack.today() + timedelta(days=1)).isoformat())
    await mention.get_by_label("Газета, канал или сайт").fill("Балтийский курьер")
    await mention.get_by_role("button", name="Сообщить о публикации").click()
    await mention.get_by_text("Этот день ещё не наступил").wait_for()
    assert await mention.get_by_label("Дата публикации").get_attribute("aria-invalid") == "true"
    await mention.get_by_label("Дата публикации").fill(stack.today().isoformat())
    await mention.get_by_label("Газета, канал или сайт").fill("Балтийский курьер")
    await mention.get_by_label("Как отзывается о профсоюзе").select_option(label="положительно")
    await mention.get_by_label("Цитирует руководителя профсоюза").check()
    await mention.get_by_role("button", name="Сообщить о публикации").click()
    await page.get_by_text("Публикация записана (K5).").wait_for()
    await page.get_by_role("list", name="Упоминания в СМИ").get_by_text("Балтийский курьер").wait_for()
    found = await _api(stack, union, f"/api/v1/orgs/{t1}/media-mentions?period={this}")
    assert [(m["outlet"], m["tone"], m["cites_leader"]) for m in found] == [("Балтийский курьер", "positive", True)], found

    times = page.get_by_role("form", name="Сообщить сроки ответов")
    await times.get_by_label("Период").fill(f"{this}-13")
    await times.get_by_label("Отвечено вопросов").fill("30")
    await times.get_by_label("Среднее время ответа, часов").fill("18,5")
    await times.get_by_role("button", name="Сообщить сроки").click()
    await times.get_by_text("Такого периода нет: укажите год, квартал или месяц.").wait_for()
    await times.get_by_label("Период").fill(this)
    await times.get_by_label("Отвечено вопросов").fill("30")
    await times.get_by_label("Среднее время ответа, часов").fill("18,5")
    await times.get_by_role("button", name="Сообщить сроки").click()
    await page.get_by_text("Сроки ответов записаны (K7).").wait_for()

    async def reported() -> bool:  # kpi reads the report from its own projection, a moment later
        k7 = (await _api(stack, union, f"/api/v1/orgs/{t1}/kpi/{this}"))["indicators"]["K7"]["components"]
        return k7["average_hours"] is not None and Decimal(k7["average_hours"]) == Decimal("18.5")

    assert await eventually(reported)
    await shot(page, "kpi-k5-k7-phone")


async def _russian_then_english(page: Any, period: str) -> None:
    """The Russian page has no English words (rule ids aside); the English page has its English texts."""
    rule_ids_and_quarters = r"\b[A-Z]\d(\.\w+)?\b|\([A-Z]\d?\)|\b[IVX]+ кв\."
    text = re.sub(rule_ids_and_quarters, "", await page.locator("main").inner_text())
    assert not LATIN_WORD.findall(text), LATIN_WORD.findall(text)
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name=f"Targets for {period}").wait_for()
    await page.get_by_role("button", name="Save the targets").wait_for()
    await page.get_by_role("link", name="Русский").click()
    await page.get_by_role("heading", name=f"Цели на {period}").wait_for()
