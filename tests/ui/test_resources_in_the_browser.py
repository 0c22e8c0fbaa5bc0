"""Issue 32, P1, K4, T7: a territorial org's staff keep its information resources on a phone — audience figures, a
refresh, access for the CC given and ended, a resource closed — each refusal beside its field in Russian, and the API
agrees at each step."""

from __future__ import annotations

import re
from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import PASSWORD, Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


async def _open(stack: Stack, union: Union, org: str, body: dict[str, Any]) -> str:
    reply = await stack.http.post(f"/api/v1/orgs/{org}/channels", json=body, headers=union.admin)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def _channels(stack: Stack, union: Union, org: str) -> dict[str, Any]:
    reply = await stack.http.get(f"/api/v1/orgs/{org}/channels", headers=union.admin)
    assert reply.status_code == 200, reply.text
    return {c["name"]: c for c in reply.json()}


async def _russian(form: Any, text: str) -> None:
    """The refusal stands in the form, in Russian words only."""
    error = form.locator(".error", has_text=text)
    await error.wait_for()
    assert not LATIN_WORD.findall(re.sub(r"\([A-Z]\d+\)", "", await error.inner_text())), await error.inner_text()


async def test_staff_keep_resources_figures_refreshes_and_access(stack: Stack, union: Union, site: str, browser: Any) -> None:
    t1, cc = union.orgs["t1"]["id"], union.orgs["cc"]["id"]
    year = stack.today().year
    chat = await _open(stack, union, t1, {"kind": "chat", "name": "Чат активистов", "since": f"{year - 1}-01-01"})
    await _open(
        stack, union, t1, {"kind": "website", "name": "Сайт теркома", "url": "https://example.org", "since": "2024-01-01"}
    )

    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/orgs/{t1}")
    await page.get_by_role("link", name="Каждый ресурс: обновления, показатели аудитории, доступ, закрытие").click()
    chat_card = page.locator(f"#ch-{chat}")

    await chat_card.get_by_text("Сообщить показатели аудитории (K4)").click()
    figures = page.get_by_role("form", name="Показатели аудитории ресурса «Чат активистов»")
    await figures.locator(f"#st-{chat}-period").fill(str(year + 1))
    await figures.get_by_label("Подписчиков на конец периода").fill("120")
    await figures.get_by_role("button", name="Сообщить показатели").click()
    await _russian(figures, "этот период ещё не начался")
    await figures.locator(f"#st-{chat}-period").fill(f"{year - 1}-Q4")
    await figures.get_by_label("Подписчиков на конец периода").fill("120")
    await figures.get_by_label("Посещений или просмотров за период").fill("1 500")
    await figures.get_by_role("button", name="Сообщить показатели").click()
    await page.get_by_text("Показатели аудитории записаны (K4).").wait_for()
    stats = (await _channels(stack, union, t1))["Чат активистов"]["stats"]
    assert stats == {"period": f"{year - 1}-Q4", "subscribers": 120, "visits": 1500, "engagement": None}, stats

    site_card = page.locator("section", has=page.get_by_role("heading", name="Сайт теркома"))
    await site_card.get_by_text("Записать обновление").first.click()
    refresh = page.get_by_role("form", name="Обновление ресурса «Сайт теркома»")
    await refresh.get_by_label("Дата обновления (пусто — сегодня)").fill("2023-05-05")  # before the site ran
    await refresh.get_by_role("button", name="Записать обновление").click()
    await _russian(refresh, "В этот день ресурс не работал.")
    await refresh.get_by_role("button", name="Записать обновление").click()
    await page.get_by_text("Обновление записано.").wait_for()
    assert (await _channels(stack, union, t1))["Сайт теркома"]["last_refreshed"] is not None

    await chat_card.get_by_text("Открыть доступ (P10, T7)").click()  # T7: the CC's department follows the chat
    access = page.get_by_role("form", name="Доступ к ресурсу «Чат активистов» для другой организации")
    await access.get_by_label("Какой организации").select_option(label="ЦК Судпроф")
    await access.get_by_label("С даты (пусто — сегодня)").fill(f"{year - 1}-06-01")
    await access.get_by_role("button", name="Открыть доступ").click()
    await page.get_by_text("Доступ предоставлен.").wait_for()
    await chat_card.get_by_text("Открыть доступ (P10, T7)").click()
    await access.get_by_role("button", name="Открыть доступ").click()  # a second grant while the first holds
    await _russian(access, "Это уже сделано")
    grants = (await stack.http.get(f"/api/v1/channels/{chat}/access", headers=union.admin)).json()
    assert [(g["to_org_id"], g["since"], g["until"], g["in_force"]) for g in grants] == [(cc, f"{year - 1}-06-01", None, True)]

    ending = page.get_by_role("form", name="Закрыть организации «ЦК Судпроф» доступ к ресурсу «Чат активистов»")
    await ending.get_by_role("button", name="Закрыть доступ").click()
    await page.get_by_text("Окончание доступа записано.").wait_for()
    grants = (await stack.http.get(f"/api/v1/channels/{chat}/access", headers=union.admin)).json()
    assert grants[0]["until"] is not None and not grants[0]["in_force"], grants
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the resources page fits a phone"
    await shot(page, "resources-phone")
    text = re.sub(r"https?://\S+|\([A-Z]\d+(, [A-Z]\d+)*\)|\b[IVX]+ кв\.", "", await page.locator("main").inner_text())
    assert not LATIN_WORD.findall(text), LATIN_WORD.findall(text)
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Information resources").wait_for()
    await page.get_by_text("Report audience figures (K4)").first.wait_for()
    await page.get_by_role("link", name="Русский").click()
    await page.get_by_role("heading", name="Информационные ресурсы").wait_for()
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "resources-desktop")

    await site_card.get_by_text("Закрыть ресурс").first.click()
    closing = page.get_by_role("form", name="Закрытие ресурса «Сайт теркома»")
    await closing.get_by_label("Причина (по желанию)").fill("перешли в чат")
    await closing.get_by_role("button", name="Закрыть ресурс").click()
    await page.get_by_text("Ресурс закрыт.").wait_for()
    assert await page.get_by_role("heading", name="Сайт теркома").count() == 0
    assert "Сайт теркома" not in await _channels(stack, union, t1), "a closed resource no longer runs"


