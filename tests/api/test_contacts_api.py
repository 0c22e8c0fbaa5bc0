"""Contacts through the public API and request/reply, against real NATS and PostgreSQL (T4, P1, P10, P11, PD1)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from kit import clock
from kit.rpc import RequestClient
from profset_testing import Stack, eventually, forms, plaintext_in_tables, plaintext_on_streams
from profset_testing.api import get, person, post, register, union


async def as_service(stack: Stack, nc: Any, verb: str, payload: dict, command_id: str | None = None, token: str = "") -> Any:
    """What a sending service gets from contacts (the notifications service asks like this, unless a token is given)."""
    token = token or stack.keys.notifications_token("contacts")
    reply = await RequestClient(nc).request("contacts", verb, payload, token=token, command_id=command_id)
    assert reply.ok, reply.error
    return reply.data


async def test_a_personal_address_is_used_only_with_consent_and_not_after_withdrawal(stack: Stack, nc: Any) -> None:
    h, _, _, p = await union(stack)
    pid, hw = await person(stack, h, p["id"], "Иванов Иван")
    work = await post(stack, hw, f"/api/v1/people/{pid}/contact-points", {"kind": "work_email", "value": "Ivanov@Verf.RU"})
    mobile = await post(stack, hw, f"/api/v1/people/{pid}/contact-points", {"kind": "mobile", "value": "8 912 345-67-89"})

    async def usable() -> list[tuple[str, str]]:
        return sorted((a["kind"], a["value"]) for a in await as_service(stack, nc, "usable_addresses", {"person_id": pid}))

    assert await usable() == [("work_email", "ivanov@verf.ru")], "no consent, no mobile"
    await post(stack, h, f"/api/v1/contact-points/{mobile['id']}/consent", {"given_at": "2026-01-10", "method": "written"})
    assert await usable() == [("mobile", "+79123456789"), ("work_email", "ivanov@verf.ru")]
    of_two = await as_service(
        stack, nc, "usable_addresses_of", {"person_ids": [pid, "no-such-person"], "kinds": ["mobile", "personal_email"]}
    )
    assert [(a["person_id"], a["kind"], a["value"]) for a in of_two] == [(pid, "mobile", "+79123456789")], "asked with others"
    withdrawn = await stack.http.post(f"/api/v1/contact-points/{mobile['id']}/consent-withdrawal", json={}, headers=h)
    assert withdrawn.status_code == 200, withdrawn.text
    assert await usable() == [("work_email", "ivanov@verf.ru")], "withdrawal counts from the very next request"
    assert await as_service(stack, nc, "usable_addresses_of", {"person_ids": [pid], "kinds": ["mobile"]}) == []

    viewer_refused = await stack.http.post(
        f"/api/v1/people/{pid}/contact-points", json={"kind": "mobile", "value": "x"}, headers=h
    )
    assert viewer_refused.status_code == 422 and viewer_refused.json()["error"]["details"][0]["field"] == "value"
    admin = stack.keys.token(username="admin", service="contacts")  # as the gateway forwards an admin's call
    as_admin = await RequestClient(nc).request("contacts", "usable_addresses", {"person_id": pid}, token=admin)
    assert as_admin.ok, "an admin may ask too"
    too_many = await RequestClient(nc).request("contacts", "usable_addresses_of", {"person_ids": [pid] * 101}, token=admin)
    assert not too_many.ok and too_many.error is not None and too_many.error.details[0].field == "person_ids"

    consent = {"given_at": "2026-01-10", "method": "written"}
    home_email = {"kind": "personal_email", "value": "i@mail.ru", "consent": consent}
    home = await post(stack, hw, f"/api/v1/people/{pid}/contact-points", home_email)
    gone = await stack.http.post(f"/api/v1/contact-points/{home['id']}/consent-withdrawal", json={}, headers=h)
    assert gone.status_code == 200, gone.text
    too_soon = await as_service(stack, nc, "erase_withdrawn", {}, token=admin)
    assert too_soon == {"erased": []}, "erased only after the grace period"
    later = (clock.today(stack.services["contacts"].settings.tz) + timedelta(days=30)).isoformat()  # the union's day, not UTC's
    # one command erases both: each address's append is its own, not a repeat of the first under the command's id
    swept = await as_service(stack, nc, "erase_withdrawn", {"today": later}, command_id="sweep-1", token=admin)
    assert sorted(swept["erased"]) == sorted([mobile["id"], home["id"]])
    points = await get(stack, h, f"/api/v1/people/{pid}/contact-points")
    assert [(c["kind"], c["erased"], c["value"]) for c in points] == [
        ("work_email", False, "ivanov@verf.ru"),
        ("mobile", True, None),
        ("personal_email", True, None),
    ]
    assert work["duplicates"] == []
    assert await plaintext_in_tables(stack.database_url, forms("9123456789")) == []


async def test_an_outside_person_such_as_an_editor_has_contact_points_too(stack: Stack, nc: Any) -> None:
    h, _, t, _ = await union(stack)
    editor = await post(
        stack, h, f"/api/v1/orgs/{t['id']}/people", {"full_name": "Редакторова Ирина", "position": "редактор «Вестей»"}
    )
    record = await get(stack, h, f"/api/v1/members/{editor['id']}")
    assert (record["full_name"], record["position"], record["member"]) == ("Редакторова Ирина", "редактор «Вестей»", False)
    await post(stack, h, f"/api/v1/people/{editor['id']}/contact-points", {"kind": "work_email", "value": "editor@vesti.ru"})
    assert [a["value"] for a in await as_service(stack, nc, "usable_addresses", {"person_id": editor["id"]})] == [
        "editor@vesti.ru"
    ]


async def test_duplicates_are_found_after_normalisation_and_merged_with_history(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    a, ha = await person(stack, h, p["id"], "Петров Пётр")
    b, hb = await person(stack, h, p["id"], "Петров Пётр Ильич")
    first = await post(stack, ha, f"/api/v1/people/{a}/contact-points", {"kind": "work_email", "value": "Petrov@Verf.ru"})
    second = await post(stack, hb, f"/api/v1/people/{b}/contact-points", {"kind": "work_email", "value": " petrov@verf.RU "})
    assert second["duplicates"] == [first["id"]]
    [group] = await get(stack, h, f"/api/v1/orgs/{p['id']}/contact-points/duplicates")
    assert sorted(c["id"] for c in group["contacts"]) == sorted([first["id"], second["id"]])
    assert {c["value"] for c in group["contacts"]} == {"petrov@verf.ru"}
    merged = await stack.http.post(
        f"/api/v1/contact-points/{second['id']}/merge", json={"into_contact_id": first["id"]}, headers=h
    )
    assert merged.status_code == 200, merged.text
    assert await get(stack, h, f"/api/v1/orgs/{p['id']}/contact-points/duplicates") == []
    [kept] = await get(stack, h, f"/api/v1/people/{b}/contact-points")
    assert kept["merged_into"] == first["id"] and not kept["usable"], "the merge stays in the person's history"
    other = await post(stack, ha, f"/api/v1/people/{a}/contact-points", {"kind": "work_email", "value": "other@verf.ru"})
    refused = await stack.http.post(
        f"/api/v1/contact-points/{other['id']}/merge", json={"into_contact_id": first["id"]}, headers=h
    )
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["rule"] == "duplicate"


async def test_a_submission_is_frozen_and_read_by_the_parent_but_not_a_sibling(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    sibling = await register(stack, h, name="Соседняя ППО", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    chair, hc = await person(stack, h, p["id"], "Председатель Пётр", role="chair")
    activist, ha = await person(stack, h, p["id"], "Активистка Анна", role="info_activist")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    consented = {"kind": "personal_email", "value": "anna@mail.ru", "consent": {"given_at": "2026-01-01", "method": "electronic"}}
    anna = await post(stack, ha, f"/api/v1/people/{activist}/contact-points", consented)
    await post(stack, ha, f"/api/v1/people/{activist}/contact-points", {"kind": "mobile", "value": "+79110000000"})
    submitted = await post(stack, h, f"/api/v1/orgs/{p['id']}/contact-base/submissions", {})
    assert submitted["parent_id"] == t["id"] and submitted["entries"] == 3

    await post(stack, ha, f"/api/v1/people/{activist}/contact-points", {"kind": "work_email", "value": "anna@verf.ru"})
    frozen = await get(stack, h, f"/api/v1/contact-base/submissions/{submitted['id']}")
    assert len(frozen["entries"]) == 3, "later edits do not change a submission"
    assert {(e["role"], e["kind"], e["value"]) for e in frozen["entries"]} == {
        ("chair", "work_email", "chair@verf.ru"),
        ("info_activist", "personal_email", "anna@mail.ru"),
        ("info_activist", "mobile", None),
    }, "a personal address without consent is never shown"
    assert len(await get(stack, h, f"/api/v1/orgs/{p['id']}/contact-base")) == 4, "the live base moves on"

    for username, org in (("staff.parent", t), ("staff.sibling", sibling)):
        body = {"username": username, "password": "long-enough-pw", "role": "staff", "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    parent = await stack.login("staff.parent", "long-enough-pw")
    export = await stack.http.get(f"/api/v1/contact-base/submissions/{submitted['id']}/export.csv", headers=parent)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "anna@mail.ru" in export.text and "+79110000000" not in export.text
    sibling_staff = await stack.login("staff.sibling", "long-enough-pw")
    assert (await stack.http.get(f"/api/v1/contact-base/submissions/{submitted['id']}", headers=sibling_staff)).status_code == 403

    await stack.http.post(f"/api/v1/contact-points/{anna['id']}/consent-withdrawal", json={}, headers=h)
    again = await stack.http.get(f"/api/v1/contact-base/submissions/{submitted['id']}/export.csv", headers=parent)
    assert "anna@mail.ru" not in again.text, "a withdrawal is honoured in the frozen copy too"
    assert [s["id"] for s in await get(stack, parent, f"/api/v1/orgs/{p['id']}/contact-base/submissions")] == [submitted["id"]]


async def test_channels_refreshes_and_subscriptions_answer_as_of_a_date(stack: Stack) -> None:
    h, _, t, p = await union(stack)
    board = await post(
        stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "notice_board", "name": "Стенд цеха 5", "since": "2020-01-01"}
    )
    chat = await post(
        stack,
        h,
        f"/api/v1/orgs/{p['id']}/channels",
        {"kind": "chat", "name": "Чат ППО", "url": "https://t.me/ppo_verf", "since": "2022-01-01"},
    )
    await post(stack, h, f"/api/v1/channels/{board['id']}/updates", {"at": "2024-03-01"})
    await post(stack, h, f"/api/v1/channels/{chat['id']}/stats", {"period": "2024-Q1", "subscribers": 410, "visits": 5000})
    closed = await stack.http.post(
        f"/api/v1/channels/{board['id']}/closure", json={"effective_on": "2025-01-01", "reason": "ремонт"}, headers=h
    )
    assert closed.status_code == 200, closed.text

    def seen(rows: list[dict]) -> list[tuple[str, str | None, bool]]:
        return [(r["kind"], r["last_refreshed"], r["refreshed_this_week"]) for r in rows]

    assert seen(await get(stack, h, f"/api/v1/orgs/{p['id']}/channels", as_of="2024-03-05")) == [
        ("chat", None, False),
        ("notice_board", "2024-03-01", True),
    ]
    assert seen(await get(stack, h, f"/api/v1/orgs/{p['id']}/channels", as_of="2024-03-09"))[1] == (
        "notice_board",
        "2024-03-01",
        False,
    )
    assert [r["kind"] for r in await get(stack, h, f"/api/v1/orgs/{p['id']}/channels", as_of="2025-01-01")] == ["chat"]
    assert await get(stack, h, f"/api/v1/orgs/{p['id']}/channels", as_of="2019-12-31") == []
    late = await stack.http.post(f"/api/v1/channels/{board['id']}/updates", json={"at": "2025-02-01"}, headers=h)
    assert late.status_code == 422 and late.json()["error"]["details"][0]["field"] == "at"

    await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": 500, "as_of": "2024-01-01"})
    reach = await get(stack, h, f"/api/v1/orgs/{p['id']}/reach", as_of="2024-06-01")
    assert (reach["members"], reach["channel_subscribers"], reach["share"]) == (500, 410, 0.82)
    territorial = await get(stack, h, f"/api/v1/orgs/{t['id']}/reach", as_of="2024-06-01")
    assert (territorial["members"], territorial["share"]) == (500, 0.0), "a territorial org's members are its primaries'"

    for copies in (5, 6):
        await post(
            stack, h, f"/api/v1/orgs/{p['id']}/subscriptions", {"publication": "solidarnost", "copies": copies, "year": 2025}
        )
    assert [
        (s["publication"], s["copies"]) for s in await get(stack, h, f"/api/v1/orgs/{p['id']}/subscriptions", as_of="2025-06-01")
    ] == [("solidarnost", 6)]
    electronic = {"publication": "solidarnost", "copies": 2, "year": 2025, "format": "electronic"}
    await post(stack, h, f"/api/v1/orgs/{p['id']}/subscriptions", electronic)
    assert [
        (s["format"], s["copies"], s["edition_copies"])
        for s in await get(stack, h, f"/api/v1/orgs/{p['id']}/subscriptions", as_of="2025-06-01")
    ] == [("electronic", 2, 8), ("print", 6, 8)], "P11: a later report replaces only the same format; formats add up"
    assert await get(stack, h, f"/api/v1/orgs/{p['id']}/subscriptions", as_of="2026-06-01") == []
    early = await stack.http.post(
        f"/api/v1/orgs/{p['id']}/subscriptions", json={"publication": "solidarnost", "copies": 1, "year": 1990}, headers=h
    )
    assert early.status_code == 422 and early.json()["error"]["details"][0] == {
        "field": "year",
        "rule": "H1",
        "message": "the org does not exist in 1990",
    }


async def test_an_erased_person_leaves_no_address_readable_anywhere(stack: Stack, nc: Any) -> None:
    h, _, _, p = await union(stack)
    pid, hp = await person(stack, h, p["id"], "Секретов Сергей")
    other, ho = await person(stack, h, p["id"], "Открытов Олег")
    consent = {"given_at": "2026-01-01", "method": "written"}
    await post(
        stack,
        hp,
        f"/api/v1/people/{pid}/contact-points",
        {"kind": "personal_email", "value": "sekretov.s@mail.ru", "consent": consent},
    )
    await post(stack, hp, f"/api/v1/people/{pid}/contact-points", {"kind": "mobile", "value": "+79215550011", "consent": consent})
    await post(stack, ho, f"/api/v1/people/{other}/contact-points", {"kind": "work_email", "value": "otkrytov@verf.ru"})
    needles = [f for value in ("sekretov.s@mail.ru", "79215550011") for f in forms(value)]
    assert await plaintext_in_tables(stack.database_url, needles) == []
    erased = await stack.http.post(f"/api/v1/members/{pid}/erasure", json={"basis": "заявление"}, headers=h)
    assert erased.status_code == 202
    positions = json.loads(erased.headers["Profset-Positions"])

    async def all_erased() -> bool:
        points = await as_service(stack, nc, "usable_addresses", {"person_id": pid})
        listed = await get(stack, {**h, "Profset-Min-Positions": json.dumps(positions)}, f"/api/v1/people/{pid}/contact-points")
        return points == [] and all(c["erased"] and c["value"] is None for c in listed)

    await eventually(all_erased)
    assert [a["value"] for a in await as_service(stack, nc, "usable_addresses", {"person_id": other})] == ["otkrytov@verf.ru"]
    both = await as_service(stack, nc, "usable_addresses_of", {"person_ids": [pid, other]})
    assert [(a["person_id"], a["value"]) for a in both] == [(other, "otkrytov@verf.ru")], "the erased give nothing"
    assert await plaintext_in_tables(stack.database_url, needles) == []
    assert (await plaintext_on_streams(nc, needles))[0] == [], "no stream, dead letters included"
    refused = await stack.http.post(
        f"/api/v1/people/{pid}/contact-points", json={"kind": "work_email", "value": "a@b.ru"}, headers=h
    )
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["rule"] == "PD1"
