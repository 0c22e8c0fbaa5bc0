"""Notifications against a real SMTP server: who hears of a delivery, consent, parties, failures, receipts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from contracts.officers import OfficerAssigned
from kit.projection import Delivered
from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, get, person, post


def mailed(smtp: Any) -> dict[str, list[str]]:
    """Message-IDs received, by recipient address."""
    found: dict[str, list[str]] = {}
    for letter in smtp.letters:
        found.setdefault(letter["To"], []).append(letter["Message-ID"])
    return found


async def test_a_delivery_mails_the_orgs_post_holders_with_consent_and_the_parties(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    worker, hw = await person(stack, h, o["p1"]["id"], "Информработник", role="info_worker")
    activist, ha = await person(stack, h, o["p1"]["id"], "Активист", role="info_activist")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    await post(stack, hw, f"/api/v1/people/{worker}/contact-points", {"kind": "personal_email", "value": "worker@mail.ru"})
    consent = {"given_at": "2026-01-01", "method": "written"}
    allowed = await post(
        stack,
        ha,
        f"/api/v1/people/{activist}/contact-points",
        {"kind": "personal_email", "value": "act@mail.ru", "consent": consent},
    )

    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [o["t1"]["id"]]}, 202)
    await eventually(lambda: _has(smtp, {"chair@verf.ru", "act@mail.ru"}), timeout=20)
    letter = next(m for m in smtp.letters if m["To"] == "chair@verf.ru")
    assert "Индексация зарплаты" in str(letter["Subject"]) and letter["Message-ID"].endswith("@profset>")

    async def settled() -> list[dict]:
        rows = [r for r in await get(stack, h, f"/api/v1/orgs/{o['p1']['id']}/notifications") if r["channel"] == "email"]
        return rows if all(r["status"] != "pending" for r in rows) else []

    receipts = await eventually(settled, timeout=20)
    assert sorted(r["status"] for r in receipts) == ["failed", "sent", "sent"]
    [refused] = [r for r in receipts if r["status"] == "failed"]
    assert refused["recipient_id"] == worker and "no usable e-mail" in refused["last_error"], "no consent: no mail"

    await stack.http.post(f"/api/v1/contact-points/{allowed['id']}/consent-withdrawal", json={}, headers=h)
    second = (await post(stack, h, "/api/v1/materials", {**NEWS, "title": "Второй", "org_id": o["cc"]["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{second}/cascade", {"to": [o["t1"]["id"]]}, 202)
    await eventually(lambda: _count(smtp, "chair@verf.ru", 2), timeout=20)
    assert len(mailed(smtp)["act@mail.ru"]) == 1, "a withdrawn consent stops the next send"
    assert "worker@mail.ru" not in mailed(smtp)

    up = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["t1"]["id"], "newsworthy": True}))["id"]
    await post(stack, h, f"/api/v1/materials/{up}/send-up", {}, 202)
    await eventually(lambda: _has(smtp, {"territorial_association@example.org"}), timeout=20)


async def test_a_refusing_mail_server_is_retried_or_recorded_with_its_reason(stack: Stack, smtp: Any) -> None:
    h, o = await chain(stack)
    smtp.refuse["fnpr@example.org"] = "550 5.1.1 mailbox unavailable"
    smtp.refuse["solidarnost@example.org"] = "451 4.3.0 try again later"
    top = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"], "newsworthy": True}))["id"]
    await post(stack, h, f"/api/v1/materials/{top}/send-up", {}, 202)

    async def attempts() -> dict[str, tuple[str, int, str]]:
        rows = await stack.services["notifications"].runtime.engine.connect().__aenter__()
        try:
            from notifications.tables import outbox

            found = (await rows.execute(outbox.select())).all()
            return {r.recipient_id: (r.status, r.attempts, r.last_error or "") for r in found}
        finally:
            await rows.close()

    async def settled() -> bool:
        a = await attempts()
        return a.get(o["fnpr"]["id"], ("",))[0] == "failed" and a.get(o["solidarnost"]["id"], ("", 0))[1] >= 2

    await eventually(settled, timeout=20)
    found = await attempts()
    assert found[o["fnpr"]["id"]][:2] == ("failed", 1) and "550" in found[o["fnpr"]["id"]][2], "permanent: once, with the reason"
    assert found[o["solidarnost"]["id"]][0] == "pending" and "451" in found[o["solidarnost"]["id"]][2], (
        "temporary: tried again later"
    )
    del smtp.refuse["solidarnost@example.org"]
    await eventually(lambda: _has(smtp, {"solidarnost@example.org"}), timeout=30)


async def test_a_chair_appointed_just_before_a_delivery_hears_of_it_though_the_delivery_was_projected_first(
    stack: Stack, smtp: Any
) -> None:
    from notifications.tables import acknowledgements, outbox, posts

    h, o = await chain(stack)
    notifications = stack.services["notifications"]
    [registry] = [p for p in notifications.projectors if p.projection.source == "registry"]
    released = asyncio.Event()

    async def held_back(conn: Any, d: Delivered, apply: Any = registry.projection.apply) -> None:
        if isinstance(d.event, OfficerAssigned):  # the notifications' registry mirror lags behind the exchange's
            await released.wait()
        await apply(conn, d)

    registry.projection = replace(registry.projection, apply=held_back)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [o["t1"]["id"]]}, 202)

    async def rows(query: Any) -> list[Any]:
        async with notifications.runtime.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def delivered_to_p1() -> bool:
        assert await rows(select(acknowledgements).where(acknowledgements.c.org_id == o["p1"]["id"]))
        return True

    await eventually(delivered_to_p1, timeout=20)
    assert not await rows(select(outbox).where(outbox.c.recipient_id == chair)), "planned before the chair was known"
    late, hl = await person(stack, h, o["p1"]["id"], "Пришедший после", role="info_worker")
    await post(stack, hl, f"/api/v1/people/{late}/contact-points", {"kind": "work_email", "value": "late@verf.ru"})
    released.set()

    await eventually(lambda: _has(smtp, {"chair@verf.ru"}), timeout=20)

    async def both_posts_known() -> bool:
        assert len(await rows(select(posts).where(posts.c.org_id == o["p1"]["id"]))) == 2
        return True

    await eventually(both_posts_known, timeout=20)
    assert not await rows(select(outbox).where(outbox.c.recipient_id == late)), "appointed after it arrived: not told"
    assert len(mailed(smtp)["chair@verf.ru"]) == 1


async def _has(smtp: Any, addresses: set[str]) -> bool:
    return addresses <= set(mailed(smtp))


async def _count(smtp: Any, address: str, n: int) -> bool:
    return len(mailed(smtp).get(address, [])) >= n
