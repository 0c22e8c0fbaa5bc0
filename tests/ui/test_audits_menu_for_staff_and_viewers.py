"""Issue 32 and §5: staff and viewers read the audits of their part of the union, and staff close the items to put
right of its posts, so the main menu offers them «Проверки»; it leads to their own org's audits, not another's,
and offers none of the auditors' forms (nor, to a viewer, closing an item)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser


async def _audit(stack: Stack, union: Union, org: str, by: str, action: str) -> str:
    """An audit of the org under way with one item to put right, owned by the org's information worker."""
    h, today = union.admin, stack.today().isoformat()
    due = date(stack.today().year + 1, 3, 1).isoformat()
    made = await stack.http.post(f"/api/v1/orgs/{org}/audits", json={"planned_on": today, "by_org_id": by}, headers=h)
    assert made.status_code == 201, made.text
    audit = str(made.json()["id"])
    started = await stack.http.post(f"/api/v1/audits/{audit}/start", json={}, headers=h)
    assert started.status_code == 200, started.text
    item = {"action": action, "owner_role": "info_worker", "due_on": due}
    assigned = await stack.http.post(f"/api/v1/audits/{audit}/remediation", json=item, headers=h)
    assert assigned.status_code in (200, 201), assigned.text
    return audit


async def _menu_audits(browser: Any, site: str, username: str) -> Any:
    page = await sign_in(browser, site, username)
    menu = page.get_by_role("navigation", name="Главное меню")
    await menu.get_by_role("link", name="Проверки", exact=True).click()
    await page.get_by_role("heading", name="Проверки и устранение недостатков").wait_for()
    return page


async def test_staff_and_viewers_find_their_own_orgs_audits_in_the_menu(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1, p2, p3, t1, t2 = (union.orgs[k]["id"] for k in ("p1", "p2", "p3", "t1", "t2"))
    await _audit(stack, union, p1, t1, "Обновлять стенд еженедельно")
    await _audit(stack, union, p2, t1, "Завести чат первички")
    await _audit(stack, union, p3, t2, "Провести собрание в цехе")

    staff = await _menu_audits(browser, site, "staff.p1")
    assert re.search(rf"/ui/orgs/{p1}/audits$", staff.url), staff.url
    audits = staff.get_by_role("table")
    await audits.get_by_role("link", name=union.orgs["p1"]["name"]).wait_for()
    assert await audits.get_by_role("row").count() == 2, "a header and the staff's own org's audit"
    items = staff.get_by_role("list", name="Недостатки к устранению")
    await items.get_by_text("Обновлять стенд еженедельно").wait_for()
    assert await staff.get_by_text("Завести чат первички").count() == 0, "another org's items are not shown"
    assert await items.get_by_role("button", name="Закрыть: устранено").count() == 1, "staff close their posts' items"
    assert await staff.get_by_role("button", name="Запланировать").count() == 0, "staff plan no audits"
    await shot(staff, "audits-menu-staff")

    viewer = await _menu_audits(browser, site, "viewer.t2")
    assert re.search(rf"/ui/orgs/{t2}/audits$", viewer.url), viewer.url
    await viewer.get_by_text("Провести собрание в цехе").wait_for()
    for elsewhere in ("Обновлять стенд еженедельно", "Завести чат первички"):
        assert await viewer.get_by_text(elsewhere).count() == 0, f"{elsewhere}: another subtree's item"
    assert await viewer.get_by_role("button").filter(has_text=re.compile("Закрыть|Запланировать")).count() == 0
    await shot(viewer, "audits-menu-viewer")
