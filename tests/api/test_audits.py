"""Yearly audits through the public API: plans, overdue children (T1, C1), checklist, findings, remediation, contests."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack
from profset_testing.api import post
from profset_testing.compliance import DAY, channel, primary, status, union, verdicts

PASSWORD = "a long password"


async def user(stack: Stack, h: dict[str, str], username: str, role: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": role, "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, PASSWORD)


async def audit_step(stack: Stack, h: dict[str, str], path: str, body: dict[str, Any], code: int = 200) -> dict[str, Any]:
    reply = await stack.http.post(path, json=body, headers=h)
    assert reply.status_code == code, reply.text
    return dict(reply.json())


async def test_an_audit_runs_its_course_and_the_parent_meets_t1_once_every_child_is_checked(stack: Stack) -> None:
    h, _, t = await union(stack)
    first, second = await primary(stack, h, t, 300), await primary(stack, h, t, 700)
    young = await primary(stack, h, t, 50, registered_on="2025-11-27")
    await post(
        stack, h, f"/api/v1/orgs/{first}/officers", {"full_name": "Петрова", "role": "info_activist", "since": "2020-01-01"}
    )
    await channel(stack, h, first, "mailing_list")
    await channel(stack, h, first, "chat")
    t1 = (await verdicts(stack, h, t["id"]))["T1"]
    unchecked = "ППО 300; ППО 700"  # by name, in the order of their ids (first registered first)
    assert (
        t1["status"] == "breached"
        and t1["detail"] == f"2 of 2 primary orgs not audited in the 365 days before {DAY}: {unchecked}"
    )
    auditor = await user(stack, h, "auditor.t", "auditor", t["id"])

    planned = await audit_step(stack, auditor, f"/api/v1/orgs/{first}/audits", {"planned_on": "2026-05-10"}, 201)
    assert planned["by_org_id"] == t["id"] and planned["status"] == "scheduled"
    audit = f"/api/v1/audits/{planned['id']}"
    started = await audit_step(stack, auditor, f"{audit}/start", {"started_on": "2026-05-12"})
    checklist = {i["rule"]: i["status"] for i in started["checklist"]}
    assert checklist["P4"] == "not_applicable" and checklist["P1"] == "breached" and checklist["P3"] == "met"
    assert checklist["M2"] == "met" and len(checklist) == 11
    with_finding = await audit_step(
        stack, auditor, f"{audit}/findings", {"rule": "P1", "severity": "major", "note": "Стенд пуст"}, 201
    )
    finding = with_finding["findings"][0]["id"]
    item = {"action": "Оформить стенд", "owner_role": "chair", "due_on": "2026-06-01", "finding_id": finding}
    await audit_step(stack, auditor, f"{audit}/remediation", item, 201)
    bad_rule = await stack.http.post(f"{audit}/findings", json={"rule": "Z9", "severity": "minor", "note": "x"}, headers=auditor)
    assert bad_rule.status_code == 422 and bad_rule.json()["error"]["details"][0]["field"] == "rule"
    done = await audit_step(stack, auditor, f"{audit}/completion", {"completed_on": "2026-05-14"})
    decided = [s for s in checklist.values() if s in ("met", "breached")]
    assert done["status"] == "completed" and done["score"] == 100 * decided.count("met") // len(decided) - 5

    t1 = (await verdicts(stack, h, t["id"]))["T1"]
    assert t1["detail"] == f"1 of 2 primary orgs not audited in the 365 days before {DAY}: ППО 700", "names the one left"
    assert await status(stack, h, t["id"], "T1", as_of="2027-05-14") == "breached", (
        "the audit of the first is now 365 days old, the second never"
    )
    plan = (await stack.http.get(f"/api/v1/orgs/{t['id']}/audit-plan", params={"as_of": DAY}, headers=auditor)).json()
    assert [o["org_id"] for o in plan["overdue"]] == [second] and [a["id"] for a in plan["planned"]] == [planned["id"]]
    assert young not in [o["org_id"] for o in plan["overdue"]], "registered 200 days before: not yet due"

    overdue = (
        await stack.http.get(f"/api/v1/orgs/{t['id']}/remediation", params={"overdue": "true", "as_of": DAY}, headers=auditor)
    ).json()
    assert [(i["action"], i["overdue"]) for i in overdue] == [("Оформить стенд", True)]
    await audit_step(stack, auditor, f"{audit}/remediation/{overdue[0]['id']}/closure", {"closed_on": "2026-06-10"})
    assert (await stack.http.get(f"/api/v1/orgs/{t['id']}/remediation", params={"overdue": "true"}, headers=auditor)).json() == []

    other = await audit_step(stack, auditor, f"/api/v1/orgs/{second}/audits", {"planned_on": "2026-06-01"}, 201)
    await audit_step(stack, auditor, f"/api/v1/audits/{other['id']}/start", {"started_on": "2026-06-01"})
    await audit_step(stack, auditor, f"/api/v1/audits/{other['id']}/completion", {"completed_on": "2026-06-02", "score": 95})
    assert await status(stack, h, t["id"], "T1") == "met"
    assert await status(stack, h, t["id"], "T1", as_of="2026-06-01") == "breached", "a past date: the second was not yet audited"

    ranking = (await stack.http.get(f"/api/v1/orgs/{t['id']}/contests/2026", headers=auditor)).json()["ranking"]
    assert [r["org_id"] for r in ranking][:2] == [second, first] and ranking[0]["audit_score"] == 95


async def test_who_may_audit_whom(stack: Stack) -> None:
    h, cc, t = await union(stack)
    org = await primary(stack, h, t, 300)
    south = await post(
        stack, h, "/api/v1/orgs", {"name": "Южная", "level": "territorial", "parent_id": cc["id"], "registered_on": "1991-01-01"}
    )
    await status(stack, h, org, "P4")  # the audits service has caught up with the tree
    staff = await user(stack, h, "staff.t", "staff", t["id"])
    viewer = await user(stack, h, "viewer.t", "viewer", t["id"])
    stranger = await user(stack, h, "auditor.south", "auditor", south["id"])
    central = await user(stack, h, "auditor.cc", "auditor", cc["id"])
    body = {"planned_on": "2026-05-10"}
    for who in (staff, viewer, stranger):
        assert (await stack.http.post(f"/api/v1/orgs/{org}/audits", json=body, headers=who)).status_code == 403
    by_south = await stack.http.post(f"/api/v1/orgs/{org}/audits", json={**body, "by_org_id": south["id"]}, headers=h)
    assert by_south.status_code == 422 and by_south.json()["error"]["details"][0]["rule"] == "T1"
    by_cc = await audit_step(stack, central, f"/api/v1/orgs/{org}/audits", {**body, "by_org_id": cc["id"]}, 201)
    assert by_cc["by_org_id"] == cc["id"], "the CC checks any structural org (C1)"
    assert (await stack.http.get(f"/api/v1/audits/{by_cc['id']}", headers=stranger)).status_code == 403
    assert (await stack.http.get(f"/api/v1/orgs/{org}/compliance", headers=viewer)).status_code == 200
    assert (await stack.http.get(f"/api/v1/orgs/{org}/compliance", headers=stranger)).status_code == 403

    c1 = (await verdicts(stack, h, cc["id"]))["C1"]
    assert c1["status"] == "breached" and "3 of 3 structural orgs not audited" in c1["detail"], "at any depth"
    summary = (await stack.http.get(f"/api/v1/orgs/{cc['id']}/compliance/summary", params={"as_of": DAY}, headers=h)).json()
    assert summary["orgs"] == 4 and summary["rules"]["P4"]["not_applicable"] == 1 and summary["rules"]["M2"]["breached"] == 4
    assert summary["rules"]["T1"]["breaching"] == [t["id"]] and summary["rules"]["T1"]["not_applicable"] == 1, "no primary orgs"


async def test_the_notice_board_contest_ranks_by_weeks_refreshed(stack: Stack) -> None:
    h, _, t = await union(stack)
    steady, rare = await primary(stack, h, t, 100), await primary(stack, h, t, 100)
    for org, days in ((steady, ("2026-04-02", "2026-04-09", "2026-04-16")), (rare, ("2026-04-03",))):
        board = await channel(stack, h, org, "notice_board")
        for at in days:
            await post(stack, h, f"/api/v1/channels/{board}/updates", {"at": at})
    await status(stack, h, rare, "P1")
    reply = await stack.http.get(f"/api/v1/orgs/{t['id']}/contests/2026-Q2", params={"category": "notice_boards"}, headers=h)
    ranking = reply.json()["ranking"]
    assert [(r["org_id"], r["weeks_refreshed"], r["weeks"]) for r in ranking] == [(steady, 3, 13), (rare, 1, 13)]
