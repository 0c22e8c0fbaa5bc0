"""K1–K9 through the public API on a small union, every figure computed by hand (docs/kpi.md): roll-ups on a
two-level subtree, targets met and missed, rankings, series, CSV, and a closed period with a restatement."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from profset_testing import Stack, eventually
from profset_testing.api import get, post, register, union

TODAY = datetime.now(ZoneInfo("Europe/Moscow")).date()
Y = TODAY.year
"""Exchange facts are dated the day they happen, so the whole-figure test measures the current year."""


def day(month_day: str) -> str:
    """A day of Y, but never after today: a fact is recorded once it has happened."""
    return min(date.fromisoformat(f"{Y}-{month_day}"), TODAY).isoformat()


def cut(x: Fraction, places: int = 4) -> float:
    """A share as the answers show it: cut, never rounded up, to 4 places (docs/kpi.md)."""
    return int(x * 10**places) / 10**places


def weeks_in(year: int) -> int:
    """Calendar weeks (Monday–Sunday) overlapping the year: 53 for 2026, which starts and ends on a Thursday."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return ((last - timedelta(days=last.weekday())) - (first - timedelta(days=first.weekday()))).days // 7 + 1


async def put(stack: Stack, h: dict[str, str], path: str, body: dict, status: int = 200) -> Any:
    reply = await stack.http.put(path, json=body, headers=h)
    assert reply.status_code == status, reply.text
    return reply.json()


async def kpi(stack: Stack, h: dict[str, str], org: dict, period: str | int) -> dict[str, Any]:
    return dict(await get(stack, h, f"/api/v1/orgs/{org['id']}/kpi/{period}"))


async def officer(stack: Stack, h: dict[str, str], org: dict, role: str, since: str, trained: bool = False) -> dict:
    body = {"full_name": f"{role} {org['name']}", "role": role, "since": since, "trained": trained}
    return await post(stack, h, f"/api/v1/orgs/{org['id']}/officers", body)


async def channel(stack: Stack, h: dict[str, str], org: dict, kind: str, audience: str = "members") -> str:
    body = {"kind": kind, "name": f"{kind} {org['name']}", "audience": audience, "since": day("01-01")}
    return str((await post(stack, h, f"/api/v1/orgs/{org['id']}/channels", body))["id"])


