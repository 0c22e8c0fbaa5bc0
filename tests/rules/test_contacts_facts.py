"""RULES.md's duties that contacts records, read at their boundaries through the public API against real NATS and
PostgreSQL: print runs (P2), information meetings (P7), access to an org's channels (P10, T7) and the contact base a
territorial org sends the CC's department (T7)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from profset_testing import Stack
from profset_testing.api import get, person, post, register, union


def today(stack: Stack) -> date:
    """The union's day, not UTC's."""
    return stack.today()


async def refusal(stack: Stack, h: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await stack.http.post(path, json=body, headers=h)
    assert reply.status_code == 422, reply.text
    return dict(reply.json()["error"]["details"][0])


async def user(stack: Stack, h: dict[str, str], username: str, role: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": "long-enough-pw", "role": role, "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, "long-enough-pw")


async def test_print_runs_and_meetings_are_recorded_up_to_today_and_listed_by_year(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    day, tomorrow = today(stack), today(stack) + timedelta(days=1)
    runs, meetings = f"/api/v1/orgs/{p['id']}/print-runs", f"/api/v1/orgs/{p['id']}/meetings"
    leaflet = {"kind": "leaflet", "title": "Итоги колдоговорной кампании", "copies": 50}
    printed = await post(stack, h, runs, leaflet)
    assert printed["on"] == day.isoformat(), "dated today unless told"
    # a run naming a material needs one the org had (tests/api/test_print_run_material.py): this one names none
    await post(stack, h, runs, {**leaflet, "kind": "newspaper", "copies": 1, "on": "2024-05-20"})
    gathered = {"topic": "Индексация зарплаты", "attendees": 120, "chair_spoke": True, "elected_body_spoke": True}
    await post(stack, h, meetings, {**gathered, "on": day.isoformat()})

    for path, body in ((runs, leaflet), (meetings, gathered)):
        late = await refusal(stack, h, path, {**body, "on": tomorrow.isoformat()})
        assert (late["field"], late["rule"]) == ("on", "not_after_today"), "tomorrow has not happened yet"
        before = await refusal(stack, h, path, {**body, "on": "1990-01-01"})
        assert (before["field"], before["rule"]) == ("org_id", "H1"), "the org did not exist yet"
    assert (await refusal(stack, h, runs, {**leaflet, "copies": 0}))["field"] == "copies"

    this_year = await get(stack, h, runs)
    assert [(r["kind"], r["copies"], r["on"]) for r in this_year] == [("leaflet", 50, day.isoformat())]
    [old] = await get(stack, h, runs, year=2024)
    assert (old["kind"], old.get("material_id"), old["title"]) == ("newspaper", None, leaflet["title"])
    assert await get(stack, h, runs, year=2024, known_on="2020-01-01") == [], "not known then"
    [held] = await get(stack, h, meetings, year=day.year)
    assert (held["attendees"], held["chair_spoke"], held["elected_body_spoke"]) == (120, True, True)
    assert await get(stack, h, meetings, year=2024) == []

    viewer = await user(stack, h, "viewer.t", "viewer", t["id"])
    assert len(await get(stack, viewer, runs)) == 1, "a viewer above the org reads"
    assert (await stack.http.post(runs, json=leaflet, headers=viewer)).status_code == 403, "but records nothing"
    other = await register(stack, h, name="Другая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    outsider = await user(stack, h, "staff.other", "staff", other["id"])
    assert (await stack.http.get(meetings, headers=outsider)).status_code == 403


async def test_a_channel_is_opened_to_the_parent_today_or_to_the_cc_and_no_one_else(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    sibling = await register(stack, h, name="Соседняя ППО", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    other = await register(stack, h, name="Другая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    body = {"kind": "mailing_list", "name": "Рассылка активу", "audience": "activists", "since": "2020-01-01"}
    mailing = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", body)
    access = f"/api/v1/channels/{mailing['id']}/access"

    first = await stack.http.post(
        access, json={"to_org_id": t["id"], "since": "2025-01-15"}, headers={**h, "Idempotency-Key": "g1"}
    )
    assert first.status_code == 201, first.text
    again = await stack.http.post(
        access, json={"to_org_id": t["id"], "since": "2025-01-15"}, headers={**h, "Idempotency-Key": "g1"}
    )
    assert (again.status_code, again.json()) == (201, first.json()), "a retry answers the first reply"
    twice = await refusal(stack, h, access, {"to_org_id": t["id"]})
    assert (twice["field"], twice["rule"]) == ("to_org_id", "changed"), "one grant while it stands"
    await post(stack, h, access, {"to_org_id": cc["id"]})
    for stranger in (sibling, other, p):
        wrong = await refusal(stack, h, access, {"to_org_id": stranger["id"]})
        assert (wrong["field"], wrong["rule"]) == ("to_org_id", "P10")

    territorial = await post(stack, h, f"/api/v1/orgs/{t['id']}/channels", {"kind": "chat", "name": "Чат председателей"})
    await post(stack, h, f"/api/v1/channels/{territorial['id']}/access", {"to_org_id": cc["id"]})
    down = await refusal(stack, h, f"/api/v1/channels/{territorial['id']}/access", {"to_org_id": p["id"]})
    assert (down["field"], down["rule"]) == ("to_org_id", "T7")

    board = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "notice_board", "name": "Стенд"})
    chat = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "chat", "name": "Чат", "since": "2020-01-01"})
    closed = await stack.http.post(f"/api/v1/channels/{chat['id']}/closure", json={"effective_on": "2021-01-01"}, headers=h)
    assert closed.status_code == 200, closed.text
    for channel in (board, chat):
        wrong = await refusal(stack, h, f"/api/v1/channels/{channel['id']}/access", {"to_org_id": t["id"]})
        assert (wrong["field"], wrong["rule"]) == ("channel_id", "P10"), "a running mailing list or chat only"

    ended = await stack.http.post(
        f"/api/v1/channels/{mailing['id']}/access-revocation",
        json={"to_org_id": t["id"], "effective_on": "2026-01-01"},
        headers=h,
    )
    assert ended.status_code == 200, ended.text
    listed = await get(stack, h, access, as_of="2025-12-31")
    assert [(g["to_org_id"], g["since"], g["until"], g["in_force"]) for g in listed] == [
        (t["id"], "2025-01-15", "2026-01-01", True),
        (cc["id"], today(stack).isoformat(), None, False),
    ]
    assert [g["in_force"] for g in await get(stack, h, access)] == [False, True]
    assert [g["until"] for g in await get(stack, h, access, known_on="2020-01-01")] == [], "nothing was known then"
    held = await get(stack, h, f"/api/v1/orgs/{t['id']}/channel-access")
    assert {(g["channel_id"], g["org_id"], g["to_org_id"]) for g in held} == {
        (mailing["id"], p["id"], t["id"]),  # held on its primary org's channel
        (territorial["id"], t["id"], cc["id"]),  # given on its own
    }
    viewer = await user(stack, h, "viewer.p", "viewer", p["id"])
    assert len(await get(stack, viewer, access)) == 2, "a viewer of the org reads its grants"
    refused = await stack.http.post(access, json={"to_org_id": t["id"]}, headers=viewer)
    assert refused.status_code == 403, "but gives none"


async def test_after_a_move_the_new_parent_is_given_access_not_the_old_one(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    other = await register(stack, h, name="Другая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    moved = await stack.http.patch(
        f"/api/v1/orgs/{p['id']}", json={"parent_id": other["id"], "effective_on": today(stack).isoformat()}, headers=h
    )
    assert moved.status_code == 200, moved.text
    chat = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "chat", "name": "Чат актива", "since": "2020-01-01"})
    old = await refusal(stack, h, f"/api/v1/channels/{chat['id']}/access", {"to_org_id": t["id"], "since": "2024-01-01"})
    assert (old["field"], old["rule"]) == ("to_org_id", "P10"), "the parent today, whatever day the grant is from"
    await post(stack, h, f"/api/v1/channels/{chat['id']}/access", {"to_org_id": other["id"], "since": "2024-01-01"})


async def test_a_grant_to_the_old_parent_stops_counting_after_a_move(stack: Stack) -> None:
    """P10 gives access to *the parent*: after a move the former parent's grant is shown, no longer in force."""
    h, cc, t, p = await union(stack)
    other = await register(stack, h, name="Другая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    chat = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", {"kind": "chat", "name": "Чат актива", "since": "2020-01-01"})
    await post(stack, h, f"/api/v1/channels/{chat['id']}/access", {"to_org_id": t["id"], "since": "2024-01-01"})
    day = today(stack)
    moved = await stack.http.patch(
        f"/api/v1/orgs/{p['id']}", json={"parent_id": other["id"], "effective_on": day.isoformat()}, headers=h
    )
    assert moved.status_code == 200, moved.text
    access = f"/api/v1/channels/{chat['id']}/access"
    assert [(g["to_is"], g["in_force"]) for g in await get(stack, h, access)] == [("neither", False)]
    before = await get(stack, h, access, as_of=(day - timedelta(days=1)).isoformat())
    assert [(g["to_is"], g["in_force"]) for g in before] == [("parent", True)], "the day before the move it counted"


