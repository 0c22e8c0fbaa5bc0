"""Issue 32, C1 and §5: a primary org's staff, without an auditor's login, see their org's audits and the items to put
right assigned to its posts, and close one as put right; closing it again from a page opened before is refused in
plain Russian beside the item; the auditors' forms are not theirs; the API agrees."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


async def _post(stack: Stack, union: Union, path: str, body: dict[str, Any]) -> Any:
    reply = await stack.http.post(path, json=body, headers=union.admin)
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


async def _audit_with_items(stack: Stack, union: Union, org: str, by: str, actions: list[tuple[str, str]]) -> str:
    """An audit of the org under way, with items to put right, each owned by a post; answers the audit's id."""
    today, due = stack.today().isoformat(), date(stack.today().year + 1, 3, 1).isoformat()
    audit = await _post(stack, union, f"/api/v1/orgs/{org}/audits", {"planned_on": today, "by_org_id": by})
    await _post(stack, union, f"/api/v1/audits/{audit['id']}/start", {})
    for action, post in actions:
        await _post(
            stack, union, f"/api/v1/audits/{audit['id']}/remediation", {"action": action, "owner_role": post, "due_on": due}
        )
    return str(audit["id"])


async def test_staff_see_their_orgs_audits_and_close_the_items_of_its_posts(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, p2, t1 = (union.orgs[k]["id"] for k in ("p1", "p2", "t1"))
    board, meeting = "Обновлять стенд еженедельно", "Провести информационное собрание"
    audit = await _audit_with_items(stack, union, p1, t1, [(board, "info_worker"), (meeting, "chair")])
    await _audit_with_items(stack, union, p2, t1, [("Завести чат первички", "info_worker")])

    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/orgs/{p1}")
    await page.get_by_role("link", name="Проверки", exact=True).last.click()
    items = page.get_by_role("list", name="Недостатки к устранению")
    await items.get_by_text(board).wait_for()
    assert await items.get_by_role("listitem").count() == 2, "only the items of the staff's own org"
    assert await page.get_by_text("Завести чат первички").count() == 0, "another org's items are not shown"
    assert await page.get_by_role("button", name="Запланировать").count() == 0, "staff plan no audits"
    before = await page.context.new_page()  # the same page, opened before the item is closed
    await before.goto(page.url)

    form = page.get_by_role("form", name=f"Закрыть пункт: {board}")
    await form.get_by_label("Как устранено").fill("Стенд обновляется по понедельникам")
    await form.get_by_role("button", name="Закрыть: устранено").click()
    await page.get_by_text("Пункт закрыт: недостаток устранён.").wait_for()
    await shot(page, "own-audits-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400, "the audits page fits a phone"
    kept = (await stack.http.get(f"/api/v1/orgs/{p1}/remediation", headers=union.admin)).json()
    closed = {i["action"]: (i["closed_on"] is not None, i["note"]) for i in kept}
    assert closed == {board: (True, "Стенд обновляется по понедельникам"), meeting: (False, None)}, closed

    stale = before.get_by_role("form", name=f"Закрыть пункт: {board}")
    await stale.get_by_role("button", name="Закрыть: устранено").click()
    error = before.get_by_role("list", name="Недостатки к устранению").locator("li", has_text=board).locator(".error")
    await error.get_by_text("уже закрыт").wait_for()
    assert not LATIN_WORD.findall((await error.inner_text()).replace("(C1)", "")), await error.inner_text()
    await shot(before, "own-audits-refused-phone")

    await page.get_by_role("link", name=meeting).click()  # the audit itself: read, and close; nothing of the auditors'
    await page.wait_for_url(f"**/ui/audits/{audit}")
    await page.get_by_text(meeting).wait_for()
    for auditors in ("Завершить проверку", "Записать", "Поручить"):
        assert await page.get_by_role("button", name=auditors, exact=True).count() == 0, auditors
    await page.get_by_label("Как устранено").fill("Собрание проведено")
    await page.get_by_role("button", name="Закрыть", exact=True).click()
    await page.get_by_text("Собрание проведено").wait_for()
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shot(page, "own-audit-desktop")
    kept = (await stack.http.get(f"/api/v1/audits/{audit}", headers=union.admin)).json()
    assert all(i["closed_on"] for i in kept["remediation"]), kept["remediation"]
