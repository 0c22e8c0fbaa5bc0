"""Issue 32, H2, K8: staff edit a draft on a phone, attach files to it, remove one after a confirmation, and send it
for publication; a page opened before it was submitted can no longer change it or remove its file, and says so in
plain Russian; and they report how many took part in a
campaign that reached their org (only their own org may be chosen, a negative count is refused in Russian). The API
agrees at each step."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
LEAFLET = "Собрание 12 марта в 17:00, актовый зал.\n".encode()
WRONG = "Не тот файл".encode()


async def _material(stack: Stack, union: Union, material_id: str) -> Any:
    reply = await stack.http.get(f"/api/v1/materials/{material_id}", headers=union.admin)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_staff_edit_a_draft_attach_a_file_and_send_it_for_publication(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    draft = {"org_id": p1, "title": "Черновик", "body": "Текст будет позже", "kind": "announcement"}
    made = await stack.http.post("/api/v1/materials", json=draft, headers=union.admin)
    assert made.status_code == 201, made.text
    material = made.json()["id"]

    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/materials/{material}")
    await page.get_by_role("link", name="Изменить черновик").click()
    form = page.get_by_role("form", name="Изменить черновик")
    await form.get_by_label("Заголовок").fill("")
    await form.get_by_role("button", name="Сохранить изменения").click()
    await form.get_by_text("Заполните это поле.").wait_for()
    assert await form.get_by_label("Заголовок").get_attribute("aria-invalid") == "true", "the refusal names the field"
    await form.get_by_label("Заголовок").fill("Общее собрание 12 марта")
    await form.get_by_label("Текст").fill("Собрание пройдёт в актовом зале.")
    await form.get_by_label("Для наших публичных ресурсов").check()
    await form.get_by_role("button", name="Сохранить изменения").click()
    await page.get_by_text("Черновик сохранён.").wait_for()
    kept = await _material(stack, union, material)
    assert (kept["title"], kept["body"], kept["for_publication"]) == (
        "Общее собрание 12 марта",
        "Собрание пройдёт в актовом зале.",
        True,
    )

    attach = page.get_by_role("form", name="Приложить файл")
    await attach.get_by_role("button", name="Приложить").click()
    await page.get_by_role("form", name="Приложить файл").get_by_text("Заполните это поле.").wait_for()
    await attach.get_by_label("Файл (до 5 МБ)").set_input_files(
        files=[{"name": "листовка.txt", "mimeType": "text/plain", "buffer": LEAFLET}]
    )
    await attach.get_by_role("button", name="Приложить").click()
    await page.get_by_text("Файл приложен.").wait_for()
    link = page.get_by_role("list", name="Приложенные файлы").get_by_role("link", name="листовка.txt", exact=True)
    href = str(await link.get_attribute("href"))
    fetched = await page.request.get(href)
    if fetched.status == 503:  # "retry": once on a saturated CI machine the exchange's answer outran the timeout
        await asyncio.sleep(1)
        fetched = await page.request.get(href)
    assert fetched.ok and await fetched.body() == LEAFLET, "the file comes back as it was attached"
    files = (await _material(stack, union, material))["attachments"]
    assert [(f["filename"], f["size"]) for f in files] == [("листовка.txt", len(LEAFLET))], files
    await shot(page, "draft-attached-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the material page fits a phone"
    await _remove_a_file(stack, union, page, material)

    before = await page.context.new_page()  # the editor, opened before the draft is submitted
    await before.goto(f"/ui/materials/{material}/edit")
    [leaflet] = (await _material(stack, union, material))["attachments"]
    removal = await page.context.new_page()  # so is the question before removing its file
    await removal.goto(f"/ui/materials/{material}/attachments/{leaflet['id']}/removal")
    await page.get_by_role("button", name="Запросить согласование публикации").click()
    await page.wait_for_url(f"**/ui/materials/{material}")
    assert (await _material(stack, union, material))["moderation"] != "none", "the parent now controls it (H2)"
    assert await page.get_by_role("link", name="Изменить черновик").count() == 0, "no longer a draft to edit"
    assert await page.get_by_role("form", name="Приложить файл").count() == 0

    stale = before.get_by_role("form", name="Изменить черновик")
    await stale.get_by_label("Текст").fill("Другой текст")
    await stale.get_by_role("button", name="Сохранить изменения").click()
    error = stale.locator(".error")
    await error.get_by_text("Менять можно только черновик").wait_for()
    assert not LATIN_WORD.findall(await error.inner_text()), await error.inner_text()
    assert (await _material(stack, union, material))["body"] == "Собрание пройдёт в актовом зале."
    await shot(before, "draft-refused-phone")
    await removal.get_by_role("button", name="Да, удалить файл").click()
    refused = removal.get_by_role("form", name="Удалить файл").locator(".error")
    await refused.get_by_text("Менять можно только черновик").wait_for()
    assert not LATIN_WORD.findall(await refused.inner_text()), await refused.inner_text()
    assert [f["filename"] for f in (await _material(stack, union, material))["attachments"]] == ["листовка.txt"]
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "draft-submitted-desktop")
    await page.set_viewport_size({"width": 390, "height": 844})
    await _campaign(stack, union, page)


async def _remove_a_file(stack: Stack, union: Union, page: Any, material: str) -> None:
    """A file attached by mistake comes off the draft after a question that says what will change; the question
    asked again from a page opened before is refused in Russian; the draft's editing page removes files too."""
    attach = page.get_by_role("form", name="Приложить файл")
    await attach.get_by_label("Файл (до 5 МБ)").set_input_files(
        files=[{"name": "не-тот.txt", "mimeType": "text/plain", "buffer": WRONG}]
    )
    await attach.get_by_role("button", name="Приложить").click()
    files = page.get_by_role("list", name="Приложенные файлы")
    await files.get_by_role("link", name="не-тот.txt", exact=True).wait_for()
    await files.get_by_role("link", name="Удалить не-тот.txt").click()
    await page.get_by_role("heading", name="Удалить файл не-тот.txt?").wait_for()
    await page.get_by_text("Что изменится").wait_for()
    stale = await page.context.new_page()  # the same question, opened before the file is removed
    await stale.goto(page.url)
    await page.get_by_role("link", name="Отмена").click()  # cancelling keeps it
    await files.get_by_role("link", name="Удалить не-тот.txt").click()
    await shot(page, "attachment-removal-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the question fits a phone"
    await page.get_by_role("button", name="Да, удалить файл").click()
    await page.get_by_text("Файл удалён.").wait_for()
    assert await files.get_by_role("link").all_inner_texts() == ["листовка.txt", "Удалить"]
    kept = (await _material(stack, union, material))["attachments"]
    assert [f["filename"] for f in kept] == ["листовка.txt"], kept

    await stale.get_by_role("button", name="Да, удалить файл").click()
    error = stale.get_by_role("form", name="Удалить файл").locator(".error")
    await error.get_by_text("его уже удалили").wait_for()
    assert not LATIN_WORD.findall(await error.inner_text()), await error.inner_text()
    await stale.close()

    extra = await stack.http.post(  # one more, removed from the editing page this time
        f"/api/v1/materials/{material}/attachments", files={"file": ("копия.txt", WRONG, "text/plain")}, headers=union.admin
    )
    assert extra.status_code == 201, extra.text
    await page.goto(f"/ui/materials/{material}/edit")
    await page.get_by_role("list", name="Приложенные файлы").get_by_role("link", name="Удалить копия.txt").click()
    await page.get_by_role("button", name="Да, удалить файл").click()
    await page.wait_for_url(f"**/ui/materials/{material}/edit?done=removed")
    await page.get_by_text("Файл удалён.").wait_for()
    kept = (await _material(stack, union, material))["attachments"]
    assert [f["filename"] for f in kept] == ["листовка.txt"], kept
    await page.goto(f"/ui/materials/{material}")


async def _campaign(stack: Stack, union: Union, page: Any) -> None:
    """K8: staff.p1 reports participation in a campaign the territorial org cascaded to it."""
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
