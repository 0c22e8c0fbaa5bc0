"""A run of letters goes over one connection, each letter made ready while the last one's receipt is recorded: a letter
the server refuses, as it is made ready or at its final dot, is recorded once as failed, and the letters around it
arrive once each, each with one receipt."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from notifications.tables import ledger, materials, outbox, parties
from sqlalchemy import insert, select

from kit import clock
from profset_testing import Stack, eventually
from profset_testing.api import chain


async def test_a_refused_letter_in_a_run_is_one_failure_and_the_letters_after_it_go_once(stack: Stack, smtp: Any) -> None:
    _, o = await chain(stack)
    org = o["p1"]["id"]
    smtp.refuse["r2@verf.ru"] = "550 5.1.1 mailbox unavailable"  # at RCPT, when it is made ready and when it is sent
    smtp.refuse_letter["r4@verf.ru"] = "552 5.2.2 mailbox full"  # at its final dot, once it was made ready
    now = clock.now()
    engine = stack.services["notifications"].runtime.engine
    async with engine.begin() as conn:
        await conn.execute(
            insert(parties), [{"party_id": f"p{i}", "name": f"Адресат {i}", "email": f"r{i}@verf.ru"} for i in range(7)]
        )
        await conn.execute(insert(materials).values(material_id="m-row", org_id=org, title="Подряд", kind="news", body="Текст"))
        rows = [
            {
                "notification_id": f"n{i}",
                "trigger": f"delivery:m-row:p{i}",
                "recipient_id": f"p{i}",
                "recipient_kind": "party",
                "channel": "email",
                "org_id": org,
                "material_id": "m-row",
                "status": "pending",
                "next_attempt_at": now - timedelta(seconds=10 - i),
                "created_at": now,
            }
            for i in range(7)
        ]
        await conn.execute(insert(outbox), rows)

    async def settled() -> dict[str, str]:
        async with engine.connect() as conn:
            found = dict(
                (
                    await conn.execute(select(outbox.c.notification_id, outbox.c.status).where(outbox.c.material_id == "m-row"))
                ).all()
            )
        assert len(found) == 7 and "pending" not in found.values(), found
        return found

    found = await eventually(settled, timeout=30)
    assert found == {f"n{i}": "failed" if i in (2, 4) else "sent" for i in range(7)}
    ours = {f"r{i}@verf.ru" for i in range(7)}
    arrived = Counter(str(m["To"]) for m in smtp.letters if str(m["To"]) in ours)
    assert arrived == Counter(f"r{i}@verf.ru" for i in (0, 1, 3, 5, 6)), "every letter taken arrived once"
    e = ledger.events.c
    async with engine.connect() as conn:
        receipts = Counter(
            d["notification_id"]
            for (d,) in await conn.execute(select(e.data).where(e.stream_id.in_([f"notification-n{i}" for i in range(7)])))
        )
    assert receipts == Counter(f"n{i}" for i in range(7)), "one receipt a letter"
