"""Reminders of the policy's deadlines fire once, at their due time, by an injected clock; chats too."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from notifications.reminders import Planner
from notifications.sender import Sender
from notifications.tables import channels, outbox, submissions
from sqlalchemy import select
from test_contacts_api import person
from test_exchange_api import NEWS, chain
from test_officers_and_facts_api import post

from kit import clock
from kit.rpc import RequestClient
from profset.testing import ChatApi, Stack, eventually


async def test_a_stale_notice_board_and_a_waiting_moderation_are_reminded_once_each(
    stack: Stack, smtp: Any, chat: ChatApi
) -> None:
    h, o = await chain(stack)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    consent = {"given_at": "2026-01-01", "method": "electronic"}
    await post(
        stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "messenger", "value": "@chair_verf", "consent": consent}
    )
    today = clock.today(stack.services["notifications"].settings.tz)
    opened, refreshed = today + timedelta(days=20), today + timedelta(days=30)  # beyond what the live clock could see
    board = await post(
        stack, h, f"/api/v1/orgs/{o['p1']['id']}/channels", {"kind": "notice_board", "name": "Стенд", "since": opened.isoformat()}
    )
    await post(stack, h, f"/api/v1/channels/{board['id']}/updates", {"at": refreshed.isoformat()})

    await post(stack, h, f"/api/v1/orgs/{o['p1']['id']}/contact-base/submissions", {})  # so P10 is not due meanwhile
    service = stack.services["notifications"]
    planner = Planner(service.runtime.engine, service.settings, ("email", "chat"))
    tz = service.settings.tz

    def noon(day: Any) -> datetime:
        return datetime.combine(day, time(12), tz)

    await eventually(lambda: _board_refreshed(planner, board["id"], refreshed), timeout=20)
    await eventually(lambda: _submitted(planner, o["p1"]["id"]), timeout=20)
    assert await planner.plan(noon(refreshed + timedelta(days=7))) == 0, "seven days after a refresh is not yet late (P1)"
    assert await planner.plan(noon(refreshed + timedelta(days=8))) == 2, "one letter and one chat message to the chair"
    assert await planner.plan(noon(refreshed + timedelta(days=9))) == 0, "the same deadline is reminded once"
    await eventually(lambda: _subject_seen(smtp, "обновите стенд"), timeout=20)
    await eventually(lambda: _chat_seen(chat, "@chair_verf"), timeout=20)
    await post(stack, h, f"/api/v1/channels/{board['id']}/updates", {"at": (refreshed + timedelta(days=10)).isoformat()})
    await eventually(lambda: _board_refreshed(planner, board["id"], refreshed + timedelta(days=10)), timeout=20)
    assert await planner.plan(noon(refreshed + timedelta(days=17))) == 0
    assert await planner.plan(noon(refreshed + timedelta(days=18))) == 2, "a new refresh, a new deadline"

    moderator, hm = await person(stack, h, o["t1"]["id"], "Председатель ТО", role="chair")
    await post(stack, hm, f"/api/v1/people/{moderator}/contact-points", {"kind": "work_email", "value": "chair@to.ru"})
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["p1"]["id"], "for_publication": True}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/publication", {}, 202)
    now = clock.now()
    await eventually(lambda: _outbox_has(planner, "reminder:H2:", plan_at=now + timedelta(days=4)), timeout=20)
    assert await planner.plan(now + timedelta(days=5)) == 0, "the moderator is reminded once"
    await eventually(lambda: _subject_seen(smtp, "ждёт модерации"), timeout=20)


async def _board_refreshed(planner: Planner, board_id: str, day: Any) -> bool:
    async with planner.engine.connect() as conn:
        return (await conn.execute(select(channels.c.last_refreshed).where(channels.c.channel_id == board_id))).scalar() == day


async def _submitted(planner: Planner, org_id: str) -> bool:
    async with planner.engine.connect() as conn:
        return (await conn.execute(select(submissions.c.last_at).where(submissions.c.org_id == org_id))).first() is not None


async def _outbox_has(planner: Planner, prefix: str, plan_at: datetime) -> bool:
    await planner.plan(plan_at)
    async with planner.engine.connect() as conn:
        found = await conn.execute(select(outbox.c.notification_id).where(outbox.c.trigger.startswith(prefix)))
        return found.first() is not None


async def _subject_seen(smtp: Any, words: str) -> bool:
    return any(words in str(letter["Subject"]) for letter in smtp.letters)


async def _chat_seen(chat: ChatApi, handle: str) -> bool:
    return any(call["chat_id"] == handle and call["path"].endswith("/sendMessage") for call in chat.calls)


async def test_a_daily_digest_gathers_the_days_materials_into_one_letter(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "digest@verf.ru"})
    chosen = await stack.http.put(
        f"/api/v1/people/{chair}/notification-preference", json={"mode": "daily_digest", "digest_hour": 8}, headers=hc
    )
    assert chosen.status_code == 200, chosen.text
    for title in ("Первый", "Второй"):
        material = (await post(stack, h, "/api/v1/materials", {**NEWS, "title": title, "org_id": o["cc"]["id"]}))["id"]
        await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [o["t1"]["id"]]}, 202)
    service = stack.services["notifications"]
    await eventually(lambda: _planned_for(service, chair, 2), timeout=20)
    assert "digest@verf.ru" not in {str(m["To"]) for m in smtp.letters}, "nothing before the digest hour"

    tomorrow = datetime.combine(clock.today(service.settings.tz) + timedelta(days=1), time(8, 5), service.settings.tz)
    sender = Sender(service.runtime.store, service.settings, RequestClient(service.runtime.nc), now=lambda: tomorrow)
    assert await sender.round() == 4, "two materials, by mail and by chat"
    [letter] = [m for m in smtp.letters if str(m["To"]) == "digest@verf.ru"]
    text = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Первый" in text and "Второй" in text and "2" in str(letter["Subject"])
    assert await sender.round() == 0, "each material is in one digest"


async def _planned_for(service: Any, person_id: str, n: int) -> bool:
    async with service.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.notification_id).where(outbox.c.recipient_id == person_id, outbox.c.channel == "email")
        )
        return len(rows.all()) >= n