async def test_primary_staff_open_their_chat_to_the_cc_they_cannot_read(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, t1, cc = union.orgs["p1"]["id"], union.orgs["t1"]["id"], union.orgs["cc"]["id"]
    chat = await _open(stack, union, p1, {"kind": "chat", "name": "Чат цеха", "since": "2024-01-01"})
    staff, outsider = await stack.login("staff.p1", PASSWORD), await stack.login("viewer.t2", PASSWORD)
    assert await _grantees(stack, staff, p1) == (200, [t1, cc])
    assert (await _grantees(stack, outsider, p1))[0] in (403, 404), "another subtree's viewer learns nothing of P1"
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{p1}/resources")
    await page.locator(f"#ch-{chat}").get_by_text("Открыть доступ (P10, T7)").click()
    access = page.get_by_role("form", name="Доступ к ресурсу «Чат цеха» для другой организации")
    choices = await access.get_by_label("Какой организации").locator("option").all_inner_texts()
    assert choices == ["Северо-Западная организация", "ЦК Судпроф"], choices  # the parent (P10) and the CC (T7), by name
    await access.get_by_label("Какой организации").select_option(label="ЦК Судпроф")
    await access.get_by_role("button", name="Открыть доступ").click()
    await page.get_by_text("Доступ предоставлен.").wait_for()
    grants = (await stack.http.get(f"/api/v1/channels/{chat}/access", headers=union.admin)).json()
    assert [(g["to_org_id"], g["in_force"]) for g in grants] == [(cc, True)], grants


async def _grantees(stack: Stack, h: dict[str, str], org: str) -> tuple[int, Any]:
    reply = await stack.http.get(f"/api/v1/orgs/{org}/channel-grantees", headers=h)
    return reply.status_code, reply.json()
