"""An appeal is given only to a post somebody holds in the org that holds it today (issue 30, from the attack): a post
nobody holds there (its holder relieved from today, and a holder of it only in another org) is refused naming `post`
and the rule `post_vacant`, and nothing is recorded; a post with a holder is given, and that holder is told."""

from __future__ import annotations

from typing import Any

from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain, get, person, post

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}


def refusal(reply: Any) -> tuple[int, str | None, str | None]:
    detail = reply.json()["error"]["details"][0] if reply.status_code >= 400 else {}
    return reply.status_code, detail.get("field"), detail.get("rule")


async def test_an_appeal_is_refused_to_a_post_nobody_holds_and_given_to_one_somebody_holds(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    await person(stack, h, o["t1"]["id"], "Председатель теркома", role="chair")  # a chair, but of the org above
    former = await post(
        stack,
        h,
        f"/api/v1/orgs/{o['p1']['id']}/officers",
        {"full_name": "Бывший председатель", "role": "chair", "since": "2018-01-01"},
    )
    today = clock.today(stack.services["appeals"].settings.tz).isoformat()
    relieved = await stack.http.post(f"/api/v1/officers/{former['id']}/relief", json={"until": today}, headers=h)
    assert relieved.status_code == 200, relieved.text  # and a chair of its own, relieved from today
    worker, hw = await person(stack, h, o["p1"]["id"], "Информработник ППО", role="info_worker")
    await post(stack, hw, f"/api/v1/people/{worker}/contact-points", {"kind": "work_email", "value": "worker@p1.ru"})
    member, hm = await person(stack, h, o["p1"]["id"], "Сидоров Сидор")
    body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят"}
    appeal = (await post(stack, hm, "/api/v1/appeals", body))["id"]
    path = f"/api/v1/appeals/{appeal}"

    vacant = await stack.http.post(f"{path}/assignment", json={"post": "chair"}, headers=hm)
    assert refusal(vacant) == (422, "post", "post_vacant"), vacant.text
    seen = await get(stack, h, path)
    assert seen["post"] is None and seen["assignments"] == [], "a refusal records nothing"

    given = await stack.http.post(f"{path}/assignment", json={"post": "info_worker"}, headers=hm)
    assert given.status_code == 200 and given.json() == {"id": appeal, "post": "info_worker"}, given.text
    seen = await get(stack, h, path)
    assert seen["post"] == "info_worker" and [a["post"] for a in seen["assignments"]] == ["info_worker"]

    async def told() -> bool:
        return any("поручено" in str(m["Subject"]) for m in smtp.letters if m["To"] == "worker@p1.ru")

    await eventually(told, timeout=20)
