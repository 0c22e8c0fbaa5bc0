"""Issue 32, P1: staff open their org's notice board and record its weekly refresh in one click, on a phone, from the
org page and from the inbox; the org's P1 verdict for the day is then met, as the API says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def _p1(stack: Stack, union: Union, org_id: str) -> str:
    reply = await stack.http.get(f"/api/v1/orgs/{org_id}/compliance", headers=union.admin)
    assert reply.status_code == 200, reply.text
    [verdict] = [v for v in reply.json() if v["rule"] == "P1"]
    return str(verdict["status"])


async def test_staff_refresh_the_notice_board_in_one_click_and_p1_is_met(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_text("Завести информационный ресурс").click()
    form = page.get_by_role("form", name="Завести информационный ресурс")
    await form.get_by_label("Вид").select_option(label="профсоюзный стенд")
    await form.get_by_label("Название ресурса").fill("Стенд у проходной")
    await form.get_by_label("С даты").fill((stack.today() - timedelta(days=30)).isoformat())  # a month without a refresh
    await form.get_by_role("button", name="Завести ресурс").click()
    resources = page.locator("section", has=page.get_by_role("heading", name="Информационные ресурсы"))
    await resources.get_by_text("Стенд у проходной — профсоюзный стенд").wait_for()
    await resources.get_by_text("ещё не обновлялся").wait_for()
    assert await eventually(lambda: _breached(stack, union, p1)), "a board unrefreshed for a month breaches P1"

    await page.get_by_role("button", name="Стенд «Стенд у проходной» обновлён").click()  # the one click
    await page.get_by_text("Обновление стенда записано (P1).").wait_for()
    await resources.locator(".muted", has_text="обновлён ").wait_for()
    await shot(page, "notice-board-refreshed-phone")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the org page fits a phone's width: {width}px"

    async def met() -> bool:
        return await _p1(stack, union, p1) == "met"

    await eventually(met)
    [board] = (await stack.http.get(f"/api/v1/orgs/{p1}/channels", headers=union.admin)).json()
    assert (board["kind"], board["name"]) == ("notice_board", "Стенд у проходной")
    assert board["last_refreshed"] is not None

    # from the inbox, where the week's materials arrive; a day the board did not yet run is refused beside the field
    await page.goto(f"/ui/orgs/{p1}/inbox")
    boards = page.locator("section", has=page.get_by_role("heading", name="Профсоюзный стенд", exact=False))
    await boards.get_by_label("Дата обновления (пусто — сегодня)").fill("2020-05-05")
    await boards.get_by_role("button", name="Стенд «Стенд у проходной» обновлён").click()
    await page.get_by_text("В этот день ресурс не работал.").wait_for()
    await shot(page, "notice-board-refresh-refused")
    await page.goto(f"/ui/orgs/{p1}/inbox")
    await boards.get_by_role("button", name="Стенд «Стенд у проходной» обновлён").click()
    await page.wait_for_url(f"**/ui/orgs/{p1}/inbox?done=refreshed")
    await page.get_by_text("Обновление стенда записано (P1).").wait_for()
    assert await _p1(stack, union, p1) == "met"

    viewer = await sign_in(browser, site, "viewer.t2")
    await viewer.goto(f"/ui/orgs/{union.orgs['p3']['id']}/inbox")
    assert await viewer.get_by_role("button", name="Стенд обновлён").count() == 0, "a viewer records nothing"


async def _breached(stack: Stack, union: Union, org_id: str) -> bool:
    return await _p1(stack, union, org_id) == "breached"
