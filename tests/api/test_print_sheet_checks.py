"""What a posting or print run of a sheet must pass whichever door it comes through (issue 31's findings), against real
NATS and PostgreSQL: the UI's form checks as the API does (the org has the material, the caller may read it), neither
is dated before the org had the material (P1, P2), and a publication its moderator rejected, or has not yet approved,
is neither printed nor posted (H2)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from profset_testing import ADMIN_PASSWORD, Stack, eventually
from profset_testing.api import get, post, register, union

NEWS = {"title": "Индексация", "body": "С 1 июля оклады растут на 8 %.", "kind": "news", "topics": ["wages"]}


def refused(reply: Any, status: int, field: str, rule: str) -> bool:
    details = reply.json()["error"]["details"] if reply.status_code == status else []
    return any(d.get("field") == field and d.get("rule") == rule for d in details)


async def test_the_ui_posting_form_checks_the_material_as_the_api_does(stack: Stack) -> None:
    h, cc, _, p = await union(stack)
    south = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    theirs = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": south["id"]}))["id"]
    board = await post(
        stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "notice_board", "name": "Стенд", "since": "2020-01-01"}
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="https://gateway.test") as browser:
        form = await browser.get("/ui/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token
        body = {"username": "admin", "password": ADMIN_PASSWORD, "login_token": token.group(1), "next": "/ui/"}
        assert (await browser.post("/ui/login", data=body)).status_code == 303
        csrf = re.search(r'name="_csrf" value="([^"]+)"', (await browser.get("/ui/orgs")).text)
        assert csrf
        for material in ("0190f3a2-0000-7000-8000-000000000000", theirs):
            sent = await browser.post(
                f"/ui/materials/{material}/print/posting", data={"_csrf": csrf.group(1), "org_id": p["id"], "at": ""}
            )
            assert sent.status_code != 303, "refused, not recorded"
    channels = await get(stack, h, f"/api/v1/orgs/{p['id']}/channels")
    assert next(c for c in channels if c["id"] == board["id"])["last_refreshed"] is None


async def test_a_posting_or_print_run_is_never_dated_before_the_org_had_the_material(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": p["id"]}))["id"]
    await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "notice_board", "name": "Стенд", "since": "2020-01-01"})
    early = await stack.http.post(
        f"/api/v1/materials/{material}/sheet/postings", json={"org_id": p["id"], "at": "2020-01-02"}, headers=h
    )
    assert refused(early, 422, "at", "P1"), early.text
    run = {"org_id": p["id"], "copies": 10, "on": "2020-01-02"}
    before = await stack.http.post(f"/api/v1/materials/{material}/sheet/print-runs", json=run, headers=h)
    assert refused(before, 422, "on", "P2"), before.text
    assert await get(stack, h, f"/api/v1/orgs/{p['id']}/print-runs") == []
    await post(stack, h, f"/api/v1/materials/{material}/sheet/postings", {"org_id": p["id"]})


async def test_a_publication_rejected_or_not_yet_approved_is_neither_printed_nor_posted_h2(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "notice_board", "name": "Стенд", "since": "2020-01-01"})
    made = {}
    for name in ("pending", "rejected", "approved"):
        made[name] = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": p["id"], "for_publication": True}))["id"]
        await post(stack, h, f"/api/v1/materials/{made[name]}/publication", {}, 202)
    await post(stack, h, f"/api/v1/materials/{made['rejected']}/moderation", {"approve": False, "reason": "неверно"}, 200)
    await post(stack, h, f"/api/v1/materials/{made['approved']}/moderation", {"approve": True}, 200)
    for name in ("pending", "rejected"):
        m = made[name]
        sheet = await stack.http.get(f"/api/v1/materials/{m}/sheet.pdf", params={"org_id": p["id"]}, headers=h)
        posting = await stack.http.post(f"/api/v1/materials/{m}/sheet/postings", json={"org_id": p["id"]}, headers=h)
        run = await stack.http.post(f"/api/v1/materials/{m}/sheet/print-runs", json={"org_id": p["id"], "copies": 5}, headers=h)
        for reply in (sheet, posting, run):
            assert refused(reply, 409, "material_id", "H2"), (name, reply.status_code, reply.text)
    m = made["approved"]
    assert (await stack.http.get(f"/api/v1/materials/{m}/sheet.pdf", params={"org_id": p["id"]}, headers=h)).status_code == 200
    await post(stack, h, f"/api/v1/materials/{m}/sheet/postings", {"org_id": p["id"]})


async def test_a_burst_of_sheets_gets_each_its_sheet_or_503_with_retry_after_never_a_500(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": p["id"]}))["id"]
    url = f"/api/v1/materials/{material}/sheet.pdf"
    replies = await asyncio.gather(
        *(stack.http.get(url, params={"org_id": p["id"], "format": "a3"}, headers=h) for _ in range(20))
    )
    assert {r.status_code for r in replies} <= {200, 503}, [r.text for r in replies if r.status_code not in (200, 503)]
    assert any(r.status_code == 200 for r in replies)
    assert all(
        r.headers.get("Retry-After") and r.json()["error"]["details"][0]["rule"] == "busy"
        for r in replies
        if r.status_code == 503
    )


async def test_the_qr_code_falls_back_only_to_a_channel_for_members_and_says_when_the_chosen_one_closed(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    org = p["id"]
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": org}))["id"]
    chairs = {"kind": "chat", "name": "Чат председателей", "url": "https://t.me/chairs", "audience": "chairs"}
    await post(stack, h, f"/api/v1/orgs/{org}/channels", chairs)
    assert await get(stack, h, f"/api/v1/orgs/{org}/sheet-channel") is None, "a chairs' chat never goes on the board"
    site = await post(
        stack,
        h,
        f"/api/v1/orgs/{org}/channels",
        {"kind": "website", "name": "Сайт", "url": "https://verf.example", "since": "2020-01-01"},
    )
    page = await post(
        stack, h, f"/api/v1/orgs/{org}/channels", {"kind": "social_page", "name": "ВК", "url": "https://vk.com/verf"}
    )
    assert (await get(stack, h, f"/api/v1/orgs/{org}/sheet-channel"))["channel_id"] == page["id"]
    chosen = await stack.http.put(f"/api/v1/orgs/{org}/sheet-channel", json={"channel_id": site["id"]}, headers=h)
    assert chosen.status_code == 200, chosen.text
    await post(stack, h, f"/api/v1/channels/{site['id']}/closure", {}, 200)
    link = await get(stack, h, f"/api/v1/orgs/{org}/sheet-channel")
    assert (link["channel_id"], link["chosen"], link["chosen_closed"]) == (page["id"], False, True)
    sheet = await stack.http.get(f"/api/v1/materials/{material}/sheet.pdf", params={"org_id": org}, headers=h)
    assert sheet.status_code == 200 and "has closed" in sheet.headers["Profset-Hint"]


async def test_a_forward_asking_for_print_flags_each_primary_it_delivers_to_or_is_refused(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    p2 = await register(stack, h, name="ППО завода", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": cc["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {}, 202)

    async def delivered(m: str, n: int) -> bool:
        return len(await get(stack, h, f"/api/v1/materials/{m}/deliveries")) == n

    await eventually(lambda: delivered(material, 3))
    again = await stack.http.post(
        f"/api/v1/materials/{material}/cascade", json={"org_id": t["id"], "print_sheets": True}, headers=h
    )
    assert refused(again, 422, "print_sheets", "X1"), again.text

    own = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": p["id"], "newsworthy": True}))["id"]
    await post(stack, h, f"/api/v1/materials/{own}/send-up", {}, 202)
    await eventually(lambda: delivered(own, 1))
    await post(stack, h, f"/api/v1/materials/{own}/cascade", {"org_id": t["id"], "print_sheets": True}, 202)

    async def asked() -> Any:
        items = {i["material_id"]: i for i in await get(stack, h, f"/api/v1/orgs/{p2['id']}/inbox")}
        return items.get(own, {}).get("print_sheet")

    assert await eventually(asked) is True
