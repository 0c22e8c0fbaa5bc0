"""Issue 32, P10, T7: a primary org's staff submit its contact base to the parent on a phone and download it as the
CSV table the API exports; a copy dated ahead is refused in plain Russian; the parent's staff find the copy."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


async def _chair_with_mail(stack: Stack, union: Union, org: str, name: str, address: str) -> None:
    h = union.admin
    chair = await stack.http.post(f"/api/v1/orgs/{org}/officers", json={"full_name": name, "role": "chair"}, headers=h)
    assert chair.status_code == 201, chair.text
    person = chair.json()["person_id"]

    async def known() -> bool:  # contacts learns of the person from registry's event
        reply = await stack.http.get(f"/api/v1/people/{person}/contact-points", headers=h)
        return reply.status_code == 200

    await eventually(known)
    point = {"kind": "work_email", "value": address}
    added = await stack.http.post(f"/api/v1/people/{person}/contact-points", json=point, headers=h)
    assert added.status_code == 201, added.text


async def test_staff_submit_the_contact_base_and_export_it_as_csv(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1 = union.orgs["p1"]["id"]
    await _chair_with_mail(stack, union, p1, "Лебедева Анна Сергеевна", "chair@verf.ru")

    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_role("link", name="Контактная база для вышестоящей").click()
    form = page.get_by_role("form", name="Передать контактную базу")
    await form.get_by_label("По состоянию на (пусто — сегодня)").fill((stack.today() + timedelta(days=1)).isoformat())
    await form.get_by_role("button", name="Передать вышестоящей").click()
    error = form.locator(".error")
    await error.get_by_text("Контактная база копируется такой, какая она есть").wait_for()
    assert not LATIN_WORD.findall(await error.inner_text()), await error.inner_text()
    listed = await stack.http.get(f"/api/v1/orgs/{p1}/contact-base/submissions", headers=union.admin)
    assert listed.json() == [], "nothing is submitted ahead"

    await form.get_by_role("button", name="Передать вышестоящей").click()
    await page.get_by_text("Контактная база передана вышестоящей.").wait_for()
    found = re.search(r"/ui/submissions/([^/?#]+)", page.url)
    assert found, page.url
    row = page.get_by_role("row", name=re.compile("Лебедева Анна Сергеевна"))
    await row.get_by_text("chair@verf.ru").wait_for()
    await shot(page, "contact-base-submitted-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the copy fits a phone"

    href = await page.get_by_role("link", name="Скачать таблицей CSV").get_attribute("href")
    csv = await page.request.get(str(href))
    api = await stack.http.get(f"/api/v1/contact-base/submissions/{found.group(1)}/export.csv", headers=union.admin)
    assert csv.ok and api.status_code == 200, api.text
    assert await csv.text() == api.text, "the UI's table is the API's export"
    assert api.text.splitlines()[0] == "role,person_id,kind,value,usable,consent_since,org_id"
    assert "chair@verf.ru" in api.text

    parent = await sign_in(browser, site, "staff.t1", viewport={"width": 1280, "height": 800})  # P10: the parent finds it
    await parent.goto(f"/ui/orgs/{p1}/submissions")
    copies = parent.get_by_role("list", name="Переданные копии")
    assert await copies.get_by_role("listitem").count() == 1
    await copies.get_by_text("1 строка").wait_for()
    await shot(parent, "contact-base-submissions-desktop")
