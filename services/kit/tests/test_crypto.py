"""Crypto-shredding against a real PostgreSQL: a destroyed key makes every copy unreadable."""

from __future__ import annotations

import pytest
from kit_helpers import LEDGER

from kit.crypto import KeyRing, generate_master_key


async def test_a_field_is_readable_until_its_owner_is_erased(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    async with engine.begin() as conn:
        sealed = await ring.encrypt(conn, "person-1", "Иванов Иван Иванович")
        other = await ring.encrypt(conn, "person-2", "Петрова Анна")
    assert "Иванов" not in sealed
    async with engine.begin() as conn:
        assert await ring.decrypt(conn, "person-1", sealed) == "Иванов Иван Иванович"
        assert await ring.decrypt(conn, "person-2", sealed) is None, "a field is bound to its owner"
        await ring.destroy(conn, "person-1")
    async with engine.begin() as conn:
        assert await ring.decrypt(conn, "person-1", sealed) is None
        assert await ring.decrypt(conn, "person-2", other) == "Петрова Анна"
        with pytest.raises(ValueError, match="erased"):
            await ring.encrypt(conn, "person-1", "again")


async def test_keys_are_useless_without_the_master_key(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        sealed = await KeyRing(LEDGER, generate_master_key()).encrypt(conn, "p", "secret")
    async with engine.begin() as conn:
        with pytest.raises(Exception):  # noqa: B017 - the wrapped key does not open under another master key
            await KeyRing(LEDGER, generate_master_key()).decrypt(conn, "p", sealed)
