"""Issue 32: on a material's deliveries page the CC's staff filter the orgs that have not read it («не прочитали») and
remind them with one button, through a confirmation that says how many orgs will hear; a second reminder the same day
is refused on the page, and the staff of a recipient org are offered no button."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import PASSWORD, Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_the_unread_filter_and_a_confirmed_reminder(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = {k: v["id"] for k, v in union.orgs.items()}
    cc = await stack.login("staff.cc", PASSWORD)
    news = {"org_id": o["cc"], "title": "Позиция ЦК по зарплате", "body": "Текст", "kind": "news", "topics": ["wages"]}
    material = (await stack.http.post("/api/v1/materials", json=news, headers=cc)).json()["id"]
    assert (await stack.http.post(f"/api/v1/materials/{material}/cascade", json={}, headers=cc)).status_code == 202
    p1 = await stack.login("staff.p1", PASSWORD)

    page = await sign_in(browser, site, "staff.cc")
    await page.goto(f"/ui/materials/{material}")
    await page.locator("#show-unread", has_text="(5)").wait_for()  # every org of the union has it, none has read it
    done = await stack.http.post(f"/api/v1/materials/{material}/acknowledge", json={"org_id": o["p1"]}, headers=p1)
    assert done.status_code in (200, 202), done.text
    await page.locator("#show-unread", has_text="(4)").wait_for()  # the page follows by itself

    await page.locator("#show-unread").click()
    await page.wait_for_url(f"**/ui/materials/{material}?unread=1")
    unread = await page.locator("#deliveries tbody").inner_text()
    assert await page.locator("#deliveries tbody tr").count() == 4 and "ППО Невской верфи" not in unread

    await page.locator("#remind").click()
    await page.wait_for_url(f"**/ui/materials/{material}/reminder")
    assert "4" in await page.locator("#remind-count").inner_text(), "the question says how many orgs will hear"
    await shot(page, "unread-reminder-confirm")
    await page.locator("#remind-yes").click()
    await page.wait_for_url(f"**/ui/materials/{material}?done=reminded*")
    assert "4" in await page.locator("#reminded").inner_text()

    await page.goto(f"/ui/materials/{material}/reminder")  # the same day again: refused, naming why
    await page.locator("#remind-yes").click()
    await page.locator("#material_id-error").wait_for()
    await shot(page, "unread-reminder-refused")

    recipient = await sign_in(browser, site, "staff.t1")
    await recipient.goto(f"/ui/materials/{material}")
    await recipient.locator("#deliveries").wait_for()
    assert await recipient.locator("#remind").count() == 0, "only the sender's staff remind"
    refused = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=await stack.login("staff.t1", PASSWORD))
    assert refused.status_code == 403
