"""K7 measured from the record (issue 30): kpi learns appeals' times from the APPEALS stream as its own user, and an
org's speed of feedback becomes the share of its appeals answered within their target time, with the median hours to a
first answer, its subtree's beside it — against the real servers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator

from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain, get, person, post

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}


async def test_k7_speed_is_measured_from_appeals_answered_escalated_and_waiting(stack: Stack) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    filed = {}
    for name, org in (("answered", "p1"), ("escalated", "p1"), ("waiting", "p1"), ("elsewhere", "p3")):
        member, hm = await person(stack, h, o[org]["id"], f"Член {name}")
        body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят"}
        filed[name] = (await post(stack, hm, "/api/v1/appeals", body))["id"]
    for name in ("answered", "elsewhere"):
        await post(stack, h, f"/api/v1/appeals/{filed[name]}/answers", {"text": "Обратимся в инспекцию труда"})
    service = stack.services["appeals"]
    escalator = Escalator(service.runtime.store, service.settings)
    # the appeals answered are not late; the two waiting go up on a clock 25 hours ahead
    assert await escalator.tick(clock.now() + timedelta(hours=25)) == 2
    await post(stack, h, f"/api/v1/appeals/{filed['waiting']}/answers", {"text": "Ответ после эскалации"})
    year = clock.today(service.settings.tz).year

    async def k7(org: str, appeals: int) -> dict[str, Any] | None:
        found = (await get(stack, h, f"/api/v1/orgs/{o[org]['id']}/kpi/{year}"))["indicators"]["K7"]
        return found if found["components"]["appeals"]["appeals"] == appeals else None

    p1 = await eventually(lambda: k7("p1", 3), timeout=30)
    c = p1["components"]
    assert c["speed_from"] == "appeals" and c["feedback_speed"] == 6.6, "20 × 1 of 3 on time, cut to 0.1"
    assert (c["appeals"]["appeals"], c["appeals"]["on_time"], c["appeals"]["share_on_time"]) == (3, 1, 0.3333)
    assert float(c["appeals"]["median_hours"]) < 1, "both answers came within the hour of filing"
    t1 = await eventually(lambda: k7("t1", 0), timeout=30)
    assert t1["components"]["speed_from"] == "reports", "nothing filed to T1 itself"
    assert t1["components"]["appeals_subtree"]["appeals"] == 4 and t1["components"]["appeals_subtree"]["on_time"] == 2
    p4 = await get(stack, h, f"/api/v1/orgs/{o['p4']['id']}/kpi/{year}")
    assert p4["indicators"]["K7"]["components"]["appeals"]["appeals"] == 0, "another subtree's appeals are not P4's"
