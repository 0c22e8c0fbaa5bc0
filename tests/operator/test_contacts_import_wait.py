"""The contacts import waits for its registry mirror as long as the mirror moves, and gives up when it stands still."""

from __future__ import annotations

import asyncio
from datetime import date

from contacts.importer import _caught_up
from contacts.tables import ledger as contacts_ledger
from sqlalchemy import insert, update

from contracts.registry import HeadcountReported
from kit.db import make_engine
from kit.store import EventStore
from registry.tables import ledger as registry_ledger


async def test_the_import_waits_while_the_mirror_moves_and_not_when_it_stands_still(database_url: str) -> None:
    engine = make_engine(database_url)
    registry = EventStore(engine, registry_ledger, "registry")
    for i in range(4):
        event = HeadcountReported(org_id=f"o{i}", members=10, as_of=date(2020, 1, 1))
        await registry.append(f"org-{i}", [event], expected_version=0)
    contacts = EventStore(engine, contacts_ledger, "contacts")
    assert await _caught_up(contacts, wait=0.5) is False, "nothing mirrors the registry: give up"

    checkpoints = contacts_ledger.checkpoints
    async with engine.begin() as conn:
        await conn.execute(insert(checkpoints).values(consumer="contacts_registry-mirror", source="registry", position=0))

    async def mirror_slowly() -> None:  # each step takes longer than `wait`, but the mirror keeps moving
        for position in (1, 2, 3, 4):
            await asyncio.sleep(0.4)
            async with engine.begin() as conn:
                await conn.execute(update(checkpoints).values(position=position))

    moving = asyncio.create_task(mirror_slowly())
    assert await _caught_up(contacts, wait=1.2) is True, "4 steps of 0.4 s: longer than `wait` in all, never stalled"
    await moving
    await engine.dispose()
