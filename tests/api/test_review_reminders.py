"""H2 in notifications: a publication awaiting its parent's review after it went out is waiting for the moderator as
much as one awaiting approval — reminded until it is confirmed or taken down, and no longer once decided."""

from __future__ import annotations

from notifications.tables import moderation
from sqlalchemy import select

from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, post


async def test_a_publication_under_review_waits_for_its_moderator_until_decided(stack: Stack) -> None:
    h, o = await chain(stack)
    policy = {"hold_for_review": False, "moderates_publications": False}
    assert (await stack.http.put(f"/api/v1/orgs/{o['t1']['id']}/exchange-policy", json=policy, headers=h)).status_code == 200
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["p1"]["id"], "for_publication": True}))["id"]
    asked = await stack.http.post(f"/api/v1/materials/{material}/publication", json={}, headers=h)
    assert asked.status_code in (200, 202) and "under_review" in asked.text, asked.text
    engine = stack.services["notifications"].runtime.engine

    async def waiting(decided: bool) -> bool:
        async with engine.connect() as conn:
            row = (await conn.execute(select(moderation).where(moderation.c.material_id == material))).first()
        return row is not None and row.decided is decided and row.moderator_id == o["t1"]["id"]

    await eventually(lambda: waiting(False), timeout=20)
    confirmed = await stack.http.post(f"/api/v1/materials/{material}/confirmation", json={}, headers=h)
    assert confirmed.status_code in (200, 201), confirmed.text
    await eventually(lambda: waiting(True), timeout=20)