async def test_a_territorial_submission_holds_its_primaries_chairs_and_activists_with_consent_at_reading(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    second = await register(stack, h, name="ППО завода", level="primary", parent_id=t["id"], registered_on="2000-01-01")
    gone = await register(stack, h, name="Ушедшая ППО", level="primary", parent_id=t["id"], registered_on="2000-01-01")
    other = await register(stack, h, name="Другая", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    consent = {"given_at": "2026-01-01", "method": "written"}
    holders: dict[str, str] = {}
    for org, name, role, point in (
        (t, "Председатель Тер", "chair", {"kind": "work_email", "value": "chair@ter.ru"}),
        (p, "Председатель Верфи", "chair", {"kind": "work_email", "value": "chair@verf.ru"}),
        (p, "Активистка Верфи", "info_activist", {"kind": "personal_email", "value": "anna@mail.ru"}),  # no consent
        (second, "Председатель Завода", "chair", {"kind": "mobile", "value": "+79110000001", "consent": consent}),
        (second, "Пресс-секретарь Завода", "press_secretary", {"kind": "work_email", "value": "press@zavod.ru"}),
        (gone, "Председатель Ушедшей", "chair", {"kind": "work_email", "value": "chair@gone.ru"}),
    ):
        pid, hp = await person(stack, h, org["id"], name, role=role)
        holders[pid] = org["id"]
        await post(stack, hp, f"/api/v1/people/{pid}/contact-points", point)
    yesterday = (today(stack) - timedelta(days=1)).isoformat()
    moved = await stack.http.patch(
        f"/api/v1/orgs/{gone['id']}", json={"parent_id": other["id"], "effective_on": yesterday}, headers=h
    )
    assert moved.status_code == 200, moved.text
    own = await post(stack, h, f"/api/v1/orgs/{p['id']}/contact-base/submissions", {})
    assert own["entries"] == 2, "P10: a primary org's own base is unchanged"

    submitted = await post(stack, h, f"/api/v1/orgs/{t['id']}/contact-base/submissions", {})
    assert (submitted["parent_id"], submitted["entries"]) == (cc["id"], 5), "its own and its two primary orgs' lines"
    cc_staff = await user(stack, h, "staff.cc", "staff", cc["id"])
    frozen = await get(stack, cc_staff, f"/api/v1/contact-base/submissions/{submitted['id']}")
    assert [(e["org_id"], e["role"], e["kind"], e["value"]) for e in frozen["entries"]][:1] == [
        (t["id"], "chair", "work_email", "chair@ter.ru")
    ], "the territorial org's own lines first"
    assert {(e["org_id"], e["role"], e["kind"], e["value"]) for e in frozen["entries"]} == {
        (t["id"], "chair", "work_email", "chair@ter.ru"),
        (p["id"], "chair", "work_email", "chair@verf.ru"),
        (p["id"], "info_activist", "personal_email", None),  # a personal address without consent is never shown
        (second["id"], "chair", "mobile", "+79110000001"),
        (second["id"], "press_secretary", "work_email", "press@zavod.ru"),
    }, "the primary org moved away before the date is not in it"
    assert {holders[e["person_id"]] for e in frozen["entries"]} == {t["id"], p["id"], second["id"]}
    export = await stack.http.get(f"/api/v1/contact-base/submissions/{submitted['id']}/export.csv", headers=cc_staff)
    assert export.status_code == 200 and "anna@mail.ru" not in export.text and f",{second['id']}" in export.text

    mobile = next(e for e in frozen["entries"] if e["kind"] == "mobile")
    withdrawn = await stack.http.post(f"/api/v1/contact-points/{mobile['id']}/consent-withdrawal", json={}, headers=h)
    assert withdrawn.status_code == 200, withdrawn.text
    again = await get(stack, cc_staff, f"/api/v1/contact-base/submissions/{submitted['id']}")
    assert next(e for e in again["entries"] if e["kind"] == "mobile")["value"] is None, "consent is honoured at reading"


async def test_an_orgs_channel_access_answers_for_the_days_it_existed(stack: Stack) -> None:
    """DESIGN §3: an org exists from its registration until its dissolution; before and after it answers 404."""
    h, _cc, _t, p = await union(stack)
    day = today(stack)
    gone = await stack.http.post(
        f"/api/v1/orgs/{p['id']}/dissolution", json={"effective_on": day.isoformat(), "reason": "ликвидация"}, headers=h
    )
    assert gone.status_code == 202, gone.text
    path = f"/api/v1/orgs/{p['id']}/channel-access"
    assert (await stack.http.get(path, params={"as_of": (day - timedelta(days=1)).isoformat()}, headers=h)).status_code == 200
    assert (await stack.http.get(path, headers=h)).status_code == 404, "dissolved today"
    assert (await stack.http.get(path, params={"as_of": "1900-01-01"}, headers=h)).status_code == 404, "not yet registered"
