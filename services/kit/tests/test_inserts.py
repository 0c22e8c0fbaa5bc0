"""A projection's rows, inserted as one JSON parameter, arrive exactly as given, types and all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Text,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.store import Inserts, insert_many

metadata = MetaData(schema="kit_test")
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("big", BigInteger),
    Column("on", Date),
    Column("at", DateTime(timezone=True)),
    Column("amount", Numeric(14, 2)),
    Column("flag", Boolean),
    Column("ref", UUID(as_uuid=False)),
    Column("extra", JSONB),
    Column("kind", Text, server_default="plain"),
    Column("blob", LargeBinary),
)


class Kind(StrEnum):
    CHAIR = "chair"


ROWS = [
    {
        "id": 1,
        "name": 'Иванов "Ваня" \\ \n\t‘кавычки’',
        "big": 2**62,
        "on": date(2026, 2, 28),
        "at": datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=timezone(timedelta(hours=3))),
        "amount": Decimal("1234567.89"),
        "flag": True,
        "ref": "0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a20",
        "blob": b"\x00\xff'\\x\"",
    },
    {"id": 2, "name": Kind.CHAIR, "big": None, "on": None, "at": None, "amount": None, "flag": False, "ref": None, "blob": None},
]


@pytest.fixture
async def table(engine: AsyncEngine) -> Table:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return things


async def test_rows_arrive_as_given_with_the_server_defaults_for_the_rest(engine: AsyncEngine, table: Table) -> None:
    async with engine.connect() as conn:  # not begun: the insert begins, and the commit commits it
        await insert_many(conn, table, ROWS)
        await conn.commit()
    async with engine.connect() as conn:
        found = [r._asdict() for r in await conn.execute(select(table).order_by(table.c.id))]
    assert [{k: r[k] for k in ROWS[0]} for r in found] == [{**ROWS[0], "at": ROWS[0]["at"].astimezone(UTC)}, {**ROWS[1]}]
    assert [r["kind"] for r in found] == ["plain", "plain"] and [r["extra"] for r in found] == [None, None]


async def test_rows_json_cannot_carry_or_of_differing_columns_go_through_sqlalchemy(engine: AsyncEngine, table: Table) -> None:
    rows = Inserts()
    rows.add(table, id=1, extra={"a": [1, "б"]})
    rows.add(table, id=2, name="x")
    rows.add(table, id=3)
    async with engine.begin() as conn:
        await rows.flush(conn)
    async with engine.connect() as conn:
        found = [(r.id, r.name, r.extra) for r in await conn.execute(select(table).order_by(table.c.id))]
    assert found == [(1, None, {"a": [1, "б"]}), (2, "x", None), (3, None, None)]


async def test_a_failing_insert_raises_sqlalchemys_error_and_writes_nothing(engine: AsyncEngine, table: Table) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await insert_many(conn, table, [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}])
    async with engine.connect() as conn:
        assert (await conn.execute(select(table))).all() == []
