"""An appeal held by an org that is dissolved is not left stuck (issue 30, from the attack; D1): the escalator moves every
appeal not closed that it held — late or not, answered or not — at once to the nearest org above it that exists today,
as an `appeal.escalated` saying the org was dissolved, exactly once however many escalators look; there its staff
answer, assign, ask and close it, it is on that org's list, and the new holder's post holders are told as for any
escalation. A closed appeal stays where it ended, and the member still reads their appeals, though their org is gone."""

from __future__ import annotations

import asyncio
from typing import Any

from appeals.escalator import Escalator
from appeals.tables import TREE
from sqlalchemy import select

from contracts.appeals import AppealEscalated, EscalationReason
from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain, get, person, post
from profset_testing.portal import codes_to, member_with_mail, next_code

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
PASSWORD = "a long password"
ESCALATORS = 4


async def sign_in(stack: Stack, smtp: Any, number: str, address: str) -> dict[str, str]:
    before = len(codes_to(smtp, address))
    assert (await stack.http.post("/api/v1/my/sign-in/code", json={"member_number": number})).status_code == 202
    code = await next_code(smtp, address, before)
    reply = await stack.http.post("/api/v1/my/sign-in", json={"member_number": number, "code": code})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def text_of(letter: Any) -> str:
    return str(letter.get_body(preferencelist=("plain",)).get_content())


def moved_up(smtp: Any, address: str) -> list[Any]:
    return [m for m in smtp.letters if m["To"] == address and "передано" in str(m["Subject"])]


