"""An appeal's record stays in order when many act on it at once (issue 30, from the attack): a dozen answers, a closure,
a question and the member's reply sent together — exactly one closure lands, nothing lands after it, and no answer,
question or reply is timed after the closure, since each command takes its time after it loads the appeal, in every
retry of a lost race."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from contracts.appeals import AppealClosed
from profset_testing import Stack
from profset_testing.api import chain, get
from profset_testing.portal import codes_to, member_with_mail, next_code

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
ANSWERS = 12
ROUNDS = 3


async def sign_in(stack: Stack, smtp: Any, number: str, address: str) -> dict[str, str]:
    before = len(codes_to(smtp, address))
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})).status_code == 202
    code = await next_code(smtp, address, before)
    reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": number, "code": code})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def test_nothing_lands_after_a_closure_nor_is_timed_after_it_when_all_come_at_once(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, o["p1"]["id"], "Анна Иванова", "anna@mail.ru")
    ha = await sign_in(stack, smtp, anna, "anna@mail.ru")
    store = stack.services["appeals"].runtime.store

    for _ in range(ROUNDS):
        filed = await stack.http.post("/api/v1/my/appeals", json={"situation_id": "wage_arrears", "text": "Долг"}, headers=ha)
        assert filed.status_code == 201, filed.text
        appeal = filed.json()["id"]
        path, mine = f"/api/v1/appeals/{appeal}", f"/api/v1/my/appeals/{appeal}"
        wait = {"Profset-Min-Positions": filed.headers["Profset-Positions"]}
        requests = [stack.http.post(f"{path}/answers", json={"text": f"Ответ {n}"}, headers=h | wait) for n in range(ANSWERS)]
        requests.insert(ANSWERS // 2, stack.http.post(f"{path}/closure", json={"outcome": "explained"}, headers=h | wait))
        requests.append(stack.http.post(f"{path}/questions", json={"text": "Сколько месяцев?"}, headers=h | wait))
        requests.append(stack.http.post(f"{mine}/replies", json={"text": "Три месяца"}, headers=ha | wait))
        replies = await asyncio.gather(*requests)
        closure = replies[ANSWERS // 2]
        assert closure.status_code == 200, closure.text
        for r in replies:
            assert r.status_code in (200, 201) or r.json()["error"]["details"][0]["rule"] == "D1", r.text

        seen = await get(stack, h | {"Profset-Min-Positions": closure.headers["Profset-Positions"]}, path)
        assert seen["state"] == "closed" and seen["closed_at"] is not None
        closed_at = datetime.fromisoformat(seen["closed_at"])
        landed = sum(r.status_code == 201 for r in replies[: ANSWERS + 1])
        assert len(seen["answers"]) == landed, "each answer that was accepted is kept, and no other"
        said = [a["answered_at"] for a in seen["answers"]] + [q["at"] for q in (*seen["questions"], *seen["replies"])]
        late = [t for t in said if datetime.fromisoformat(t) > closed_at]
        assert late == [], f"timed after the closure at {closed_at}"

        events = [r.event for r in await store.read_stream(f"appeal-{appeal}")]
        closures = [i for i, e in enumerate(events) if isinstance(e, AppealClosed)]
        assert len(closures) == 1 and closures[0] == len(events) - 1, "nothing is appended to a closed appeal"
        stamps = ("filed_at", "answered_at", "asked_at", "supplemented_at", "closed_at")
        times = [getattr(e, f) for e in events for f in stamps if hasattr(e, f)]
        assert times == sorted(times), "each event is timed no earlier than the state it was decided on"