async def small_union(stack: Stack) -> tuple[dict[str, str], dict[str, dict]]:
    """CC → T → P1 (300 members), P2 (100 members), with officers, budgets, resources and media mentions in Y."""
    h, cc, t, p1 = await union(stack)
    p2 = await register(stack, h, name="ППО-2", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    for org, members in ((p1, 300), (p2, 100)):
        await post(stack, h, f"/api/v1/orgs/{org['id']}/headcount", {"members": members, "as_of": f"{Y}-01-01"})
    await officer(stack, h, p1, "info_worker", day("01-10"), trained=True)
    await officer(stack, h, p1, "info_activist", day("02-01"))
    await officer(stack, h, p2, "chair", day("01-01"), trained=True)
    await officer(stack, h, t, "press_secretary", day("01-01"), trained=True)
    for org, total, information in ((p1, "1000000.00", "60000.00"), (p2, "200000.00", "4000.00"), (t, "500000.00", "50000.00")):
        await put(stack, h, f"/api/v1/orgs/{org['id']}/budgets/{Y}", {"total": total, "information": information})
    site, page = await channel(stack, h, p1, "website", "public"), await channel(stack, h, p1, "social_page", "public")
    mailing, chat = await channel(stack, h, p1, "mailing_list"), await channel(stack, h, p1, "chat")
    await channel(stack, h, p1, "notice_board")
    await channel(stack, h, p1, "feedback_form", "public")
    for channel_id, period, figures in (
        (site, f"{Y}-Q1", {"visits": 1000, "engagement": 100}),
        (site, f"{Y}-Q2", {"visits": 2000, "engagement": 50}),
        (page, f"{Y}", {"subscribers": 250, "visits": 700, "engagement": 70}),
        (mailing, f"{Y}-Q2", {"subscribers": 120}),
        (chat, f"{Y}-03", {"subscribers": 60}),
    ):
        await post(stack, h, f"/api/v1/channels/{channel_id}/stats", {"period": period, **figures})
    await put(stack, h, f"/api/v1/orgs/{p1['id']}/feedback-times/{Y}-Q1", {"answered": 10, "average_hours": 20})
    await put(stack, h, f"/api/v1/orgs/{p1['id']}/feedback-times/{Y}-Q2", {"answered": 10, "average_hours": 60})
    for org, month_day, tone, cites in (
        (p1, "03-01", "positive", False),
        (p1, "04-01", "neutral", True),
        (p1, "05-01", "negative", False),
    ):
        body = {"on": day(month_day), "outlet": "Балтийский курьер", "medium": "print", "tone": tone, "cites_leader": cites}
        await post(stack, h, f"/api/v1/orgs/{org['id']}/media-mentions", body)
    body = {"on": day("06-01"), "outlet": "ТВ", "medium": "electronic", "tone": "positive", "cites_leader": True}
    await post(stack, h, f"/api/v1/orgs/{t['id']}/media-mentions", body)
    return h, {"cc": cc, "t": t, "p1": p1, "p2": p2}


async def exchange_this_week(stack: Stack, h: dict[str, str], o: dict[str, dict]) -> None:
    """P1 sends news up and acknowledges T's campaign; P1 and T report its participants (today, so in Y)."""
    news = {"title": "Индексация", "body": "Оклады растут.", "kind": "news", "topics": ["wages"], "newsworthy": True}
    material = await post(stack, h, "/api/v1/materials", {**news, "org_id": o["p1"]["id"]})
    await post(stack, h, f"/api/v1/materials/{material['id']}/send-up", {}, 202)
    action = {"title": "Акция", "body": "Все на митинг.", "kind": "announcement", "campaign": True}
    campaign = await post(stack, h, "/api/v1/materials", {**action, "org_id": o["t"]["id"]})
    await post(stack, h, f"/api/v1/materials/{campaign['id']}/cascade", {}, 202)

    async def reached() -> bool:
        inbox = await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/inbox")
        return campaign["id"] in [row["material_id"] for row in inbox]

    await eventually(reached)
    await post(stack, h, f"/api/v1/materials/{campaign['id']}/acknowledge", {"org_id": o["p1"]["id"]}, 200)
    participation = f"/api/v1/materials/{campaign['id']}/participation"
    await post(stack, h, participation, {"org_id": o["p1"]["id"], "on_site": 40, "online": 60})
    await post(stack, h, participation, {"org_id": o["t"]["id"], "on_site": 10, "online": 5})


async def test_every_indicator_matches_the_hand_computed_figure_and_rolls_up(stack: Stack) -> None:
    h, o = await small_union(stack)
    await exchange_this_week(stack, h, o)
    targets = await put(stack, h, f"/api/v1/orgs/{o['p1']['id']}/targets/{Y}", {"K1": 1, "K5": 5, "K9": 1})
    assert targets["targets"] == {"K1": 1.0, "K5": 5.0, "K9": 1.0}

    p1 = (await kpi(stack, h, o["p1"], Y))["indicators"]
    week = Fraction(1, weeks_in(Y))
    assert {k: p1[k]["value"] for k in p1} == {
        "K1": 1,  # an information worker and an activist in post on 31 Dec
        "K2": 0.06,  # 60 000 / 1 000 000
        "K3": cut(week),  # sending up and acknowledging, both this week
        "K4": 3700,  # website Q1 1000 + Q2 2000, social page (year report) 700
        "K5": 1,  # the positive one; the one citing a leader is neutral, the other negative
        "K6": 0.0,  # members reached, each once: none of the 300 is on record with an address the list or the chat uses
        "K7": 66.6,  # contacts 20 + form 20 + hotline 0 + speed 10 (40 h) + 20 × 5/6 digital = 66.66…, cut to 0.1
        "K8": 100,  # 40 on site + 60 online
        "K9": 1,  # the trained information worker; the activist is untrained
    }
    assert (p1["K3"]["value_exact"], p1["K7"]["value_exact"]) == (f"1/{weeks_in(Y)}", "200/3")
    assert p1["K5"]["parts"]["citations"]["value"] == 1, "the neutral piece quoting a leader"
    k6 = p1["K6"]["components"]
    assert (k6["subscribers_at_least"], k6["subscribers_at_most"], k6["channels"]) == (120, 180, 2), "measured, kept beside"
    assert p1["K6"]["parts"]["non_union"]["value"] == 250, "the public page's 250"
    assert p1["K3"]["components"]["materials"] == 1 and p1["K4"]["components"]["engagement"] == 220
    assert p1["K7"]["components"] | {"average_hours": "40.00"} == p1["K7"]["components"]
    assert [(p1[k]["target"], p1[k]["met"]) for k in ("K1", "K2", "K5", "K9")] == [
        (1.0, True),
        (0.05, True),  # M1's norm stands in for K2's target
        (5.0, False),  # 1 positive publication of the 5 targeted
        (1.0, True),
    ]
    assert p1["K4"]["target"] is None and p1["K4"]["met"] is None

    p2 = (await kpi(stack, h, o["p2"], Y))["indicators"]
    assert (p2["K2"]["value"], p2["K2"]["met"]) == (0.02, False), "4 000 of 200 000 misses M1's 5 %"
    assert (p2["K1"]["value"], p2["K9"]["value"], p2["K6"]["value"]) == (0, 0, 0.0), "a chair is not an information post"

    t = await kpi(stack, h, o["t"], Y)
    assert t["members"] == 400
    rolled = {k: line["rollup"] for k, line in t["indicators"].items()}
    assert rolled["K1"] == 2 and rolled["K9"] == 2 and rolled["K5"] == 2 and rolled["K8"] == 115 and rolled["K4"] == 3700
    assert t["indicators"]["K5"]["parts"]["citations"]["rollup"] == 2, "P1's neutral citation and T's positive one"
    assert rolled["K2"] == 0.075  # (0.10 × 400 + 0.06 × 300 + 0.02 × 100) / 800
    assert (rolled["K6"], t["indicators"]["K6"]["parts"]["non_union"]["rollup"]) == (0.0, 250)
    assert rolled["K7"] == 25.0  # 200/3 × 300 / 800, exactly
    assert t["indicators"]["K3"]["rollup_exact"] == str(week * 700 / 800)  # T cascaded and P1 acted this week
    assert t["indicators"]["K2"]["value"] == 0.1 and t["indicators"]["K8"]["value"] == 15
    cc = await kpi(stack, h, o["cc"], Y)
    assert cc["indicators"]["K8"]["value"] == 0 and cc["indicators"]["K8"]["rollup"] == 115

    ranked = await get(stack, h, "/api/v1/kpi/rankings", period=Y, indicator="K2", level="primary", org_id=o["t"]["id"])
    assert [(r["org_id"], r["value"], r["rank"]) for r in ranked] == [(o["p1"]["id"], 0.06, 1), (o["p2"]["id"], 0.02, 2)]
    series = await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/kpi-series/K2", start=Y - 1, end=Y)
    assert [(s["period"], s["value"]) for s in series] == [(str(Y - 1), None), (str(Y), 0.06)]
    table = await stack.http.get(f"/api/v1/orgs/{o['p1']['id']}/kpi/{Y}.csv", headers=h)
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert "K2,0.06,0.05,True,0.06,," in table.text.splitlines()


async def test_who_may_read_and_set_and_what_bad_input_gets(stack: Stack) -> None:
    h, _cc, t, p1 = await union(stack)
    p2 = await register(stack, h, name="ППО-2", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    for username, role, org in (("staff.p2", "staff", p2), ("viewer.t", "viewer", t)):
        body = {"username": username, "password": "long-enough-pw", "role": role, "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    staff, viewer = await stack.login("staff.p2", "long-enough-pw"), await stack.login("viewer.t", "long-enough-pw")
    assert (await stack.http.get(f"/api/v1/orgs/{p1['id']}/kpi/{Y}", headers=staff)).status_code == 403
    assert (await stack.http.put(f"/api/v1/orgs/{p1['id']}/targets/{Y}", json={"K1": 1}, headers=staff)).status_code == 403
    await put(stack, staff, f"/api/v1/orgs/{p2['id']}/targets/{Y}", {"K2": 0.07})
    assert (await kpi(stack, viewer, p2, Y))["indicators"]["K2"]["target"] == 0.07
    assert (await stack.http.put(f"/api/v1/orgs/{p2['id']}/targets/{Y}", json={"K1": 1}, headers=viewer)).status_code == 403
    assert (await stack.http.post(f"/api/v1/orgs/{p2['id']}/kpi/{Y - 1}/close", headers=viewer)).status_code == 403

    bad = await stack.http.put(f"/api/v1/orgs/{p2['id']}/targets/{Y}", json={"K10": 1}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "targets"
    bad = await stack.http.get(f"/api/v1/orgs/{p2['id']}/kpi/{Y}-Q5", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "period"
    bad = await stack.http.put(f"/api/v1/orgs/{p2['id']}/targets/{Y}", json={"K2": -1}, headers=h)
    assert bad.status_code == 422
    running = await stack.http.post(f"/api/v1/orgs/{p2['id']}/kpi/{Y + 1}/close", headers=h)
    assert running.status_code == 422 and running.json()["error"]["details"][0]["rule"] == "X"
    assert (await stack.http.get(f"/api/v1/orgs/{p2['id']}/kpi/1990", headers=h)).status_code == 404


async def test_a_closed_period_stays_frozen_and_a_late_fact_shows_as_its_restatement(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    q4 = f"{Y - 1}-Q4"
    await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": 200, "as_of": f"{Y - 1}-01-01"})
    worker = await officer(stack, h, p, "info_worker", f"{Y - 1}-10-01")
    await put(stack, h, f"/api/v1/orgs/{p['id']}/budgets/{Y - 1}", {"total": "100000.00", "information": "3000.00"})
    await put(stack, h, f"/api/v1/orgs/{p['id']}/targets/{q4}", {"K9": 1})
    closed = await stack.http.post(f"/api/v1/orgs/{p['id']}/kpi/{q4}/close", headers=h)
    assert closed.status_code == 200, closed.text
    assert closed.json()["indicators"]["K9"] | {"value": 0, "met": False} == closed.json()["indicators"]["K9"]

    await post(stack, h, f"/api/v1/officers/{worker['id']}/trainings", {"course": "Школа", "on": f"{Y - 1}-11-15"})
    await put(stack, h, f"/api/v1/orgs/{p['id']}/budgets/{Y - 1}", {"total": "100000.00", "information": "6000.00"})
    frozen = await kpi(stack, h, p, q4)
    assert frozen["closed_on"] == closed.json()["closed_on"]
    k9, k2 = frozen["indicators"]["K9"], frozen["indicators"]["K2"]
    assert (k9["value"], k9["met"], k9["restatement"]["value"]) == (0, False, 1), "the training is shown beside, not in"
    assert (k2["value"], k2["met"], k2["restatement"]["value"]) == (0.03, False, 0.06)
    assert frozen["indicators"]["K1"]["restatement"] is None, "an unchanged figure has no restatement"
    assert (await kpi(stack, h, t, q4))["indicators"]["K9"]["rollup"] == 1, "an open period counts the late fact"
    assert (await kpi(stack, h, p, f"{Y}-Q1"))["indicators"]["K9"]["value"] == 1, "and it moved into no other period"

    again = await stack.http.post(f"/api/v1/orgs/{p['id']}/kpi/{q4}/close", headers=h)
    assert again.status_code == 409
    late = await stack.http.put(f"/api/v1/orgs/{p['id']}/targets/{q4}", json={"K9": 0}, headers=h)
    assert late.status_code == 422 and "frozen" in late.json()["error"]["message"]

    rebuilt = await stack.services["kpi"].rebuild()
    assert rebuilt >= 2, "targets and the closing are in the kpi ledger"
    assert await kpi(stack, h, p, q4) == frozen, "every figure comes back the same from history"