async def test_the_appeals_of_a_dissolved_org_go_at_once_to_the_nearest_org_above_once(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    p3, t1 = o["p3"]["id"], o["t1"]["id"]
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    chair, hc = await person(stack, h, t1, "Председатель теркома", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@t1.ru"})
    body = {"username": "staff.t1", "password": PASSWORD, "role": "staff", "org_id": t1}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    at_t1 = await stack.login("staff.t1", PASSWORD)
    anna = await member_with_mail(stack, h, p3, "Анна Иванова", "anna@mail.ru")
    ha = await sign_in(stack, smtp, anna, "anna@mail.ru")

    ids = []
    for text in ("Зарплату не платят", "Не дают отпуск", "Сократили премию"):
        filed = await stack.http.post("/api/v1/my/appeals", json={"situation_id": "wage_arrears", "text": text}, headers=ha)
        assert filed.status_code == 201, filed.text
        ids.append(filed.json()["id"])
    waiting, answered, closed = ids
    await post(stack, h, f"/api/v1/appeals/{answered}/answers", {"text": "Разбираемся"})
    assert (
        await stack.http.post(f"/api/v1/appeals/{closed}/closure", json={"outcome": "explained"}, headers=h)
    ).status_code == 200

    service = stack.services["appeals"]
    today = clock.today(service.settings.tz).isoformat()
    gone = await stack.http.post(
        f"/api/v1/orgs/{p3}/dissolution", json={"effective_on": today, "reason": "ликвидация"}, headers=h
    )
    assert gone.status_code == 202, gone.text

    async def dissolved() -> bool:
        async with service.runtime.engine.connect() as conn:
            o_ = TREE.orgs.c
            return (await conn.execute(select(o_.dissolved_on).where(o_.org_id == p3))).scalar() is not None

    await eventually(dissolved, timeout=20)

    # the member still reads their appeals, though their org is gone
    assert (await stack.http.get("/api/v1/my/appeals", headers=ha)).status_code == 200
    assert (await stack.http.get(f"/api/v1/my/appeals/{waiting}", headers=ha)).status_code == 200
    later = await stack.http.post("/api/v1/my/appeals", json={"situation_id": "wage_arrears", "text": "Ещё"}, headers=ha)
    assert later.status_code == 201, later.text
    fresh = later.json()["id"]
    assert (await get(stack, h, f"/api/v1/appeals/{fresh}"))["org_id"] == t1, "a new one goes where it can be held"

    # many escalators look at once, besides the service's own that the dissolution woke, long before anything is due:
    # each open appeal goes up once, the closed one stays
    escalators = [Escalator(service.runtime.store, service.settings) for _ in range(ESCALATORS)]
    went = await asyncio.gather(*(e.tick(clock.now()) for e in escalators))
    assert sum(went) <= 2, went

    async def escalations(appeal: str) -> list[AppealEscalated]:
        events = [r.event for r in await service.runtime.store.read_stream(f"appeal-{appeal}")]
        return [e for e in events if isinstance(e, AppealEscalated)]

    async def both_up() -> bool:
        return all([await escalations(a) for a in (waiting, answered)])

    await eventually(both_up, timeout=20)
    assert await escalators[0].tick(clock.now()) == 0, "a repeat moves nothing"
    for appeal in (waiting, answered):
        [up] = await escalations(appeal)
        assert (up.org_id, up.from_org_id, up.reason) == (t1, p3, EscalationReason.ORG_DISSOLVED)
        seen = await get(stack, at_t1, f"/api/v1/appeals/{appeal}")
        assert seen["org_id"] == t1 and [(e["from_org_id"], e["to_org_id"]) for e in seen["escalations"]] == [(p3, t1)]
    assert await escalations(closed) == []
    assert (await get(stack, h, f"/api/v1/appeals/{closed}"))["org_id"] == p3, "a closed appeal stays where it ended"

    # the org above lists them and its staff act on them
    held = await get(stack, at_t1, f"/api/v1/orgs/{t1}/appeals", state="open")
    assert {a["id"] for a in held} == {waiting, answered, fresh}
    path = f"/api/v1/appeals/{waiting}"
    assert (await stack.http.post(f"{path}/assignment", json={"post": "chair"}, headers=at_t1)).status_code == 200
    assert (await stack.http.post(f"{path}/questions", json={"text": "Сколько месяцев?"}, headers=at_t1)).status_code == 201
    assert (await stack.http.post(f"{path}/answers", json={"text": "Обратимся в инспекцию"}, headers=at_t1)).status_code == 201
    assert (await stack.http.post(f"{path}/closure", json={"outcome": "explained"}, headers=h)).status_code == 200
    assert (
        await stack.http.post(f"/api/v1/appeals/{answered}/closure", json={"outcome": "resolved"}, headers=at_t1)
    ).status_code == 200

    # the new holder's post holders are told, once for each appeal that came up
    await eventually(lambda: _letters(smtp, "chair@t1.ru", 2), timeout=20)
    told = [a for m in moved_up(smtp, "chair@t1.ru") for a in (waiting, answered) if a in text_of(m)]
    assert sorted(told) == sorted([waiting, answered])
    assert (await stack.http.get(f"/api/v1/my/appeals/{waiting}", headers=ha)).json()["org_id"] == t1


async def _letters(smtp: Any, address: str, n: int) -> bool:
    return len(moved_up(smtp, address)) >= n


async def test_the_appeals_of_a_dissolved_org_go_up_by_themselves_without_waiting_for_a_tick(stack: Stack) -> None:
    h, o = await chain(stack)
    p3, t1 = o["p3"]["id"], o["t1"]["id"]
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    member, hm = await person(stack, h, p3, "Сидоров Сидор")
    body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят"}
    appeal = (await post(stack, hm, "/api/v1/appeals", body))["id"]
    service = stack.services["appeals"]
    assert service.settings.escalate_every_seconds >= 60, "the service's regular look is a minute away"
    today = clock.today(service.settings.tz).isoformat()
    gone = await stack.http.post(
        f"/api/v1/orgs/{p3}/dissolution", json={"effective_on": today, "reason": "ликвидация"}, headers=h
    )
    assert gone.status_code == 202, gone.text

    async def moved() -> bool:
        return bool((await get(stack, h, f"/api/v1/appeals/{appeal}"))["org_id"] == t1)

    await eventually(moved, timeout=15)


async def test_an_escalation_is_never_timed_before_what_it_was_decided_on(stack: Stack, smtp: Any) -> None:
    """A tick that began before the member's reply was appended still times the move after it (issue 30, from the
    attack: each event's time no earlier than the state it was decided on)."""
    h, o = await chain(stack)
    p3 = o["p3"]["id"]
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    anna = await member_with_mail(stack, h, p3, "Анна Иванова", "anna@mail.ru")
    ha = await sign_in(stack, smtp, anna, "anna@mail.ru")
    filed = await stack.http.post("/api/v1/my/appeals", json={"situation_id": "wage_arrears", "text": "Долг"}, headers=ha)
    appeal = filed.json()["id"]
    service = stack.services["appeals"]
    today = clock.today(service.settings.tz).isoformat()
    gone = await stack.http.post(
        f"/api/v1/orgs/{p3}/dissolution", json={"effective_on": today, "reason": "ликвидация"}, headers=h
    )
    assert gone.status_code == 202, gone.text

    async def dissolved() -> bool:
        async with service.runtime.engine.connect() as conn:
            o_ = TREE.orgs.c
            return (await conn.execute(select(o_.dissolved_on).where(o_.org_id == p3))).scalar() is not None

    await eventually(dissolved, timeout=20)
    began = clock.now()
    added = await stack.http.post(f"/api/v1/my/appeals/{appeal}/replies", json={"text": "Три месяца"}, headers=ha)
    assert added.status_code == 201, added.text
    await Escalator(service.runtime.store, service.settings).tick(began)

    async def up() -> bool:
        return any(isinstance(r.event, AppealEscalated) for r in await service.runtime.store.read_stream(f"appeal-{appeal}"))

    await eventually(up, timeout=20)
    stamps = ("filed_at", "supplemented_at", "escalated_at")
    events = [r.event for r in await service.runtime.store.read_stream(f"appeal-{appeal}")]
    times = [getattr(e, f) for e in events for f in stamps if hasattr(e, f)]
    assert times == sorted(times), [type(e).__name__ for e in events]
