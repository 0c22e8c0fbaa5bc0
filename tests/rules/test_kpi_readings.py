"""RULES.md's readings of the KPI through the public API, against the running services: a share just under its
target misses it (in kpi as in audits' M1) and a roll-up just under it too; K5 is two figures with a target each;
K6 counts a member on two channels once and gives the non-union audience as a figure of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from test_members_api import get
from test_officers_and_facts_api import post
from test_orgs_api import union

from profset.testing import Stack

YEAR = 2025
"""A past year: every fact below is dated in it, and each figure is of it."""


async def put(stack: Stack, h: dict[str, str], path: str, body: dict[str, Any], status: int = 200) -> Any:
    reply = await stack.http.put(path, json=body, headers=h)
    assert reply.status_code == status, reply.text
    return reply.json()


async def primary(stack: Stack, h: dict[str, str], parent: dict[str, Any], name: str, members: int) -> dict[str, Any]:
    body = {"name": name, "level": "primary", "parent_id": parent["id"], "registered_on": "1996-01-01"}
    org = await post(stack, h, "/api/v1/orgs", body)
    await post(stack, h, f"/api/v1/orgs/{org['id']}/headcount", {"members": members, "as_of": f"{YEAR}-01-01"})
    return org


async def indicators(stack: Stack, h: dict[str, str], org: dict[str, Any]) -> dict[str, Any]:
    return dict((await get(stack, h, f"/api/v1/orgs/{org['id']}/kpi/{YEAR}"))["indicators"])


async def test_a_share_just_under_its_target_misses_it_in_kpi_as_m1_says_and_so_does_a_rollup(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    cases = [("4,996 %", 300, "4996.00", 0.0499, "0.04996", False, "breached")]
    cases += [("5 %", 100, "5000.00", 0.05, "0.05", True, "met"), ("5,0001 %", 100, "5000.10", 0.05, "0.050001", True, "met")]
    orgs = {}
    for name, members, information, shown, exact, met, m1 in cases:
        org = orgs[name] = await primary(stack, h, t, name, members)
        await put(stack, h, f"/api/v1/orgs/{org['id']}/budgets/{YEAR}", {"total": "100000.00", "information": information})
        k2 = (await indicators(stack, h, org))["K2"]
        assert (k2["value"], k2["value_exact"], k2["target"], k2["met"]) == (shown, exact, 0.05, met), name
        compliance = await get(stack, h, f"/api/v1/orgs/{org['id']}/compliance", as_of=f"{YEAR}-06-15")
        assert {v["rule"]: v["status"] for v in compliance}["M1"] == m1, f"kpi and audits read {name} alike"

    await put(stack, h, f"/api/v1/orgs/{t['id']}/targets/{YEAR}", {"K2": 0.05})
    k2 = (await indicators(stack, h, t))["K2"]
    # (0.04996 × 300 + 0.05 × 100 + 0.050001 × 100) / 500 = 24.9881 / 500: just under the 5 % T's body set
    assert (k2["rollup"], k2["rollup_exact"], k2["rollup_met"]) == (0.0499, "0.0499762", False)
    assert k2["value"] is None and k2["met"] is None, "T has no budget of its own"

    ranked = await get(stack, h, "/api/v1/kpi/rankings", period=YEAR, indicator="K2", level="primary", org_id=t["id"])
    assert [(r["org_id"], r["value"], r["rank"]) for r in ranked] == [
        (orgs["5,0001 %"]["id"], 0.05, 1),  # shown alike, ranked by the exact share
        (orgs["5 %"]["id"], 0.05, 2),
        (orgs["4,996 %"]["id"], 0.0499, 3),
        (p["id"], None, None),  # no budget: last, unranked
    ]


async def test_k5_gives_positive_publications_and_citations_of_leaders_each_with_its_target(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    for org, month, tone, cites in ((p, 3, "positive", True), (p, 4, "positive", False), (p, 5, "neutral", True)):
        body = {"on": f"{YEAR}-0{month}-01", "outlet": "Курьер", "medium": "print", "tone": tone, "cites_leader": cites}
        await post(stack, h, f"/api/v1/orgs/{org['id']}/media-mentions", body)
    for tone in ("negative", "neutral"):
        body = {"on": f"{YEAR}-06-01", "outlet": "ТВ", "medium": "electronic", "tone": tone, "cites_leader": True}
        await post(stack, h, f"/api/v1/orgs/{t['id']}/media-mentions", body)
    set_ = await put(stack, h, f"/api/v1/orgs/{p['id']}/targets/{YEAR}", {"K5": 2, "K5.citations": 3})
    assert set_["targets"] == {"K5": 2.0, "K5.citations": 3.0}

    k5 = (await indicators(stack, h, p))["K5"]
    citations = k5["parts"]["citations"]
    assert (k5["value"], k5["target"], k5["met"]) == (2, 2.0, True), "two positive publications, one of them quoting a leader"
    assert (citations["value"], citations["target"], citations["met"]) == (2, 3.0, False), "two pieces quote a leader"
    rolled = (await indicators(stack, h, t))["K5"]
    assert (rolled["value"], rolled["rollup"], rolled["parts"]["citations"]["rollup"]) == (0, 2, 4)

    bad = await stack.http.put(f"/api/v1/orgs/{p['id']}/targets/{YEAR}", json={"K5.negative": 1}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "targets"


async def channel(stack: Stack, h: dict[str, str], org: dict[str, Any], kind: str, audience: str, subscribers: int) -> None:
    body = {"kind": kind, "name": f"{kind} {audience}", "audience": audience, "since": "2020-01-01"}
    created = await post(stack, h, f"/api/v1/orgs/{org['id']}/channels", body)
    await post(stack, h, f"/api/v1/channels/{created['id']}/stats", {"period": f"{YEAR}-Q4", "subscribers": subscribers})


async def test_k6_counts_a_member_on_two_channels_once_and_the_public_apart(stack: Stack) -> None:
    h, _cc, t, _p = await union(stack)
    both = await primary(stack, h, t, "ППО с рассылкой и чатом", 200)
    await channel(stack, h, both, "mailing_list", "members", 150)
    await channel(stack, h, both, "chat", "members", 150)
    await channel(stack, h, both, "website", "public", 1000)
    await channel(stack, h, both, "social_page", "public", 400)
    one = await primary(stack, h, t, "ППО с рассылкой", 100)
    await channel(stack, h, one, "mailing_list", "members", 50)
    await put(stack, h, f"/api/v1/orgs/{both['id']}/targets/{YEAR}", {"K6": 0.8, "K6.non_union": 1000})
    await put(stack, h, f"/api/v1/orgs/{one['id']}/targets/{YEAR}", {"K6": 0.5})

    k6 = (await indicators(stack, h, both))["K6"]
    # 150 on the list and 150 in the chat: at least 150 of 200 members (the same people), at most all 200
    assert (k6["value"], k6["value_at_most"], k6["components"]["covered"]) == (0.75, 1.0, 150)
    assert k6["met"] is None, "0.8 lies between the 150 certainly reached and the 200 there may be"
    public = k6["parts"]["non_union"]
    assert (public["value"], public["value_at_most"], public["met"]) == (1000, 1400, True), "the site's 1000 at least"
    alone = (await indicators(stack, h, one))["K6"]
    assert (alone["value"], alone["value_at_most"], alone["met"]) == (0.5, 0.5, True), "one channel: exact"

    rolled = (await indicators(stack, h, t))["K6"]
    # T reaches none of its 300 members itself: (0 × 300 + (0.75 | 1) × 200 + 0.5 × 100) / 600, from 1/3 to 5/12
    assert (rolled["rollup_exact"], rolled["rollup_at_most"], rolled["parts"]["non_union"]["rollup"]) == ("1/3", 0.4166, 1000)
