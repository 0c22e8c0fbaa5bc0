"""Issue 32: the staff of the org that sent a material remind the orgs that have not read it; the letters go to those
orgs' post holders alone, once a day per material, and only the sender's staff may ask."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select

from contracts.exchange import UnreadReminded
from kit.projection import Delivered
from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain_with_addressees, get, person, post

PASSWORD = "long-enough-pw"


def reminders_to(smtp: Any) -> dict[str, list[str]]:
    """The subjects of the reminders received, by address."""
    found: dict[str, list[str]] = {}
    for letter in smtp.letters:
        if str(letter["Subject"]).startswith("Напоминание"):
            found.setdefault(letter["To"], []).append(str(letter["Subject"]))
    return found


async def staff(stack: Stack, h: dict[str, str], username: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": "staff", "org_id": org_id}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    return await stack.login(username, PASSWORD)


async def test_a_reminder_reaches_only_the_orgs_that_have_not_read_it_once_a_day(stack: Stack, smtp: Any) -> None:
    from notifications.tables import outbox

    h, o = await chain_with_addressees(stack)  # P1's chair at chair@verf.ru, P3's activist at act@mail.ru
    chair_t1, ht = await person(stack, h, o["t1"]["id"], "Председатель Т1", role="chair")
    await post(stack, ht, f"/api/v1/people/{chair_t1}/contact-points", {"kind": "work_email", "value": "t1@verf.ru"})
    cc, other = await staff(stack, h, "staff.cc", o["cc"]["id"]), await staff(stack, h, "staff.t2", o["t2"]["id"])
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]

    draft = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=cc)
    assert draft.status_code == 422 and draft.json()["error"]["details"][0]["rule"] == "not_sent", draft.text

    await post(stack, cc, f"/api/v1/materials/{material}/cascade", {"to": [o["t1"]["id"]]}, 202)

    async def delivered() -> bool:
        rows = await get(stack, cc, f"/api/v1/materials/{material}/deliveries")
        return len(rows) == 3

    await eventually(delivered, timeout=20)
    await post(stack, h, f"/api/v1/materials/{material}/acknowledge", {"org_id": o["p1"]["id"]}, 200)

    refused = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=other)
    assert refused.status_code == 403, "staff of another subtree may not remind for the CC"
    key = {**cc, "Idempotency-Key": str(uuid4())}
    first = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=key)
    assert first.status_code == 202, first.text
    assert first.json()["reminded"] == 2 and set(first.json()["org_ids"]) == {o["t1"]["id"], o["p3"]["id"]}
    again = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=key)
    assert (again.status_code, again.json()) == (202, first.json()), "a retry with the same key gets the same answer"
    second = await stack.http.post(f"/api/v1/materials/{material}/reminders", headers=cc)
    assert second.status_code == 422, second.text
    [detail] = second.json()["error"]["details"]
    assert (detail["field"], detail["rule"]) == ("material_id", "once_a_day")

    found = await eventually(lambda: _both(smtp), timeout=30)
    assert found["t1@verf.ru"] == found["act@mail.ru"] == [f"Напоминание: «{NEWS['title']}»"]
    assert "chair@verf.ru" not in found, "the org that read it hears nothing"

    notifications = stack.services["notifications"]
    reminded = select(outbox.c.org_id).where(outbox.c.trigger.like(f"unread:{material}:%"))
    async with notifications.runtime.engine.connect() as conn:
        planned = {r.org_id for r in await conn.execute(reminded)}
    assert planned == {o["t1"]["id"], o["p3"]["id"]}, "letters for the reminded orgs' post holders alone"

    # the same event delivered once more (its checkpoint lost) plans nothing twice
    [source] = [p for p in notifications.projectors if p.projection.source == "exchange"]
    event = UnreadReminded(
        material_id=material,
        org_id=o["cc"]["id"],
        org_ids=sorted([o["t1"]["id"], o["p3"]["id"]]),
        reminded_on=date.fromisoformat(first.json()["reminded_on"]),
    )
    again_delivered = Delivered("exchange", 10**9, str(uuid4()), material, o["cc"]["id"], event.ce_type(), event, _now())
    async with notifications.runtime.engine.begin() as conn:
        before = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
        await source.projection.apply(conn, again_delivered)
        after = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
    assert before == after


async def _both(smtp: Any) -> dict[str, list[str]]:
    found = reminders_to(smtp)
    return found if {"t1@verf.ru", "act@mail.ru"} <= set(found) else {}


def _now() -> Any:
    from kit import clock

    return clock.now()
