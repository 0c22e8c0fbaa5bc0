"""The rule catalogue through the public API: each rule at and around its thresholds, on a date (C1, T1, P1–P11, M1)."""

from __future__ import annotations

from profset_testing import Stack
from profset_testing.api import post, register
from profset_testing.compliance import channel, primary, status, union, verdicts


async def test_social_pages_and_websites_are_required_strictly_above_their_sizes(stack: Stack) -> None:
    h, _, t = await union(stack)
    p500, p501, p5000, p5001, unreported = [await primary(stack, h, t, m) for m in (500, 501, 5000, 5001, None)]
    p553 = await primary(stack, h, t, 553)
    await channel(stack, h, p553, "social_page", audience="public")

    assert await status(stack, h, p500, "P4") == "not_applicable"
    found = (await verdicts(stack, h, p501))["P4"]
    assert found["status"] == "breached" and found["detail"] == "501 members > 500: social page required, none registered"
    assert "501 член" in found["detail_ru"]
    assert await status(stack, h, p553, "P4") == "met"
    assert await status(stack, h, p5000, "P5") == "not_applicable" and await status(stack, h, p5001, "P5") == "breached"
    assert await status(stack, h, unreported, "P4") == "unknown" and await status(stack, h, unreported, "P5") == "unknown"
    assert set(await verdicts(stack, h, p500)) == {"P1", "P2", "P3", "P4", "P5", "P7", "P8", "P10", "P11", "M1", "M2"}
    catalogue = (await stack.http.get("/api/v1/rules", headers=h)).json()
    assert {r["rule"]: r["norm"] for r in catalogue}["M1"] is True and len(catalogue) == 21


