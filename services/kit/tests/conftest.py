"""Fixtures of the kit's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.db import make_engine
from kit.store import EventStore, create_ledger
from profset_testing.counting import LEDGER, count_inline, seen


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE SCHEMA kit_test")
        await conn.run_sync(lambda sync: create_ledger(sync, "kit_test"))
        await conn.run_sync(seen.create)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> EventStore:
    return EventStore(engine, LEDGER, "registry", inline=[count_inline])
