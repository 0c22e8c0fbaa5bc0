"""A new appeal reaches the holding org's post holders, an escalated one the parent's, and the member hears that it
went up and was answered (issue 30) — by e-mail through the real SMTP server, consent honoured at sending, and no
letter to staff carrying the member's name, words or address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from appeals.escalator import Escalator
from notifications.tables import posts
from sqlalchemy import func, select

from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain, person, post

ARREARS = {"title": "Задержка заработной платы", "topics": ["wages"], "level": "primary", "answer_within_hours": 24}
CONSENT = {"given_at": "2026-01-01", "method": "written"}


def text_of(letter: Any) -> str:
    return str(letter.get_body(preferencelist=("plain",)).get_content())


def letters_to(smtp: Any, address: str) -> list[Any]:
    return [m for m in smtp.letters if m["To"] == address]


async def test_appeals_notify_the_holders_then_the_parent_and_the_member_by_consent(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    assert (await stack.http.put("/api/v1/life-situations/wage_arrears", json=ARREARS, headers=h)).status_code == 200
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель ППО", role="chair")
    worker, hw = await person(stack, h, o["p1"]["id"], "Информработник", role="info_worker")
    t_chair, ht = await person(stack, h, o["t1"]["id"], "Председатель теркома", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@p1.ru"})
    await post(stack, hw, f"/api/v1/people/{worker}/contact-points", {"kind": "personal_email", "value": "worker@mail.ru"})
    await post(stack, ht, f"/api/v1/people/{t_chair}/contact-points", {"kind": "work_email", "value": "chair@t1.ru"})
    member, hm = await person(stack, h, o["p1"]["id"], "Сидоров Сидор")
    mine = {"kind": "personal_email", "value": "sidorov@mail.ru", "consent": CONSENT}
    await post(stack, hm, f"/api/v1/people/{member}/contact-points", mine)

    engine = stack.services["notifications"].runtime.engine

    async def posts_known() -> bool:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(posts))).scalar_one() >= 3

    await eventually(posts_known, timeout=20)
    body = {"person_id": member, "situation_id": "wage_arrears", "text": "Зарплату не платят три месяца"}
    appeal = (await post(stack, hm, "/api/v1/appeals", body))["id"]

    await eventually(lambda: _some(smtp, "chair@p1.ru"), timeout=20)
    filed = letters_to(smtp, "chair@p1.ru")[0]
    content = str(filed["Subject"]) + text_of(filed)
    assert "Новое обращение" in content and appeal in content and "wage_arrears" in content
    for private in ("Сидоров", "sidorov@mail.ru", "Зарплату не платят"):
        assert private not in content, "a letter to staff names neither the member nor their words nor their address"
    assert not letters_to(smtp, "worker@mail.ru"), "a personal address without consent is not used"
    assert not letters_to(smtp, "chair@t1.ru"), "the parent hears nothing while the appeal is within its time"

    service = stack.services["appeals"]
    assert await Escalator(service.runtime.store, service.settings).tick(clock.now() + timedelta(hours=25)) == 1
    await eventually(lambda: _some(smtp, "chair@t1.ru"), timeout=20)
    up = letters_to(smtp, "chair@t1.ru")[0]
    assert "передано" in str(up["Subject"]) and appeal in text_of(up)

    await post(stack, h, f"/api/v1/appeals/{appeal}/answers", {"text": "Обратимся в инспекцию труда"})
    await eventually(lambda: _some(smtp, "sidorov@mail.ru", 2), timeout=20)  # it went up, then the answer
    answered = next(m for m in letters_to(smtp, "sidorov@mail.ru") if "Ответ" in str(m["Subject"]))
    assert "Ответ на ваше обращение" in str(answered["Subject"]) and "инспекцию" not in text_of(answered)
    assert len(letters_to(smtp, "chair@p1.ru")) == 1 and len(letters_to(smtp, "chair@t1.ru")) == 1, "each letter once"


async def _some(smtp: Any, address: str, n: int = 1) -> bool:
    return len(letters_to(smtp, address)) >= n
