"""An auditor of the CC plans, begins, records and completes a territorial org's audit (C1) in the browser."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_an_auditor_plans_runs_and_completes_an_audit_with_a_finding_and_an_item(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    t1 = union.orgs["t1"]
    page = await sign_in(browser, site, "auditor.cc")
    assert await page.get_by_role("link", name="Новый материал").count() == 0, "auditors draft nothing"
    await page.get_by_role("link", name="Проверки").first.click()
    await page.get_by_text(t1["name"]).first.wait_for()
    await page.get_by_label("Какую организацию проверить").select_option(t1["id"])
    await page.get_by_role("button", name="Запланировать").click()
    await page.get_by_text("Заполните это поле.").wait_for()

    await page.get_by_label("Какую организацию проверить").select_option(t1["id"])
    await page.get_by_label("Плановая дата").fill(stack.today().isoformat())
    await page.get_by_role("button", name="Запланировать").click()
    await page.get_by_role("link", name=t1["name"]).first.click()
    await page.wait_for_url(re.compile(r"/ui/audits/[^/]+$"))
    await page.get_by_role("button", name="Начать проверку").click()
    await page.get_by_role("heading", name="Перечень проверки").wait_for()

    await page.get_by_label("Правило").select_option("T1")
    await page.get_by_label("Значимость").select_option("major")
    await page.get_by_label("Что обнаружено").fill("Первичные организации не проверялись в этом году")
    await page.get_by_role("button", name="Записать", exact=True).click()
    await page.get_by_text("Первичные организации не проверялись в этом году").first.wait_for()

    await page.get_by_label("Что сделать").fill("Составить график проверок ППО")
    await page.get_by_label("Ответственная должность").select_option("chair")
    await page.get_by_label("Срок").fill(date(stack.today().year + 1, 3, 1).isoformat())
    await page.get_by_role("button", name="Поручить").click()
    await page.get_by_text("Составить график проверок ППО").wait_for()

    await page.get_by_role("button", name="Завершить проверку").click()
    await page.get_by_role("heading", name="Что изменится").wait_for()  # completing asks first
    await page.get_by_role("button", name="Да, завершить проверку").click()
    await page.get_by_text("завершена").first.wait_for()
    assert "оценка" in await page.locator("main").inner_text()
    await shot(page, "audit")
