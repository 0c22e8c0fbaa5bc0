"""Issue 32: a material's senders and recipients are named, even beyond the reader's part of the union (names are no
secret, what those orgs hold stays so); compliance over a subtree names the orgs breaching each rule and drills down."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kit.rpc import RequestClient
from kit.tokens import Role
from profset_testing import Stack
from profset_testing.ui import Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
OUTSIDE = "организация вне вашей части профсоюза"


async def test_the_orgs_a_material_came_from_and_went_to_are_named(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = {k: v["id"] for k, v in union.orgs.items()}
    cc = await stack.login("staff.cc", "long-enough-password")
    news = {"org_id": o["cc"], "title": "Позиция ЦК", "body": "Текст", "kind": "news", "topics": [], "newsworthy": False}
    down = (await stack.http.post("/api/v1/materials", json=news, headers=cc)).json()["id"]
    assert (await stack.http.post(f"/api/v1/materials/{down}/cascade", json={}, headers=cc)).status_code == 202
    t1 = await stack.login("staff.t1", "long-enough-password")
    mine = {**news, "org_id": o["t1"], "title": "Отчёт Северо-Запада", "newsworthy": True}
    up = (await stack.http.post("/api/v1/materials", json=mine, headers=t1)).json()["id"]
    sent = await stack.http.post(f"/api/v1/materials/{up}/send-up", headers=t1)
    assert sent.status_code == 202 and o["cc"] in sent.json()["recipients"], sent.text

    page = await sign_in(browser, site, "staff.p1", **PHONE)
    await page.goto(f"/ui/orgs/{o['p1']}/inbox")
    row = page.get_by_role("row", name=re.compile("Позиция ЦК"))
    await row.get_by_text("ЦК Судпроф").wait_for()
    assert await row.get_by_role("link", name="ЦК Судпроф").count() == 0, "an org beyond the subtree is named, not opened"
    assert OUTSIDE not in await page.locator("main").inner_text()
    await shot(page, "inbox-sender-named-phone")
    await page.goto(f"/ui/materials/{down}")
    assert "ЦК Судпроф" in await page.locator("main p.muted").first.inner_text(), "the author is named"
    deliveries = await page.locator("#deliveries").inner_text()
    assert "ППО Невской верфи" in deliveries and OUTSIDE not in deliveries
    assert "ППО Амурской верфи" not in deliveries, "deliveries elsewhere stay unseen"
    await shot(page, "material-recipients-named-phone")

    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/materials/{up}")
    await page.locator("#deliveries").get_by_text("ЦК Судпроф").wait_for()
    assert OUTSIDE not in await page.locator("main").inner_text(), "even the org's own parent is named"
    refused = await stack.http.get(f"/api/v1/orgs/{o['cc']}", headers=t1)
    assert refused.status_code == 403, "the parent's record itself stays closed"


async def test_compliance_over_a_subtree_names_the_breaching_orgs_and_opens_theirs(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    p1 = union.orgs["p1"]["id"]
    h = await stack.login("staff.t1", "long-enough-password")
    verdicts = (await stack.http.get(f"/api/v1/orgs/{p1}/compliance", headers=h)).json()
    breached = [v["rule"] for v in verdicts if v["status"] == "breached"]
    assert breached, verdicts
    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/orgs/{union.orgs['t1']['id']}/compliance")
    row = page.locator(f"#summary-{breached[0]}")
    link = row.get_by_role("link", name="ППО Невской верфи")
    await link.wait_for()
    assert await row.get_by_role("link", name="ППО Ладожского завода").count() in (0, 1)
    assert await row.get_by_role("link", name="ППО Амурской верфи").count() == 0, "another territory's org is not counted"
    await shot(page, "compliance-subtree-named-phone")
    await link.click()
    await page.wait_for_url(re.compile(rf"/ui/orgs/{p1}/compliance"))
    await page.locator(f"#rule-{breached[0]} .status").get_by_text("нарушено").wait_for()

    t1 = union.orgs["t1"]["id"]
    summary = (await stack.http.get(f"/api/v1/orgs/{t1}/compliance/summary", headers=h)).json()
    rule, status, count = next(
        (r, st, c[st]) for r, c in summary["rules"].items() for st in ("met", "not_applicable", "unknown") if c.get(st)
    )
    await page.goto(f"/ui/orgs/{t1}/compliance")
    await page.locator(f"#summary-{rule} a[href*='/{rule}/{status}']").click()  # the count of orgs with that verdict
    await page.wait_for_url(re.compile(rf"/ui/orgs/{t1}/compliance/{rule}/{status}"))
    named = await page.locator("#behind > li > a").all_inner_texts()
    assert len(named) == count, (named, rule, status, count)
    by_name = {o["name"]: o["id"] for o in union.orgs.values()}
    for name in named:
        verdicts = (await stack.http.get(f"/api/v1/orgs/{by_name[name]}/compliance", headers=h)).json()
        assert next(v["status"] for v in verdicts if v["rule"] == rule) == status, (name, rule)
    await shot(page, "compliance-drill-down-phone")
    wrong = await page.goto(f"/ui/orgs/{t1}/compliance/{rule}/excellent")
    assert wrong is not None and wrong.status == 422, "an unknown status is refused as such, never a 500"


async def test_a_members_history_names_the_org_they_came_from_beyond_the_subtree(
    stack: Stack, union: Union, site: str, browser: Any
) -> None:
    o = {k: v["id"] for k, v in union.orgs.items()}
    body = {"full_name": "Орлов Пётр Ильич", "since": "2010-01-01"}
    person = (await stack.http.post(f"/api/v1/orgs/{o['p3']}/members", json=body, headers=union.admin)).json()["id"]
    moved = await stack.http.post(
        f"/api/v1/members/{person}/transfer", json={"org_id": o["p1"], "effective_on": "2020-01-01"}, headers=union.admin
    )
    assert moved.status_code in (200, 202), moved.text
    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/members/{person}")
    history = page.get_by_role("region", name="История членства")
    await history.get_by_text("ППО Амурской верфи").wait_for()
    assert OUTSIDE not in await page.locator("main").inner_text()
    h = await stack.login("staff.t1", "long-enough-password")
    assert (await stack.http.get(f"/api/v1/orgs/{o['p3']}", headers=h)).status_code == 403


async def test_the_registry_names_orgs_and_tells_nothing_else(stack: Stack, union: Union, nc: Any) -> None:
    o = {k: v["id"] for k, v in union.orgs.items()}

    async def ask(role: Role, org_id: str | None, ids: list[str]) -> Any:
        token = stack.keys.token(role=role, org_id=org_id, username="someone", service="registry")
        return await RequestClient(nc).request("registry", "name_orgs", {"org_ids": ids}, token=token)

    named = await ask(Role.VIEWER, o["p1"], [o["cc"], o["p3"], "no-such-org", o["cc"]])
    assert named.ok, named.error
    assert named.data == {o["cc"]: "ЦК Судпроф", o["p3"]: "ППО Амурской верфи"}, "names only, of orgs that exist"
    refused = await ask(Role.MEMBER, None, [o["cc"]])
    assert not refused.ok and refused.error is not None and refused.error.code == "forbidden", "a member reads no orgs"
    too_many = await ask(Role.STAFF, o["p1"], [o["cc"]] * 501)
    assert not too_many.ok and too_many.error is not None and too_many.error.details[0].field == "org_ids"
