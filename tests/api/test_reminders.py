"""Reminders of the policy's deadlines fire once, at their due time, by an injected clock; chats too."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from notifications.domain.reminders import quarter_of
from notifications.reminders import Planner
from notifications.sender import Sender
from notifications.tables import audited, channels, outbox, quarter_plans, submissions
from sqlalchemy import select

from kit import clock
from kit.rpc import RequestClient
from profset_testing import ADMIN_PASSWORD, ChatApi, Stack, eventually
from profset_testing.api import NEWS, chain, person, post


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
    await _refreshed_on(stack, board["id"], refreshed)

    await post(stack, h, f"/api/v1/orgs/{o['p1']['id']}/contact-base/submissions", {})  # so P10 is not due meanwhile
    await plan_quarters(stack, h, o["p1"]["id"], today, refreshed + timedelta(days=20))  # and P8 neither
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
    await _refreshed_on(stack, board["id"], refreshed + timedelta(days=10))
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


async def _refreshed_on(stack: Stack, board_id: str, day: date) -> None:
    """Records the board's refresh on `day`, a day ahead of the live clock's, as the admin on that day: the services'
    clock (`kit.clock`) is moved there for the request, as a refresh is recorded only of a day come."""
    real = clock.now
    by = timedelta(days=(day - real().date()).days)
    with pytest.MonkeyPatch.context() as moved:
        moved.setattr(clock, "now", lambda: real() + by)
        moved.setattr(clock, "today", lambda tz: (real() + by).astimezone(tz).date())
        h = await stack.login("admin", ADMIN_PASSWORD)
        await post(stack, h, f"/api/v1/channels/{board_id}/updates", {"at": day.isoformat()})


async def plan_quarters(stack: Stack, h: dict[str, str], org_id: str, first: date, last: date) -> None:
    """Plans and reports every quarter from `first` to `last`, so P8 is not due then."""
    quarters = sorted({quarter_of(first + timedelta(days=n)) for n in range((last - first).days + 1)})
    for q in quarters:
        put = await stack.http.put(
            f"/api/v1/orgs/{org_id}/plans/{q}", json={"items": ["Стенд"], "submitted_on": first.isoformat()}, headers=h
        )
        assert put.status_code == 200, put.text
        await post(stack, h, f"/api/v1/orgs/{org_id}/plans/{q}/report", {"summary": "Выполнен", "reported_on": first.isoformat()})
    service = stack.services["notifications"]
    await eventually(lambda: _plans_known(service, org_id, len(quarters)), timeout=20)


async def _plans_known(service: Any, org_id: str, n: int) -> bool:
    async with service.runtime.engine.connect() as conn:
        q = quarter_plans.c
        return len((await conn.execute(select(q.quarter).where(q.org_id == org_id, q.reported))).all()) == n


async def _triggers(planner: Planner, prefix: str) -> set[str]:
    async with planner.engine.connect() as conn:
        return set((await conn.execute(select(outbox.c.trigger).where(outbox.c.trigger.startswith(prefix)))).scalars())


async def test_a_quarter_without_a_plan_and_a_child_due_for_its_audit_are_reminded_once(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    p1, t1 = o["p1"]["id"], o["t1"]["id"]
    for org, address in ((p1, "chair@verf.ru"), (t1, "chair@to.ru")):
        chair, hc = await person(stack, h, org, "Председатель", role="chair")
        await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": address})
    service = stack.services["notifications"]
    planner = Planner(service.runtime.engine, service.settings, ("email",))
    tz = service.settings.tz
    today = clock.today(tz)

    def noon(day: date) -> datetime:
        return datetime.combine(day, time(12), tz)

    quarter, later = quarter_of(today), quarter_of(today + timedelta(days=92))
    await eventually(lambda: _outbox_has(planner, f"reminder:P8:{p1}:{quarter}", plan_at=noon(today)), timeout=20)
    await eventually(lambda: _outbox_has(planner, f"reminder:T1:{t1}:{p1}:", plan_at=noon(today)), timeout=20)
    assert await _triggers(planner, f"reminder:T1:{t1}:{p1}:") == {f"reminder:T1:{t1}:{p1}:1996"}, "registered in 1995"
    await eventually(lambda: _subject_seen(smtp, f"примите план информационной работы на {quarter}"), timeout=20)
    await eventually(lambda: _subject_seen(smtp, "пора провести ежегодную проверку: «ППО верфи»"), timeout=20)

    await plan_quarters(stack, h, p1, today, today)
    await planner.plan(noon(today + timedelta(days=92)))
    assert await _triggers(planner, f"reminder:P8-report:{p1}:") == set(), "the last quarter's plan was reported on"
    assert f"reminder:P8:{p1}:{later}" in await _triggers(planner, f"reminder:P8:{p1}:"), "a new quarter, a new plan"

    body = {"username": "auditor.t1", "password": "a long password", "role": "auditor", "org_id": t1}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    auditor = await stack.login("auditor.t1", "a long password")
    audit = await post(stack, auditor, f"/api/v1/orgs/{p1}/audits", {"planned_on": today.isoformat()})
    await post(stack, auditor, f"/api/v1/audits/{audit['id']}/start", {"started_on": today.isoformat()}, 200)
    await post(stack, auditor, f"/api/v1/audits/{audit['id']}/completion", {"completed_on": today.isoformat()}, 200)
    await eventually(lambda: _audited(service, t1, p1), timeout=20)
    await planner.plan(noon(today + timedelta(days=364)))
    assert len(await _triggers(planner, f"reminder:T1:{t1}:{p1}:")) == 1, "audited within the year: nothing new"
    renamed = {"name": "ППО верфи имени Петра", "effective_on": today.isoformat()}
    assert (await stack.http.patch(f"/api/v1/orgs/{p1}", json=renamed, headers=h)).status_code == 200
    await planner.plan(noon(today + timedelta(days=365)))
    await planner.plan(noon(today + timedelta(days=366)))
    await eventually(lambda: _subject_seen(smtp, "ежегодную проверку: «ППО верфи имени Петра»"), timeout=20)
    due = (today + timedelta(days=365)).year
    assert await _triggers(planner, f"reminder:T1:{t1}:{p1}:") == {f"reminder:T1:{t1}:{p1}:1996", f"reminder:T1:{t1}:{p1}:{due}"}


async def _audited(service: Any, by_org_id: str, org_id: str) -> bool:
    async with service.runtime.engine.connect() as conn:
        a = audited.c
        return (await conn.execute(select(a.last_on).where(a.by_org_id == by_org_id, a.org_id == org_id))).first() is not None


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
