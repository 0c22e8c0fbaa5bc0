"""Nothing in the outbox can stall the sender or the reminder planner: an item that can't be handled is parked with its
reason (without the addresses or phone numbers a server quoted) and the next item still goes out, by mail and by chat."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from notifications.reminders import Planner
from notifications.tables import channels, ledger, materials, outbox, parties, preferences
from sqlalchemy import insert, select

from kit import clock
from profset_testing import ChatApi, Stack, eventually
from profset_testing.api import chain, person, post

TITLE = "Заголовок\r\nBcc: spy@example.org\u2028второй\u2029третий\x1b[31m" + "Оченьдлинноеслово" * 40
QUOTED = "quoted.person@example.org"


async def test_poison_letters_are_parked_with_their_reason_and_the_next_letter_and_chat_still_go(
    stack: Stack, smtp: Any, chat: ChatApi
) -> None:
    _, o = await chain(stack)
    org = o["p1"]["id"]
    smtp.refuse[QUOTED] = f"550 5.1.1 <{QUOTED}>: Recipient address rejected; call +7 (921) 555-19-71"
    now = clock.now()
    parts = [
        ("p-quoted", "Отказ", QUOTED),
        ("p-evil", "Вставка заголовков", "evil@example.org\r\nBcc: spy@example.org"),
        ("p-good", "Адресат", "good@example.org"),
    ]
    due = [  # in the order the sender takes them: the poison first
        ("n-quoted", "p-quoted", "email"),
        ("n-evil", "p-evil", "email"),
        ("n-fax", "p-good", "fax"),
        ("n-good", "p-good", "email"),
        ("n-chat", "p-good", "chat"),
    ]
    engine = stack.services["notifications"].runtime.engine
    async with engine.begin() as conn:
        await conn.execute(insert(parties), [{"party_id": p, "name": n, "email": e} for p, n, e in parts])
        material = {"material_id": "m-poison", "org_id": org, "title": TITLE, "kind": "news", "body": "Текст\u2029ещё\x1b"}
        await conn.execute(insert(materials).values(material))
        rows = [
            {
                "notification_id": nid,
                "trigger": "delivery:m-poison:" + party,
                "recipient_id": party,
                "recipient_kind": "party",
                "channel": channel,
                "org_id": org,
                "material_id": "m-poison",
                "status": "pending",
                "next_attempt_at": now - timedelta(seconds=10 - i),
                "created_at": now,
            }
            for i, (nid, party, channel) in enumerate(due)
        ]
        await conn.execute(insert(outbox), rows)

    async def settled() -> dict[str, Any]:
        async with engine.connect() as conn:
            found = {
                r.notification_id: r
                for r in await conn.execute(select(outbox).where(outbox.c.notification_id.in_([d[0] for d in due])))
            }
        assert all(r.status != "pending" for r in found.values()), {n: r.status for n, r in found.items()}
        return found

    found = await eventually(settled, timeout=30)
    assert {n: r.status for n, r in found.items()} == {
        "n-quoted": "failed",
        "n-evil": "failed",
        "n-fax": "failed",
        "n-good": "sent",
        "n-chat": "sent",
    }
    letters = [m for m in smtp.letters if "good@example.org" in str(m["To"])]
    assert len(letters) == 1 and "Bcc" not in letters[0] and letters[0]["To"] == "good@example.org"
    subject = str(letters[0]["Subject"])
    assert subject.startswith("Профсеть: новость «Заголовок Bcc: spy@example.org второй третий [31m") and "\n" not in subject
    assert not any("spy@example.org" in str(m["To"]) or m["Bcc"] for m in smtp.letters), "no header came from a title"
    assert [c["chat_id"] for c in chat.calls] == ["good@example.org"] and "Заголовок" in chat.calls[0]["text"]

    reasons = {n: r.last_error for n, r in found.items() if r.status == "failed"}
    assert "550" in reasons["n-quoted"] and QUOTED not in reasons["n-quoted"] and "555-19-71" not in reasons["n-quoted"]
    assert "not a plain e-mail address" in reasons["n-evil"] and "evil@example.org" not in reasons["n-evil"]
    assert "unknown channel" in reasons["n-fax"]
    receipts = await _failures(engine)
    assert receipts["n-quoted"] == ("smtp_refused", 550, True)
    assert receipts["n-evil"] == ("address", None, True)
    assert receipts["n-fax"] == ("unprocessable", None, True)
    async with engine.connect() as conn:
        kept = " ".join(str(r.data) for r in await conn.execute(select(ledger.events.c.data)))
    assert QUOTED not in kept and "evil@example.org" not in kept and "5551971" not in kept.replace("-", "").replace(" ", "")


async def _failures(engine: Any) -> dict[str, tuple[str | None, int | None, bool]]:
    e = ledger.events.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(e.data).where(e.type == "union.notifications.notification.failed.v1"))
        return {d["notification_id"]: (d.get("failure"), d.get("code"), d["permanent"]) for (d,) in rows}


async def test_a_reminder_that_cannot_be_planned_is_parked_and_the_next_reminder_still_goes(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    chairs = {}
    for org, address in (("p1", "chair1@verf.ru"), ("p3", "chair3@verf.ru")):
        chair, hc = await person(stack, h, o[org]["id"], f"Председатель {org}", role="chair")
        await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": address})
        chairs[org] = chair
    service = stack.services["notifications"]
    tz = service.settings.tz
    today = clock.today(tz)
    boards = [
        {
            "channel_id": f"board-{org}",
            "org_id": o[org]["id"],
            "kind": "notice_board",
            "name": f"Стенд {org}",
            "since": today - timedelta(days=30),
        }
        for org in ("p1", "p3")
    ]
    async with service.runtime.engine.begin() as conn:
        await conn.execute(insert(channels), boards)
        # a preference stored before its hour was checked: planning anything for this chair raises
        await conn.execute(insert(preferences).values(person_id=chairs["p1"], mode="daily_digest", digest_hour=99))
    planner = Planner(service.runtime.engine, service.settings, ("email",))
    await eventually(lambda: _holds_posts(service.runtime.engine, [o["p1"]["id"], o["p3"]["id"]]), timeout=20)

    await planner.plan(datetime.combine(today, time(12), tz))

    async with service.runtime.engine.connect() as conn:
        planned = {
            r.trigger: (r.status, r.last_error)
            for r in await conn.execute(select(outbox).where(outbox.c.trigger.like("reminder:P1:%")))
        }
    p1 = [v for t, v in planned.items() if "board-p1" in t]
    assert p1 and all(status == "failed" and "ValueError" in (reason or "") for status, reason in p1), planned
    assert any("board-p3" in t and status == "pending" for t, (status, _) in planned.items()), planned
    await eventually(lambda: _mailed(smtp, "chair3@verf.ru", "Стенд p3"), timeout=20)


async def _holds_posts(engine: Any, orgs: list[str]) -> bool:
    from notifications.tables import posts

    async with engine.connect() as conn:
        held = {r.org_id for r in await conn.execute(select(posts.c.org_id).where(posts.c.org_id.in_(orgs)))}
    assert held == set(orgs), held
    return True


async def _mailed(smtp: Any, to: str, words: str) -> bool:
    assert any(str(m["To"]) == to and words in str(m["Subject"]) for m in smtp.letters), [str(m["Subject"]) for m in smtp.letters]
    return True
