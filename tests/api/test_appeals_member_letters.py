"""The member follows their appeal by e-mail (issue 30): a letter when it is asked for more, escalated, answered (each
answer), and closed (the outcome's word) — never the member's words, the union's texts or an address — and the holders
of the post an appeal is assigned to hear of it; through the real SMTP server, each letter once, and an event
delivered again plans nothing twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator
from notifications.projections.appeals import AppealsSource
from notifications.tables import outbox, posts
from sqlalchemy import func, select

from kit import clock
from kit.projection import Delivered
from profset_testing import Stack, eventually, stream_messages
from profset_testing.api import chain, person, post
from profset_testing.portal import member_with_mail

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
SECRETS = ("Кузнецова", "kuz@mail.ru", "Зарплату не платят", "Пришлите листки", "инспекцию", "Повторно", "Итог разбора")


def text_of(letter: Any) -> str:
    return str(letter["Subject"]) + str(letter.get_body(preferencelist=("plain",)).get_content())


def letters_to(smtp: Any, address: str) -> list[Any]:
    return [m for m in smtp.letters if m["To"] == address]


async def test_the_member_hears_each_step_by_mail_once_and_the_assigned_post_hears_its_own(
    stack: Stack, smtp: Any, nc: Any
) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    for org, role, address in (
        ("p1", "chair", "chair@p1.ru"),
        ("p1", "info_worker", "worker@p1.ru"),
        ("t1", "chair", "chair@t1.ru"),
    ):
        officer, ho = await person(stack, h, o[org]["id"], f"{role} {org}", role=role)
        await post(stack, ho, f"/api/v1/people/{officer}/contact-points", {"kind": "work_email", "value": address})
    member = await member_with_mail(stack, h, o["p1"]["id"], "Кузнецова Ксения", "kuz@mail.ru")
    engine = stack.services["notifications"].runtime.engine

    async def posts_known() -> bool:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(posts))).scalar_one() >= 3

    await eventually(posts_known, timeout=20)
    body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят полгода"}
    appeal = (await post(stack, h, "/api/v1/appeals", body))["id"]
    path = f"/api/v1/appeals/{appeal}"
    await eventually(lambda: _count(smtp, "chair@p1.ru", 1), timeout=20)

    await post(stack, h, f"{path}/assignment", {"post": "info_worker"}, status=200)
    await eventually(lambda: _count(smtp, "worker@p1.ru", 2), timeout=20)  # the new appeal, then its assignment
    assert "поручено" in text_of(letters_to(smtp, "worker@p1.ru")[-1])
    await post(stack, h, f"{path}/questions", {"text": "Пришлите листки за полгода"})
    await eventually(lambda: _count(smtp, "kuz@mail.ru", 1), timeout=20)
    service = stack.services["appeals"]
    assert await Escalator(service.runtime.store, service.settings).tick(clock.now() + timedelta(hours=25)) == 1
    await eventually(lambda: _count(smtp, "kuz@mail.ru", 2), timeout=20)
    await post(stack, h, f"{path}/answers", {"text": "Обратимся в инспекцию труда"})
    await post(stack, h, f"{path}/answers", {"text": "Повторно: инспекция приняла жалобу"})
    await post(stack, h, f"{path}/closure", {"outcome": "partly_resolved"}, status=200)
    await eventually(lambda: _count(smtp, "kuz@mail.ru", 5), timeout=30)

    mine = letters_to(smtp, "kuz@mail.ru")
    subjects = Counter(str(m["Subject"]) for m in mine)
    assert subjects == {
        "По вашему обращению нужны дополнения": 1,
        "Ваше обращение передано в вышестоящую организацию": 1,
        "Ответ на ваше обращение": 2,
        "Ваше обращение закрыто": 1,
    }, subjects
    assert "решено частично" in text_of(mine[-1]) and all(appeal in text_of(m) for m in mine)
    everything = [text_of(m) for m in smtp.letters]
    assert not [s for s in SECRETS if any(s in t for t in everything)], "no letter carries the member or anybody's words"
    assert len(letters_to(smtp, "chair@t1.ru")) == 1 and len(letters_to(smtp, "chair@p1.ru")) == 1

    # every event of the appeal delivered once more: nothing new is planned
    async with engine.connect() as conn:
        before = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    source = AppealsSource(("email",), service.settings.tz)
    again = [Delivered.parse("appeals", hd, data) for hd, data in await stream_messages(nc.jetstream(), "APPEALS")]
    assert len([d for d in again if d.aggregate_id == appeal]) == 7, "filed, assigned, asked, escalated, 2 answers, closed"
    async with engine.begin() as conn:
        for d in again:
            await source.apply(conn, d)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == before


async def _count(smtp: Any, address: str, n: int) -> bool:
    found = len(letters_to(smtp, address))
    assert found <= n, f"{found} letters to {address}, expected {n}"
    return found == n
