"""Print through the public API against real NATS and PostgreSQL (issue 31): each org's own sheet of a material with
its name and a QR code to its chosen channel, read back from the PDF; access (§5); the posting that refreshes the
board (P1) and the print run (P2); a cascade that asks primary orgs to print."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import get, post, register, union
from profset_testing.sheets import A3, A4, page_sizes, qr_codes, same_size, text_of

TITLE = 'Индексация: "#зарплата" [на 8 %] - $срочно$ <важно> @всем'
SHOWN = "Индексация: «#зарплата» [на 8 %] — $срочно$ <важно> @всем"
NEWS = {
    "title": TITLE,
    "body": "С 1 июля оклады растут на 8 %.\n\nПодробности — в профкоме.",
    "kind": "news",
    "topics": ["wages"],
}
CHAT = "https://t.me/verf_union_chat"


async def sheet(stack: Stack, h: dict[str, str], material: str, org: str, paper: str = "a4") -> Any:
    return await stack.http.get(f"/api/v1/materials/{material}/sheet.pdf", params={"org_id": org, "format": paper}, headers=h)


async def cascaded(stack: Stack) -> tuple[dict[str, str], dict[str, Any], str]:
    """A union with a second territorial org and its primary org; a CC material cascaded to all, asking for print."""
    h, cc, t, p = await union(stack)
    south = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    p2 = await register(stack, h, name="ППО завода", level="primary", parent_id=south["id"], registered_on="1996-01-01")
    orgs = {"cc": cc, "t": t, "p": p, "south": south, "p2": p2}
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": cc["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {"print_sheets": True}, 202)

    async def delivered() -> bool:
        return len(await get(stack, h, f"/api/v1/materials/{material}/deliveries")) == 4

    await eventually(delivered)
    return h, orgs, material


async def test_each_org_gets_its_own_sheet_with_its_name_and_a_qr_code_to_its_chosen_channel(stack: Stack) -> None:
    h, o, material = await cascaded(stack)
    p = o["p"]["id"]
    site = await post(stack, h, f"/api/v1/orgs/{p}/channels", {"kind": "website", "name": "Сайт", "url": "https://verf.example"})
    chat = await post(stack, h, f"/api/v1/orgs/{p}/channels", {"kind": "chat", "name": "Чат профкома", "url": CHAT})
    assert (await get(stack, h, f"/api/v1/orgs/{p}/sheet-channel"))["channel_id"] == chat["id"], "a chat comes first"
    chosen = await stack.http.put(f"/api/v1/orgs/{p}/sheet-channel", json={"channel_id": site["id"]}, headers=h)
    assert chosen.status_code == 200, chosen.text
    assert await get(stack, h, f"/api/v1/orgs/{p}/sheet-channel") == {
        "channel_id": site["id"],
        "kind": "website",
        "name": "Сайт",
        "url": "https://verf.example",
        "chosen": True,
        "chosen_closed": False,
    }
    board = await post(stack, h, f"/api/v1/orgs/{p}/channels", {"kind": "notice_board", "name": "Стенд"})
    wrong = await stack.http.put(f"/api/v1/orgs/{p}/sheet-channel", json={"channel_id": board["id"]}, headers=h)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "channel_id"
    await stack.http.put(f"/api/v1/orgs/{p}/sheet-channel", json={"channel_id": chat["id"]}, headers=h)

    a4 = await sheet(stack, h, material, p)
    assert a4.status_code == 200, a4.text
    assert a4.headers["content-type"] == "application/pdf" and "Profset-Hint" not in a4.headers
    text = text_of(a4.content)
    assert SHOWN in text and "ППО верфи" in text and "ЦК Судпроф" in text and "заработная плата" in text, text
    assert qr_codes(a4.content) == [CHAT]
    assert all(same_size(s, A4) for s in page_sizes(a4.content))
    a3 = await sheet(stack, h, material, p, "a3")
    assert all(same_size(s, A3) for s in page_sizes(a3.content)) and qr_codes(a3.content) == [CHAT]

    other = await sheet(stack, h, material, o["south"]["id"])  # its own name, from the CC; no channel: no QR code
    assert other.status_code == 200 and "Южная" in text_of(other.content) and "ППО верфи" not in text_of(other.content)
    assert qr_codes(other.content) == [] and "sheet-channel" in other.headers["Profset-Hint"]

    bad = await sheet(stack, h, material, p, "a5")
    assert bad.status_code == 422 and [d["field"] for d in bad.json()["error"]["details"]] == ["format"]


async def test_a_sheet_only_for_an_org_that_has_the_material_and_a_caller_who_may_read_it(stack: Stack) -> None:
    h, o, material = await cascaded(stack)
    own = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["p2"]["id"]}))["id"]  # a draft of the plant's
    refused = await sheet(stack, h, own, o["p"]["id"])
    assert refused.status_code == 403 and refused.json()["error"]["details"][0]["field"] == "org_id"
    assert (await sheet(stack, h, own, o["south"]["id"])).status_code == 200, "written in the territorial org's subtree"
    assert (await sheet(stack, h, "no-such-material", o["p"]["id"])).status_code == 404
    assert (await sheet(stack, h, material, "no-such-org")).status_code == 404

    created = await stack.http.post(
        "/api/v1/users",
        json={"username": "staff.nw", "password": "a long password", "role": "staff", "org_id": o["t"]["id"]},
        headers=h,
    )
    assert created.status_code == 201, created.text
    staff = await stack.login("staff.nw", "a long password")
    assert (await sheet(stack, staff, material, o["p"]["id"])).status_code == 200
    assert (await sheet(stack, staff, material, o["p2"]["id"])).status_code == 403, "another territorial org's primary org"
    assert (await sheet(stack, staff, own, o["p2"]["id"])).status_code == 403, "a draft of another part of the union"
    posting = await stack.http.post(f"/api/v1/materials/{own}/sheet/postings", json={"org_id": o["p2"]["id"]}, headers=staff)
    assert posting.status_code == 403


async def test_posting_the_sheet_refreshes_the_board_p1_and_clears_the_inbox_item_and_print_runs_count_p2(stack: Stack) -> None:
    h, o, material = await cascaded(stack)
    p = o["p"]["id"]
    items = {i["material_id"]: i for i in await get(stack, h, f"/api/v1/orgs/{p}/inbox")}
    assert items[material]["print_sheet"] is True and items[material]["posted_on"] is None
    territorial = {i["material_id"]: i for i in await get(stack, h, f"/api/v1/orgs/{o['t']['id']}/inbox")}
    assert territorial[material]["print_sheet"] is False, "primary orgs are asked to print, not territorial ones"

    none = await stack.http.post(f"/api/v1/materials/{material}/sheet/postings", json={"org_id": p}, headers=h)
    assert none.status_code == 422 and none.json()["error"]["details"][0]["rule"] == "P1"
    board = await post(
        stack, h, f"/api/v1/orgs/{p}/channels", {"kind": "notice_board", "name": "Стенд в цехе", "since": "2020-01-01"}
    )
    ahead = await stack.http.post(
        f"/api/v1/materials/{material}/sheet/postings", json={"org_id": p, "at": "2999-01-01"}, headers=h
    )
    assert ahead.status_code == 422
    posted = await post(stack, h, f"/api/v1/materials/{material}/sheet/postings", {"org_id": p})
    assert posted["channel_id"] == board["id"] and posted["material_id"] == material
    assert posted["id"] == f"{board['id']}:{material}:{posted['at']}", "the posting's own id, not the board's"

    async def cleared() -> Any:
        rows = {i["material_id"]: i for i in await get(stack, h, f"/api/v1/orgs/{p}/inbox")}
        return rows[material]["posted_on"]

    assert await eventually(cleared) == posted["at"]
    items = {i["material_id"]: i for i in await get(stack, h, f"/api/v1/orgs/{p}/inbox")}
    assert items[material]["print_sheet"] is False, "asked to print until it is posted"
    channels = await get(stack, h, f"/api/v1/orgs/{p}/channels")
    assert next(c for c in channels if c["id"] == board["id"])["last_refreshed"] == posted["at"]

    async def p1_met() -> bool:
        verdicts = {v["rule"]: v["status"] for v in await get(stack, h, f"/api/v1/orgs/{p}/compliance")}
        return verdicts.get("P1") == "met"

    assert await eventually(p1_met)

    run = await post(stack, h, f"/api/v1/materials/{material}/sheet/print-runs", {"org_id": p, "copies": 30, "format": "a3"})
    assert run["id"]
    runs = await get(stack, h, f"/api/v1/orgs/{p}/print-runs")
    assert [(r["kind"], r["copies"], r["material_id"], r["title"]) for r in runs] == [("poster", 30, material, TITLE)]
    zero = await stack.http.post(f"/api/v1/materials/{material}/sheet/print-runs", json={"org_id": p, "copies": 0}, headers=h)
    assert zero.status_code == 422 and zero.json()["error"]["details"][0]["field"] == "copies"
