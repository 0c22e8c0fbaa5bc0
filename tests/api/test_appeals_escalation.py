"""Escalation of late appeals on a controllable clock: two escalators at once (two instances, or one restarted over
the other's work) escalate each appeal once; an appeal that cannot be escalated is parked and the others go on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from appeals.escalator import Escalator
from appeals.tables import appeals, ledger, parked
from sqlalchemy import func, insert, select

from kit import clock
from profset_testing import Stack
from profset_testing.api import chain, person, post

SITUATION = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}


async def test_two_escalators_escalate_each_late_appeal_once_and_a_bad_one_is_parked(stack: Stack) -> None:
    h, o = await chain(stack)
    put = await stack.http.put("/api/v1/life-situations/wage_arrears", json=SITUATION, headers=h)
    assert put.status_code == 200, put.text
    filed = []
    for name in ("Иванов", "Петров", "Сидоров"):
        member, hm = await person(stack, h, o["p1"]["id"], name)
        body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят три месяца"}
        filed.append((await post(stack, hm, "/api/v1/appeals", body))["id"])

    service = stack.services["appeals"]
    engine = service.runtime.engine
    async with engine.begin() as conn:  # a row of the read model with no appeal behind it: it cannot be escalated
        row = (await conn.execute(select(appeals).where(appeals.c.appeal_id == filed[0]))).one()._asdict()
        await conn.execute(insert(appeals).values({**row, "appeal_id": "phantom", "due_at": row["due_at"] - timedelta(hours=1)}))

    first, second = Escalator(service.runtime.store, service.settings), Escalator(service.runtime.store, service.settings)
    late = clock.now() + timedelta(hours=25)
    went = await asyncio.gather(first.tick(late), second.tick(late))
    assert sum(went) == 3, "three late appeals, each escalated by one of the two"
    assert await first.tick(late + timedelta(minutes=1)) == 0, "nothing twice; the parked one is not tried again"

    async with engine.connect() as conn:
        e = ledger.events.c
        escalated = await conn.execute(
            select(e.stream_id, func.count()).where(e.type == "union.appeals.appeal.escalated.v1").group_by(e.stream_id)
        )
        assert sorted(n for _, n in escalated) == [1, 1, 1]
        assert (await conn.execute(select(parked.c.appeal_id))).scalars().all() == ["phantom"]
        held = (await conn.execute(select(appeals.c.org_id).where(appeals.c.appeal_id.in_(filed)))).scalars().all()
    assert set(held) == {o["t1"]["id"]}
