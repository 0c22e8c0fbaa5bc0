"""Issue 32, K8: a primary org's staff report how many took part in a campaign that reached it, from the material's
page on a phone; a negative count is refused beside its field in Russian; only the staff's own org may be chosen;
the API's totals agree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


async def test_staff_report_participation_in_a_campaign(stack: Stack, union: Union, site: str, browser: Any) -> None:
    h, t1, p1 = union.admin, union.orgs["t1"]["id"], union.orgs["p1"]["id"]
    action = {"org_id": t1, "title": "Пикет 1 мая", "body": "Сбор у проходной", "kind": "announcement", "campaign": True}
    made = await stack.http.post("/api/v1/materials", json=action, headers=h)
    assert made.status_code == 201, made.text
    material = made.json()["id"]
    sent = await stack.http.post(f"/api/v1/materials/{material}/cascade", json={}, headers=h)
    assert sent.status_code == 202, sent.text

    async def arrived() -> bool:
        inbox = (await stack.http.get(f"/api/v1/orgs/{p1}/inbox", headers=h)).json()
        return any(r.get("material_id") == material or r.get("id") == material for r in inbox)

    await eventually(arrived)
    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/materials/{material}")
    form = page.get_by_role("form", name="Сообщить об участии")
    options = await form.get_by_label("Организация").locator("option").all_inner_texts()
    assert options == ["ППО Невской верфи"], f"staff.p1 reports for its own org only: {options}"
    await form.get_by_label("Участвовали очно").fill("-3")
    await form.get_by_role("button", name="Сообщить об участии").click()
    error = form.locator(".error")
    await error.first.wait_for()
    assert await form.get_by_label("Участвовали очно").get_attribute("aria-invalid") == "true"
    assert not LATIN_WORD.findall(await error.first.inner_text()), await error.first.inner_text()

    await form.get_by_label("Участвовали очно").fill("40")
    await form.get_by_label("Участвовали онлайн").fill("12")
    await form.get_by_role("button", name="Сообщить об участии").click()
    await page.get_by_text("Участие записано.").wait_for()
    await page.get_by_text("Всего: 40 очно, 12 онлайн.").wait_for()
    totals = (await stack.http.get(f"/api/v1/materials/{material}/participation", headers=h)).json()
    assert (totals["orgs"], totals["on_site"], totals["online"]) == ([{"org_id": p1, "on_site": 40, "online": 12}], 40, 12)
    await shot(page, "campaign-participation-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the material page fits a phone"
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "campaign-participation-desktop")
