"""The parent approves a primary org's material for publication (H2); staff record a chair's consent (T4)."""

from __future__ import annotations

from typing import Any

import pytest

from profset_testing import Stack, eventually
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def test_the_parent_org_approves_a_material_for_publication_from_its_queue(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    page = await sign_in(browser, site, "staff.p1")
    await page.goto(f"/ui/orgs/{union.orgs['p1']['id']}/materials/new")
    await page.get_by_label("Заголовок").fill("Итоги колдоговорной кампании")
    await page.get_by_label("Текст").fill("Коллективный договор подписан.")
    await page.get_by_label("Для наших публичных ресурсов (согласует вышестоящая, H2)").check()
    await page.get_by_role("button", name="Сохранить черновик").click()
    await page.get_by_role("button", name="Запросить согласование публикации").click()
    await page.get_by_text("ждёт модерации").wait_for()

    parent = await sign_in(browser, site, "staff.t1")
    await parent.get_by_role("link", name="Модерация").click()
    await parent.get_by_role("heading", name="Итоги колдоговорной кампании").wait_for()
    await shot(parent, "moderation-queue")
    await parent.get_by_role("button", name="Одобрить").click()
    await parent.get_by_text("Модерации ничего не ждёт.").wait_for()

    own = await sign_in(browser, site, "staff.p1")
    assert await own.get_by_role("link", name="Модерация").count() == 1
    await own.goto(page.url)
    await own.get_by_text("одобрен").first.wait_for()


async def test_staff_record_a_chairs_consent_to_a_personal_mobile(stack: Stack, union: Union, site: str, browser: Any) -> None:
    p1 = union.orgs["p1"]["id"]
    h = union.admin
    chair = await stack.http.post(
        f"/api/v1/orgs/{p1}/officers", json={"full_name": "Котов Игорь Борисович", "role": "chair"}, headers=h
    )
    assert chair.status_code == 201, chair.text
    person = chair.json()["person_id"]

    async def known() -> bool:
        reply = await stack.http.post(
            f"/api/v1/people/{person}/contact-points", json={"kind": "mobile", "value": "8 (921) 555-12-34"}, headers=h
        )
        return reply.status_code == 201

    await eventually(known)
    page = await sign_in(browser, site, "staff.p1")
    await page.get_by_role("link", name="Контакты").first.click()
    row = page.get_by_role("row", name="Котов Игорь Борисович")
    await row.get_by_text("согласия нет").wait_for()
    await row.get_by_label("Дата согласия").fill("2026-01-10")
    await row.get_by_label("Как дано").select_option("written")
    await row.get_by_role("button", name="Записать согласие").click()
    await page.get_by_role("row", name="Котов Игорь Борисович").get_by_text("дано 10 янв. 2026").wait_for()
    assert "+79215551234" in await page.get_by_role("row", name="Котов Игорь Борисович").inner_text()
    await shot(page, "contacts-consent")
