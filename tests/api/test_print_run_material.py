"""A print run names a material only if the org had it (the tester's F9): its own, or delivered to it — as the sheet's
print-run route checks. Otherwise 422 naming `material_id`, the same answer for another subtree's draft and for no
material at all, and nothing is recorded; a caller who may not act at the org is still told 403."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import get, post, register, union

NEWS = {"title": "Индексация", "body": "С 1 июля оклады растут на 8 %.", "kind": "news", "topics": ["wages"]}
PASSWORD = "a long password"


async def user(stack: Stack, h: dict[str, str], username: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": "staff", "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, PASSWORD)


def run(material_id: str, **more: Any) -> dict[str, Any]:
    return {"kind": "leaflet", "title": "Листовка", "copies": 50, "material_id": material_id, **more}


async def test_a_print_run_names_only_a_material_the_org_had(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    south = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    theirs = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": south["id"]}))["id"]
    own = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": p["id"]}))["id"]
    sent = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": cc["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{sent}/cascade", {}, 202)

    async def delivered() -> bool:
        return p["id"] in {d["recipient"] for d in await get(stack, h, f"/api/v1/materials/{sent}/deliveries")}

    await eventually(delivered)
    staff, southern = await user(stack, h, "staff.t", t["id"]), await user(stack, h, "staff.south", south["id"])
    runs = f"/api/v1/orgs/{p['id']}/print-runs"
    for who in (h, staff):
        for material in (theirs, "no-such-material", "0190f3a2-0000-7000-8000-000000000000"):
            answer = await stack.http.post(runs, json=run(material), headers=who)
            assert answer.status_code == 422, (material, answer.status_code, answer.text)
            assert [(d["field"], d["rule"]) for d in answer.json()["error"]["details"]] == [("material_id", "had_material")]
    elsewhere = await stack.http.post(runs, json=run(theirs), headers=southern)
    assert elsewhere.status_code == 403, "not the org of the caller: forbidden, whatever the material"
    early = await stack.http.post(runs, json=run(own, on="2020-01-02"), headers=staff)
    assert early.status_code == 422 and early.json()["error"]["details"][0]["field"] == "on", early.text
    assert await get(stack, h, runs) == [], "nothing recorded"
    for material in (own, sent):
        await post(stack, staff, runs, run(material))
    await post(stack, staff, runs, {"kind": "poster", "title": "Плакат", "copies": 3})
    assert sorted(r.get("material_id") or "" for r in await get(stack, h, runs)) == sorted(["", own, sent])
