"""A primary org prints a material from its inbox for the notice board and records the posting and the print run: the
board counts as refreshed that day (P1), the inbox item is done, the print run is on record (P2) (issue 31)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.sheets import A4, page_sizes, qr_codes, same_size, text_of
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
CHAT = "https://t.me/nevsky_verf_union"
TITLE = 'Индексация зарплаты - "итоги" переговоров'


async def cascaded(stack: Stack, union: Union) -> tuple[str, str]:
    """P1 runs a notice board and a chat; the CC's material reaches every org, primary orgs asked to print it."""
    h, o = union.admin, union.orgs
    p1 = o["p1"]["id"]
    for body in (
        {"kind": "notice_board", "name": "Стенд у проходной", "since": "2020-01-01"},
        {"kind": "chat", "name": "Чат верфи", "url": CHAT},
        {"kind": "website", "name": "Сайт верфи", "url": "https://verf.example"},
    ):
        reply = await stack.http.post(f"/api/v1/orgs/{p1}/channels", json=body, headers=h)
        assert reply.status_code == 201, reply.text
    news = {
        "org_id": o["cc"]["id"],
        "title": TITLE,
        "body": "С 1 июля оклады растут на 8 %.",
        "kind": "news",
        "topics": ["wages"],
    }
    material = (await stack.http.post("/api/v1/materials", json=news, headers=h)).json()["id"]
    reply = await stack.http.post(f"/api/v1/materials/{material}/cascade", json={"print_sheets": True}, headers=h)
    assert reply.status_code == 202, reply.text

    async def reached() -> bool:
        rows = (await stack.http.get(f"/api/v1/orgs/{p1}/inbox", headers=h)).json()
        return any(r["material_id"] == material for r in rows)

    await eventually(reached, timeout=20)
    return p1, material


async def test_a_primary_org_prints_the_sheet_and_records_its_posting_so_p1_is_met(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, material = await cascaded(stack, union)
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}")  # the org's settings: its sheets lead to its website
    await page.get_by_label("QR-код на печатных листах ведёт на").select_option(label="Сайт верфи — сайт")
    await page.get_by_role("button", name="Выбрать").click()
    await page.wait_for_url(re.compile(rf"/ui/orgs/{p1}$"))
    await page.goto(f"/ui/orgs/{p1}/inbox")
    row = page.get_by_role("row", name=re.compile("Индексация зарплаты"))
    await row.get_by_role("link", name="к печати для стенда").click()
    await page.get_by_role("heading", name="Печать для профсоюзного стенда").wait_for()
    assert "QR-код на листе ведёт на канал «Сайт верфи»" in await page.inner_text("main")
    await page.get_by_label("Канал для QR-кода").select_option(label="Чат верфи — чат")
    await page.get_by_role("button", name="Выбрать").click()
    await page.get_by_text("Теперь QR-код на листах ведёт на выбранный канал.").wait_for()
    assert "QR-код на листе ведёт на канал «Чат верфи»" in await page.inner_text("main")
    await shot(page, "print-page")

    href = await page.get_by_role("link", name="Печать: лист A4").get_attribute("href")
    sheet = await page.request.get(href)  # the button's address, with the browser's own session
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    pdf = await sheet.body()
    text = text_of(pdf)
    assert "Индексация зарплаты — «итоги» переговоров" in text and "ППО Невской верфи" in text and "ЦК Судпроф" in text
    assert qr_codes(pdf) == [CHAT] and all(same_size(s, A4) for s in page_sizes(pdf))

    await page.get_by_role("button", name="Записать размещение").click()
    await page.get_by_text("Размещение записано: стенд считается обновлённым (P1).").wait_for()
    await page.get_by_label("Экземпляров").fill("25")
    await page.get_by_role("button", name="Записать тираж").click()
    await page.get_by_text("Тираж записан (P2).").wait_for()
    await shot(page, "print-recorded")

    async def posted() -> bool:
        await page.goto(f"/ui/orgs/{p1}/inbox")
        return await page.get_by_text(re.compile("вывешено на стенде")).count() == 1

    assert await eventually(posted, timeout=20)
    assert await page.get_by_role("link", name="к печати для стенда").count() == 0
    await shot(page, "inbox-posted")

    h = union.admin

    async def p1_met() -> bool:
        verdicts = (await stack.http.get(f"/api/v1/orgs/{p1}/compliance", headers=h)).json()
        return any(v["rule"] == "P1" and v["status"] == "met" for v in verdicts)

    assert await eventually(p1_met, timeout=20), "the posting refreshed the notice board today"
    runs = (await stack.http.get(f"/api/v1/orgs/{p1}/print-runs", headers=h)).json()
    assert [(r["kind"], r["copies"], r["material_id"]) for r in runs] == [("information_sheet", 25, material)]
