"""Issue 32: a material's deliveries page follows its deliveries and acknowledgements within a second, pushed to the
gateway by its own consumer of the EXCHANGE stream (the gateway may not listen to `exchange.>`): the fallback re-read
is set far beyond the test's waits, so only a real push passes. The «не прочитали» filter shows the orgs yet to read.
Connecting pushes nothing while nothing changed: the box is replaced only by a change."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from gateway.ui import feed, live
from profset.natsauth import GATEWAY_LIVE_CONSUMERS, service_permissions
from profset.servers import NatsServer
from profset_testing import Stack, connect_as
from profset_testing.ui import PASSWORD, Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PUSHED_WITHIN = 1.0  # seconds from the API's answer to the table in the browser


def test_the_gateway_may_keep_its_live_consumers_and_may_not_tap_the_exchange() -> None:
    assert feed.NAMES == GATEWAY_LIVE_CONSUMERS
    allowed = service_permissions("gateway")
    assert "exchange.>" not in allowed["subscribe"]["allow"]
    assert "$JS.API.CONSUMER.CREATE.EXCHANGE.gateway_live" in allowed["publish"]["allow"]


async def test_two_gateways_each_keep_a_consumer_of_their_own_and_wake_only_that_materials_pages(
    nats_server: NatsServer, nc: Any
) -> None:
    errors: list[str] = []
    first, second = [await connect_as(nats_server, "gateway", errors) for _ in range(2)]
    feeds = [feed.LiveFeed(first), feed.LiveFeed(second)]
    try:
        async with feeds[0].listen("m1") as a, feeds[1].listen("m1") as b, feeds[0].listen("m2") as other:
            assert {f.name for f in feeds} == set(feed.NAMES[:2]), "one consumer per gateway, each its own name"
            await nc.jetstream().publish("exchange.delivery.delivered", b"{}", headers={"ce-subject": "m1:org"})
            await asyncio.wait_for(asyncio.gather(a.wait(), b.wait()), timeout=1)
            assert not other.is_set(), "another material's page stays asleep"
    finally:
        for f in feeds:
            await f.close()
        await first.close()
        await second.close()
    assert errors == [], errors
    names = [c.name async for c in _consumers(nc)]
    assert not any(n.startswith("gateway_live") for n in names), "a closed gateway leaves its name free"


async def _consumers(nc: Any) -> Any:
    for info in await nc.jetstream().consumers_info("EXCHANGE"):
        yield info


async def _within(box: Any, text: str, since: float) -> float:
    """Waits for the text in the live box; answers how long after `since` it came."""
    await box.get_by_text(text).wait_for(timeout=5_000)
    return time.monotonic() - since


async def test_deliveries_and_acknowledgements_are_pushed_within_a_second(
    stack: Stack, union: Union, site: str, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "QUIET", 600.0)  # no re-read during the test: only a push updates the page
    o = {k: v["id"] for k, v in union.orgs.items()}
    cc = await stack.login("staff.cc", PASSWORD)
    news = {"org_id": o["cc"], "title": "Позиция ЦК", "body": "Текст", "kind": "news", "topics": [], "newsworthy": False}
    material = (await stack.http.post("/api/v1/materials", json=news, headers=cc)).json()["id"]

    page = await sign_in(browser, site, "staff.cc", **PHONE)
    streams: list[str] = []
    page.on("response", lambda r: streams.append(r.headers.get("content-type", "")) if "/events" in r.url else None)
    await page.goto(f"/ui/materials/{material}")
    box = page.locator("#deliveries")
    await box.get_by_text("Пока никуда не доставлено.").wait_for()
    await page.locator("#deliveries[data-connected]").wait_for(state="attached")  # the event stream is open
    assert any(kind.startswith("text/event-stream") for kind in streams), streams
    await page.wait_for_timeout(500)
    assert await box.get_attribute("data-updates") is None, "connecting replaced the box though nothing changed"

    started = time.monotonic()
    sent = await stack.http.post(f"/api/v1/materials/{material}/cascade", json={}, headers=cc)
    assert sent.status_code == 202, sent.text
    answered = time.monotonic()
    took = await _within(box, "Дошло до 5 из 5 организаций", answered)
    assert took < PUSHED_WITHIN, f"deliveries shown {took:.2f} s after the cascade's answer ({answered - started:.2f} s)"
    assert await box.get_attribute("data-updates") is not None
    await box.locator("#show-unread", has_text="Не прочитали (5)").wait_for()

    p1 = await stack.login("staff.p1", PASSWORD)
    done = await stack.http.post(f"/api/v1/materials/{material}/acknowledge", json={"org_id": o["p1"]}, headers=p1)
    assert done.status_code in (200, 202), done.text
    answered = time.monotonic()
    took = await _within(box.locator(".acknowledged"), "1 организация прочитала", answered)
    assert took < PUSHED_WITHIN, f"the acknowledgement shown {took:.2f} s after its answer"
    await shot(page, "deliveries-pushed-phone")

    await box.locator("#show-unread").click()
    await page.wait_for_url(f"**/ui/materials/{material}?unread=1")
    rows = page.locator("#deliveries tbody tr")
    assert await rows.count() == 4
    assert "ППО Невской верфи" not in await page.locator("#deliveries tbody").inner_text(), "the org that read it is not listed"
    await page.locator("#deliveries[data-connected]").wait_for(state="attached")  # the filtered page's stream is open
    p3 = await stack.login("viewer.t2", PASSWORD)  # a viewer may not acknowledge; the admin may, for any org
    assert (
        await stack.http.post(f"/api/v1/materials/{material}/acknowledge", json={"org_id": o["p3"]}, headers=p3)
    ).status_code == 403
    done = await stack.http.post(f"/api/v1/materials/{material}/acknowledge", json={"org_id": o["p3"]}, headers=union.admin)
    assert done.status_code in (200, 202), done.text
    answered = time.monotonic()
    took = await _within(box.locator("#show-unread"), "Не прочитали (3)", answered)
    assert took < PUSHED_WITHIN and await rows.count() == 3, "the filtered table follows the pushes too"
    assert "ППО Амурской верфи" not in await page.locator("#deliveries tbody").inner_text()
    await shot(page, "deliveries-unread-phone")
    rows_api = (await stack.http.get(f"/api/v1/materials/{material}/deliveries", headers=cc)).json()
    assert {r["recipient"] for r in rows_api if not r["acknowledged_at"]} == {o["t1"], o["t2"], o["p2"]}, rows_api
