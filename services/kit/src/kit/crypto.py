"""Crypto-shredding: each person's identifying fields are encrypted with that person's own key.

Keys are AES-256-GCM, wrapped by the service's master key and kept in its `person_keys` table.
Destroying a key makes every copy of the person's fields, in events and tables alike, unreadable.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .store.tables import Ledger

PREFIX = "pd1:"
ERASED = None
"""What a field decrypts to once its owner's key is destroyed."""


def generate_master_key() -> str:
    """A new master key, base64 of 32 random bytes."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


class KeyRing:
    """Per-person keys of one service; every call takes the caller's connection, so it joins its transaction."""

    def __init__(self, ledger: Ledger, master_key_b64: str) -> None:
        if not master_key_b64:
            raise ValueError("a master key is required to keep personal data")
        self.table = ledger.person_keys
        self._master = AESGCM(base64.b64decode(master_key_b64))

    async def encrypt(self, conn: AsyncConnection, person_id: str, plaintext: str) -> str:
        """Encrypts a field with the person's key, creating the key on first use."""
        key = await self._key(conn, person_id, create=True)
        if key is None:
            raise ValueError("this person's data was erased; nothing new may be kept")
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), person_id.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    async def decrypt(self, conn: AsyncConnection, person_id: str, token: str | None) -> str | None:
        """The plaintext, or None if the person was erased (or the field is empty)."""
        if not token:
            return None
        keys = await self.keys(conn, [person_id])
        return open_field(keys.get(person_id), person_id, token)

    async def keys(self, conn: AsyncConnection, person_ids: Iterable[str]) -> dict[str, bytes]:
        """The live keys of several people at once; erased people are absent."""
        rows = await conn.execute(
            select(self.table.c.person_id, self.table.c.wrapped_key).where(
                self.table.c.person_id.in_(list(set(person_ids))), self.table.c.wrapped_key.is_not(None)
            )
        )
        return {r.person_id: self._unwrap(r.person_id, r.wrapped_key) for r in rows}

    async def destroy(self, conn: AsyncConnection, person_id: str) -> None:
        """Destroys the person's key for good (an erasure); later encrypts are refused."""
        stmt = pg_insert(self.table).values(person_id=person_id, wrapped_key=None, destroyed_at=func.now())
        await conn.execute(stmt.on_conflict_do_nothing())
        await conn.execute(
            update(self.table).where(self.table.c.person_id == person_id).values(wrapped_key=None, destroyed_at=func.now())
        )

    async def _key(self, conn: AsyncConnection, person_id: str, create: bool) -> bytes | None:
        row = (
            await conn.execute(
                select(self.table.c.wrapped_key, self.table.c.destroyed_at).where(self.table.c.person_id == person_id)
            )
        ).first()
        if row is not None:
            return None if row.wrapped_key is None else self._unwrap(person_id, row.wrapped_key)
        if not create:
            return None
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + self._master.encrypt(nonce, key, person_id.encode())
        await conn.execute(pg_insert(self.table).values(person_id=person_id, wrapped_key=wrapped).on_conflict_do_nothing())
        return await self._key(conn, person_id, create=False)

    def _unwrap(self, person_id: str, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:12], wrapped[12:], person_id.encode())


def open_field(key: bytes | None, person_id: str, token: str) -> str | None:
    """Decrypts one field with a key already fetched; None when the key is gone."""
    if key is None or not token.startswith(PREFIX):
        return None
    raw = base64.b64decode(token[len(PREFIX) :])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], person_id.encode()).decode()
    except InvalidTag:
        return None