async def test_a_territorial_org_counts_the_members_of_its_primary_orgs(stack: Stack) -> None:
    h, cc, _ = await union(stack)
    sizes = {
        "1000": (600, 400),
        "1001": (600, 401),
        "known 1200, one unreported": (1200, None),
        "900, one unreported": (900, None),
    }
    territorial = {}
    for name, members in sizes.items():
        org = await register(stack, h, name=name, level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
        for m in members:
            await primary(stack, h, org, m)
        territorial[name] = org["id"]
    assert await status(stack, h, territorial["1000"], "T5") == "not_applicable"
    t1001 = (await verdicts(stack, h, territorial["1001"]))["T5"]
    assert t1001["status"] == "breached" and t1001["detail"].startswith("1001 members > 1000")
    assert await status(stack, h, territorial["known 1200, one unreported"], "T5") == "breached", "the known sum decides"
    unknown = (await verdicts(stack, h, territorial["900, one unreported"]))["T5"]
    assert unknown["status"] == "unknown" and "1 primary orgs never reported" in unknown["detail"]
    assert set(await verdicts(stack, h, territorial["1000"])) == {"T1", "T3", "T4", "T5", "T6", "T7", "T8", "M1", "M2"}
    assert set(await verdicts(stack, h, cc["id"])) == {"C1", "C2", "C3", "M2"}


async def test_solidarnost_copies_count_per_hundred_members(stack: Stack) -> None:
    h, _, t = await union(stack)
    cases = [(99, 1, "met"), (100, 1, "met"), (101, 1, "breached"), (250, 2, "breached"), (250, 3, "met"), (None, 1, "unknown")]
    for members, copies, expected in cases:
        org = await primary(stack, h, t, members)
        await post(stack, h, f"/api/v1/orgs/{org}/subscriptions", {"publication": "solidarnost", "copies": copies, "year": 2026})
        assert await status(stack, h, org, "P11") == expected, (members, copies)
    none = await primary(stack, h, t, 50)
    assert await status(stack, h, none, "P11") == "breached"
    assert await status(stack, h, none, "P11", as_of="2027-01-10") == "breached", "subscriptions count per calendar year"


async def test_information_spending_is_five_percent_as_a_rule(stack: Stack) -> None:
    h, _, t = await union(stack)
    below, at, missing = [await primary(stack, h, t, 300) for _ in range(3)]
    reply = await stack.http.put(
        f"/api/v1/orgs/{below}/budgets/2026", json={"total": "100000.00", "information": "4999.00"}, headers=h
    )
    assert reply.status_code == 200, reply.text
    await stack.http.put(f"/api/v1/orgs/{at}/budgets/2026", json={"total": "100000.00", "information": "5000.00"}, headers=h)
    low = (await verdicts(stack, h, below))["M1"]
    assert low["status"] == "breached" and low["norm"] is True and "4.99 %" in low["detail"] and "as a rule" in low["detail"]
    assert await status(stack, h, at, "M1") == "met"
    assert await status(stack, h, missing, "M1") == "breached"
    assert await status(stack, h, at, "M1", as_of="2025-06-15") == "breached", "budgets are kept per calendar year"


async def test_weekly_refreshes_and_yearly_submissions_count_days_before_the_date(stack: Stack) -> None:
    h, _, t = await union(stack)
    fresh, stale, recent_sub, old_sub, young = [await primary(stack, h, t, 100) for _ in range(4)] + [
        await primary(stack, h, t, 100, registered_on="2025-11-27")
    ]
    for org, at in ((fresh, "2026-06-08"), (stale, "2026-06-07")):
        board = await channel(stack, h, org, "notice_board")
        await post(stack, h, f"/api/v1/channels/{board}/updates", {"at": at})
        await post(stack, h, f"/api/v1/channels/{board}/updates", {"at": "2026-06-20"})  # after the date: does not count
    assert await status(stack, h, fresh, "P1") == "met", "refreshed 7 days before"
    stale_p1 = (await verdicts(stack, h, stale))["P1"]
    assert stale_p1["status"] == "breached" and "8 days" in stale_p1["detail"]
    assert await status(stack, h, recent_sub, "P1") == "breached", "no notice board at all"

    await post(stack, h, f"/api/v1/orgs/{recent_sub}/contact-base/submissions", {"at": "2025-06-16"})  # 364 days before
    await post(stack, h, f"/api/v1/orgs/{old_sub}/contact-base/submissions", {"at": "2025-06-14"})  # 366 days before
    no_access = (await verdicts(stack, h, recent_sub))["P10"]
    assert no_access["status"] == "breached" and "no access" in no_access["detail"], "P10: the parent must be given access"
    chat = await channel(stack, h, recent_sub, "chat", audience="activists")
    await post(stack, h, f"/api/v1/channels/{chat}/access", {"to_org_id": t["id"], "since": "2025-06-16"})
    assert await status(stack, h, recent_sub, "P10") == "met"
    assert await status(stack, h, old_sub, "P10") == "breached"
    assert await status(stack, h, fresh, "P10") == "breached", "never submitted"
    young_p10 = (await verdicts(stack, h, young))["P10"]
    assert young_p10["status"] == "not_applicable" and "200 days" in young_p10["detail"]


async def test_a_past_date_answers_the_past_verdict(stack: Stack) -> None:
    h, _, t = await union(stack)
    org = await primary(stack, h, t, 400)
    await post(stack, h, f"/api/v1/orgs/{org}/headcount", {"members": 650, "as_of": "2026-03-01"})
    assert await status(stack, h, org, "P4", as_of="2026-02-28") == "not_applicable"
    assert await status(stack, h, org, "P4") == "breached"
    page = await channel(stack, h, org, "social_page", since="2026-05-01")
    assert await status(stack, h, org, "P4") == "met"
    assert await status(stack, h, org, "P4", as_of="2026-04-30") == "breached", "the page did not exist yet"
    await stack.http.post(f"/api/v1/channels/{page}/closure", json={"effective_on": "2026-06-01"}, headers=h)
    assert await status(stack, h, org, "P4") == "breached" and await status(stack, h, org, "P4", as_of="2026-05-31") == "met"
    assert (await stack.http.get(f"/api/v1/orgs/{org}/compliance", params={"as_of": "1990-01-01"}, headers=h)).status_code == 404


async def test_people_plans_and_channels_with_activists(stack: Stack) -> None:
    h, _, t = await union(stack)
    org = await primary(stack, h, t, 120)
    assert await status(stack, h, org, "M2") == "breached" and await status(stack, h, org, "P8") == "breached"
    body = {"full_name": "Петрова Анна", "role": "info_activist", "since": "2026-01-10"}
    await post(stack, h, f"/api/v1/orgs/{org}/officers", body)
    assert await status(stack, h, org, "M2") == "met"
    no_plan = (await verdicts(stack, h, org))["P8"]
    assert no_plan["status"] == "breached" and "2026-Q2" in no_plan["detail"]
    plan = {"items": ["Обновлять стенд еженедельно", "Рассылка о зарплате"], "submitted_on": "2026-03-25"}
    assert (await stack.http.put(f"/api/v1/orgs/{org}/plans/2026-Q1", json=plan, headers=h)).status_code == 200
    assert (await stack.http.put(f"/api/v1/orgs/{org}/plans/2026-Q2", json=plan, headers=h)).status_code == 200
    assert (await verdicts(stack, h, org))["P8"]["detail"] == "the previous quarter's plan has no report"
    await post(stack, h, f"/api/v1/orgs/{org}/plans/2026-Q1/report", {"summary": "Сделано", "reported_on": "2026-04-05"})
    assert await status(stack, h, org, "P8") == "met"
    listed = (await stack.http.get(f"/api/v1/orgs/{org}/plans", headers=h)).json()
    assert [(p["quarter"], p["reported_on"]) for p in listed] == [("2026-Q2", None), ("2026-Q1", "2026-04-05")], (
        "one line a quarter, as its latest event left it"
    )
    refused = await stack.http.post(f"/api/v1/orgs/{org}/plans/2025-Q4/report", json={"summary": "x"}, headers=h)
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["rule"] == "P8"
    other = await primary(stack, h, t, 10)
    missing = (await stack.http.get(f"/api/v1/orgs/{t['id']}/plans-missing/2026-Q2", headers=h)).json()
    assert [m["org_id"] for m in missing] == [other]

    assert await status(stack, h, t["id"], "T8") == "breached"
    worker = await post(
        stack, h, f"/api/v1/orgs/{t['id']}/officers", {"full_name": "Сидоров", "role": "info_worker", "since": "2020-01-01"}
    )
    assert (await verdicts(stack, h, t["id"]))["T8"]["detail"] == "a person is designated but has no training recorded"
    trained = {"on": "2024-11-15", "course": "Школа информработника"}
    await post(stack, h, f"/api/v1/officers/{worker['id']}/trainings", trained)
    assert (
        await status(stack, h, t["id"], "T8") == "met" and await status(stack, h, t["id"], "T8", as_of="2024-11-14") == "breached"
    )

    await channel(stack, h, t["id"], "mailing_list", audience="chairs")
    t4 = (await verdicts(stack, h, t["id"]))["T4"]
    assert t4["status"] == "breached" and t4["detail"] == "required, not running: a mailing list to activists, a chat of chairs"
    await channel(stack, h, t["id"], "chat", audience="activists")
    assert await status(stack, h, t["id"], "T4") == "breached", "T4: a chat of activists is not a chat of chairs"
    await channel(stack, h, t["id"], "mailing_list", audience="activists")
    await channel(stack, h, t["id"], "chat", audience="chairs")
    assert await status(stack, h, t["id"], "T4") == "met"
    await channel(stack, h, org, "mailing_list")
    assert await status(stack, h, org, "P3") == "breached"
    await channel(stack, h, org, "chat")
    assert await status(stack, h, org, "P3") == "met"
