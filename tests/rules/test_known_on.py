"""`known_on` in compliance and the KPI through the public API, against the running services (DESIGN.md §3: queries take
`as_of`, a valid date, and optionally `known_on`, a recording date — "what did we know then"; §5: a date only chooses
facts, never who may act). Each case is written from that text: a fact counts from the day it was recorded, a change
recorded later is as if not made, a restatement recorded later does not replace what was known, and access is decided
on today's tree whatever `known_on` says.

Recording days are made to differ inside one run by moving everything audits and kpi have learnt so far some days back
in recording time (`back_in_time`), as if it had been recorded then; what is written afterwards is recorded today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql

from profset_testing import Stack
from profset_testing.api import admin, post, register

AS_OF = "2024-06-01"
"""The valid date asked about; every fact below is valid on it, only their recording days differ."""
PASSWORD = "a long password"

RECORDING_TIMES = """
SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema IN ('audits', 'kpi') AND t.table_type = 'BASE TABLE'
  AND c.data_type = 'timestamp with time zone' AND c.column_name LIKE '%recorded_at'
  AND c.table_name NOT IN ('events', 'commands', 'pending')
"""


async def back_in_time(stack: Stack, h: dict[str, str], org_id: str, days: int) -> None:
    """Moves every recording time audits and kpi keep `days` days back, once they have seen every write so far."""
    # the same user's next reads wait until each service has applied what the user wrote (read-your-writes)
    assert (await stack.http.get(f"/api/v1/orgs/{org_id}/compliance/summary", headers=h)).status_code == 200
    assert (await stack.http.get(f"/api/v1/orgs/{org_id}/kpi/2024", headers=h)).status_code == 200
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn:
        for schema, table, column in await (await conn.execute(RECORDING_TIMES)).fetchall():
            moved = sql.SQL("UPDATE {}.{} SET {c} = {c} - make_interval(days => %s)").format(
                sql.Identifier(schema), sql.Identifier(table), c=sql.Identifier(column)
            )
            await conn.execute(moved, (days,))
        for schema in ("audits", "kpi"):
            # a new state of the read models, so no answer computed before the move is served from a read cache
            await conn.execute(sql.SQL("UPDATE {}.checkpoints SET updated_at = now()").format(sql.Identifier(schema)))


async def today(stack: Stack, h: dict[str, str], org_id: str) -> date:
    """The union's today (its time zone's), as the registry answers it."""
    return date.fromisoformat((await stack.http.get(f"/api/v1/orgs/{org_id}", headers=h)).json()["as_of"])


async def verdicts(stack: Stack, h: dict[str, str], org_id: str, known_on: date | None = None) -> dict[str, str]:
    params = {"as_of": AS_OF} | ({"known_on": known_on.isoformat()} if known_on else {})
    reply = await stack.http.get(f"/api/v1/orgs/{org_id}/compliance", params=params, headers=h)
    assert reply.status_code == 200, reply.text
    return {v["rule"]: v["status"] for v in reply.json()}


async def world(stack: Stack) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The admin's headers, a CC, a territorial org and a primary org under it (registered long ago)."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    t = await register(stack, h, name="Северо-Западная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    p = await register(stack, h, name="ППО верфи", level="primary", parent_id=t["id"], registered_on="1995-03-01")
    return h, cc, t, p


async def user(stack: Stack, h: dict[str, str], username: str, role: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": role, "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, PASSWORD)


async def test_a_headcount_counts_from_the_day_it_was_recorded(stack: Stack) -> None:
    h, cc, t, p = await world(stack)
    await back_in_time(stack, h, cc["id"], 10)
    await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": 600, "as_of": "2024-01-01"})
    await back_in_time(stack, h, cc["id"], 5)
    now = await today(stack, h, cc["id"])
    reported = now - timedelta(days=5)  # R1: the day the headcount was recorded

    assert (await verdicts(stack, h, p["id"], reported - timedelta(days=1)))["P4"] == "unknown", "no headcount known yet"
    assert (await verdicts(stack, h, p["id"], reported))["P4"] == "breached", "600 > 500 and no social page"
    assert (await verdicts(stack, h, p["id"]))["P4"] == "breached"
    summary = f"/api/v1/orgs/{t['id']}/compliance/summary"
    before = (
        await stack.http.get(summary, params={"as_of": AS_OF, "known_on": str(reported - timedelta(days=1))}, headers=h)
    ).json()
    after = (await stack.http.get(summary, params={"as_of": AS_OF, "known_on": str(reported)}, headers=h)).json()
    assert (before["rules"]["P4"]["unknown"], after["rules"]["P4"]["breaching"]) == (1, [p["id"]])
    unknown = await stack.http.get(
        f"/api/v1/orgs/{p['id']}/compliance", params={"known_on": str(now - timedelta(days=16))}, headers=h
    )
    assert unknown.status_code == 404, "the org itself was not recorded yet"


async def test_a_channel_closed_later_still_runs_as_known_before_its_closing_was_recorded(stack: Stack) -> None:
    h, cc, _t, p = await world(stack)
    await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": 600, "as_of": "2020-01-01"})
    body = {"kind": "social_page", "name": "ВКонтакте", "since": "2020-01-01", "audience": "public"}
    page = await post(stack, h, f"/api/v1/orgs/{p['id']}/channels", body)
    await back_in_time(stack, h, cc["id"], 5)
    closed = await stack.http.post(f"/api/v1/channels/{page['id']}/closure", json={"effective_on": "2024-01-01"}, headers=h)
    assert closed.status_code < 300, closed.text
    now = await today(stack, h, cc["id"])

    assert (await verdicts(stack, h, p["id"]))["P4"] == "breached", "closed before the date asked about"
    assert (await verdicts(stack, h, p["id"], now - timedelta(days=1)))["P4"] == "met", "the closing was not recorded yet"
    assert (await verdicts(stack, h, p["id"], now))["P4"] == "breached"


async def test_a_restated_budget_gives_the_first_statement_between_the_two_recordings(stack: Stack) -> None:
    h, cc, _t, p = await world(stack)
    await back_in_time(stack, h, cc["id"], 10)
    budget = f"/api/v1/orgs/{p['id']}/budgets/2024"
    assert (await stack.http.put(budget, json={"total": "100000.00", "information": "6000.00"}, headers=h)).status_code == 200
    await back_in_time(stack, h, cc["id"], 5)
    assert (await stack.http.put(budget, json={"total": "100000.00", "information": "4000.00"}, headers=h)).status_code == 200
    now = await today(stack, h, cc["id"])

    assert (await verdicts(stack, h, p["id"], now - timedelta(days=6)))["M1"] == "breached", "no budget known yet"
    assert (await verdicts(stack, h, p["id"], now - timedelta(days=5)))["M1"] == "met", "6 %, as first adopted"
    assert (await verdicts(stack, h, p["id"], now - timedelta(days=1)))["M1"] == "met"
    assert (await verdicts(stack, h, p["id"]))["M1"] == "breached", "4 %, as restated today"


async def test_an_audit_completed_later_is_not_done_as_known_before(stack: Stack) -> None:
    h, cc, t, p = await world(stack)
    auditor = await user(stack, h, "auditor.t", "auditor", t["id"])
    planned = await post(stack, auditor, f"/api/v1/orgs/{p['id']}/audits", {"planned_on": "2024-02-01"})
    audit = f"/api/v1/audits/{planned['id']}"
    assert (await stack.http.post(f"{audit}/start", json={"started_on": "2024-02-15"}, headers=auditor)).status_code == 200
    await back_in_time(stack, h, cc["id"], 5)
    done = await stack.http.post(f"{audit}/completion", json={"completed_on": "2024-03-01", "score": 90}, headers=auditor)
    assert done.status_code == 200, done.text
    now = await today(stack, h, cc["id"])

    assert (await verdicts(stack, h, t["id"]))["T1"] == "met", "its one primary org was audited within the year"
    assert (await verdicts(stack, h, t["id"], now - timedelta(days=1)))["T1"] == "breached", "started, not yet completed"
    assert (await verdicts(stack, h, t["id"], now))["T1"] == "met"


async def test_a_target_or_a_figure_recorded_later_is_not_seen_before(stack: Stack) -> None:
    h, cc, t, p = await world(stack)
    await back_in_time(stack, h, cc["id"], 10)
    targets = f"/api/v1/orgs/{p['id']}/targets/2024"
    assert (await stack.http.put(targets, json={"K2": "0.06"}, headers=h)).status_code == 200
    await back_in_time(stack, h, cc["id"], 5)
    assert (await stack.http.put(targets, json={"K2": "0.08"}, headers=h)).status_code == 200
    budget = {"total": "1000.00", "information": "70.00"}
    assert (await stack.http.put(f"/api/v1/orgs/{p['id']}/budgets/2024", json=budget, headers=h)).status_code == 200
    mention = {"on": "2024-05-01", "outlet": "Курьер", "medium": "print", "tone": "positive", "cites_leader": True}
    await post(stack, h, f"/api/v1/orgs/{p['id']}/media-mentions", mention)
    now = await today(stack, h, cc["id"])

    async def k2(known_on: date | None) -> tuple[Any, Any]:
        params = {"known_on": str(known_on)} if known_on else {}
        reply = await stack.http.get(f"/api/v1/orgs/{p['id']}/kpi/2024", params=params, headers=h)
        assert reply.status_code == 200, reply.text
        line = reply.json()["indicators"]["K2"]
        return line["target"], line["value"]

    assert await k2(now - timedelta(days=6)) == (0.05, None), "no target set yet: M1's 5 % stands in"
    assert await k2(now - timedelta(days=5)) == (0.06, None), "the first target, and no budget known"
    assert await k2(now - timedelta(days=1)) == (0.06, None)
    assert await k2(None) == (0.08, 0.07)
    yesterday = {"known_on": str(now - timedelta(days=1))}
    assert (await stack.http.get(targets, params=yesterday, headers=h)).json()["targets"] == {"K2": 0.06}
    assert (await stack.http.get(targets, headers=h)).json()["targets"] == {"K2": 0.08}
    mentions = f"/api/v1/orgs/{p['id']}/media-mentions"
    assert (await stack.http.get(mentions, params={"period": "2024", **yesterday}, headers=h)).json() == []
    assert len((await stack.http.get(mentions, params={"period": "2024"}, headers=h)).json()) == 1
    series = f"/api/v1/orgs/{p['id']}/kpi-series/K2"
    then = (await stack.http.get(series, params={"start": "2023", "end": "2024", **yesterday}, headers=h)).json()
    assert [(s["period"], s["value"]) for s in then] == [("2023", None), ("2024", None)]
    ranking = {"period": "2024", "indicator": "K2", "level": "primary", "org_id": t["id"]}
    ranked = (await stack.http.get("/api/v1/kpi/rankings", params={**ranking, **yesterday}, headers=h)).json()
    assert [(r["org_id"], r["own"]) for r in ranked] == [(p["id"], None)]
    ranked = (await stack.http.get("/api/v1/kpi/rankings", params=ranking, headers=h)).json()
    assert [(r["org_id"], r["own"]) for r in ranked] == [(p["id"], 0.07)]


async def test_known_on_never_widens_access(stack: Stack) -> None:
    h, cc, a, p = await world(stack)
    b = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    staff_a, staff_b = await user(stack, h, "staff.a", "staff", a["id"]), await user(stack, h, "staff.b", "staff", b["id"])
    await back_in_time(stack, h, cc["id"], 5)
    moved = await stack.http.patch(
        f"/api/v1/orgs/{p['id']}", json={"parent_id": b["id"], "effective_on": "2025-01-01"}, headers=h
    )
    assert moved.status_code == 200, moved.text
    now = await today(stack, h, cc["id"])
    # as known yesterday P sat under A, on AS_OF and ever after; today it sits under B. Before its registration was
    # recorded it is not known at all (404); on any other day A's staff are refused (403), as today's tree says
    refusals = {None: 403, now: 403, now - timedelta(days=1): 403, now - timedelta(days=5): 403, now - timedelta(days=30): 404}
    for known_on, refused in refusals.items():
        params = {"as_of": AS_OF} | ({"known_on": str(known_on)} if known_on else {})
        for path in (
            f"/api/v1/orgs/{p['id']}/compliance",
            f"/api/v1/orgs/{p['id']}/compliance/summary",
            f"/api/v1/orgs/{p['id']}/kpi/2024",
        ):
            status = (await stack.http.get(path, params=params, headers=staff_a)).status_code
            assert status == refused, (path, known_on, status)
    yesterday = {"as_of": AS_OF, "known_on": str(now - timedelta(days=1))}
    summary = (await stack.http.get(f"/api/v1/orgs/{a['id']}/compliance/summary", params=yesterday, headers=staff_a)).json()
    assert summary["orgs"] == 1, "A's subtree that day as known then held P, which has left A's since"
    ranking = {"period": "2024", "indicator": "K2", "level": "primary", "org_id": a["id"], "known_on": yesterday["known_on"]}
    assert (await stack.http.get("/api/v1/kpi/rankings", params=ranking, headers=staff_a)).json() == []
    mine = await stack.http.get(f"/api/v1/orgs/{p['id']}/compliance", params=yesterday, headers=staff_b)
    assert mine.status_code == 200, "B's staff see P's past, as known then: a date chooses facts, not who may see"


async def test_a_bad_known_on_is_refused_naming_the_field(stack: Stack) -> None:
    h, _cc, _t, p = await world(stack)
    org = f"/api/v1/orgs/{p['id']}"
    asked: list[tuple[str, dict[str, str]]] = [
        (f"{org}/compliance", {}),
        (f"{org}/compliance/summary", {}),
        (f"{org}/kpi/2024", {}),
        (f"{org}/targets/2024", {}),
        (f"{org}/kpi-series/K2", {"start": "2023", "end": "2024"}),
        (f"{org}/media-mentions", {"period": "2024"}),
        ("/api/v1/kpi/rankings", {"period": "2024", "indicator": "K2", "level": "primary"}),
    ]
    for path, params in asked:
        for bad in ("yesterday", "1700-01-01", "2024-02-30"):
            reply = await stack.http.get(path, params={**params, "known_on": bad}, headers=h)
            assert reply.status_code == 422, (path, bad, reply.text)
            assert [d["field"] for d in reply.json()["error"]["details"]] == ["known_on"], (path, bad, reply.text)
