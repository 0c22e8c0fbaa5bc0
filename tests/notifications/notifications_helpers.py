"""Helpers of the notifications tests that run a cascade to every primary org: waiting for it to be taken in and
for its letters to settle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select


async def caught_up(engine: Any) -> bool:
    """Whether notifications has applied every event of the registry's ledger."""
    async with engine.connect() as conn:
        registry_end = (await conn.execute(select(func.max(_ledger("registry").events.c.position)))).scalar_one()
        applied = (
            await conn.execute(
                select(func.min(_ledger("notifications").checkpoints.c.position)).where(
                    _ledger("notifications").checkpoints.c.source == "registry"
                )
            )
        ).scalar()
    return applied is not None and applied >= registry_end


def _ledger(service: str) -> Any:
    module = __import__(f"{service}.tables", fromlist=["ledger"])
    return module.ledger


async def central(engine: Any) -> str:
    """The CC's org id, as exchange knows it."""
    from exchange.tables import TREE

    async with engine.connect() as conn:
        return str((await conn.execute(select(TREE.orgs.c.org_id).where(TREE.orgs.c.level == "central"))).scalar_one())


async def settled(engine: Any, n: int) -> bool:
    """Whether at least `n` letters of the outbox are no longer pending."""
    from notifications.tables import outbox

    async with engine.connect() as conn:
        done = (await conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status != "pending"))).scalar_one()
    return int(done) >= n
