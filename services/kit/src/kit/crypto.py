"""Crypto-shredding: each person's identifying fields are encrypted with that person's own key.

Keys are AES-256-GCM, wrapped by the service's master key and kept in its `person_keys` table.
Destroying a key makes every copy of the person's fields, in events and tables alike, unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .store.inserts import Rows
from .store.plans import Also
from .store.tables import Ledger

PREFIX = "pd1:"


def generate_master_key() -> str:
    """A new master key, base64 of 32 random bytes."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


class KeyRing:
    """Per-person keys of one service; every call takes the caller's connection, so it joins its transaction."""

    def __init__(self, ledger: Ledger, master_key_b64: str, remember: int = 1024) -> None:
        if not master_key_b64:
            raise ValueError("a master key is required to keep personal data")
        self.table = ledger.person_keys
        self._master = AESGCM(base64.b64decode(master_key_b64))
        self._blind_key = hmac.new(base64.b64decode(master_key_b64), b"profset blind index", hashlib.sha256).digest()
        # keys `sealed_anew` made, until the read model of their append takes them: it need not read them back
        self._made: dict[str, bytes] = {}
        self._remember = remember

    async def seal_many(
        self, conn: AsyncConnection, people: Mapping[str, Mapping[str, str | None]]
    ) -> dict[str, dict[str, str | None]]:
        """Encrypts several people's fields at once, each with that person's key (created on first use)."""
        keys = await self._keys_for(conn, list(people))
        return {pid: seal_fields(keys[pid], pid, fields) for pid, fields in people.items()}

    def sealed_anew(self, person_id: str, fields: Mapping[str, str | None]) -> tuple[dict[str, str | None], Also]:
        """A new person's fields sealed with a key made now, and the write that keeps the key, for the transaction
        that records them (an append's `also`): the key is kept only if the events are, in one commit. A person
        who has a key already fails that write, and the append with it."""
        key = AESGCM.generate_key(bit_length=256)
        sealed = seal_fields(key, person_id, fields)
        if self._made.pop(person_id, None) is None:  # made twice, neither is sure to be kept: the table tells
            self._made[person_id] = key
        if len(self._made) > self._remember:  # appends that failed never took theirs: the oldest go
            del self._made[next(iter(self._made))]
        return sealed, Rows(self.table, [{"person_id": person_id, "wrapped_key": self._wrap(person_id, key)}])

    def made(self, person_id: str) -> bool:
        """Whether this key ring made the person's key lately and no read model has taken it yet."""
        return person_id in self._made

    def take_made(self, person_ids: Iterable[str]) -> dict[str, bytes]:
        """The keys of these people that `sealed_anew` made here, each handed out once: to the read model of the
        append that keeps it, which would otherwise read back what the same transaction just wrote."""
        return {p: key for p in person_ids if (key := self._made.pop(p, None)) is not None}

    async def _keys_for(self, conn: AsyncConnection, person_ids: list[str]) -> dict[str, bytes]:
        rows = await conn.execute(
            select(self.table.c.person_id, self.table.c.wrapped_key).where(self.table.c.person_id.in_(person_ids))
        )
        known = {r.person_id: r.wrapped_key for r in rows}
        if erased := [p for p, wrapped in known.items() if wrapped is None]:
            raise ValueError(f"the data of {len(erased)} person(s) was erased; nothing new may be kept")
        keys = {p: self.unwrap(p, wrapped) for p, wrapped in known.items()}
        made = {p: AESGCM.generate_key(bit_length=256) for p in person_ids if p not in known}
        if made:
            new = [{"person_id": p, "wrapped_key": self._wrap(p, key)} for p, key in made.items()]
            stmt = pg_insert(self.table).on_conflict_do_nothing().returning(self.table.c.person_id)
            kept = {r.person_id for r in await conn.execute(stmt, new)}
            if kept != set(made):  # another transaction made some of these keys first: theirs are the ones kept
                return await self.keys(conn, person_ids)
            keys.update(made)
        return keys

    def blind(self, text: str) -> list[str]:
        """Keyed digests of every word prefix (2+ letters), so names can be searched without keeping them."""
        return sorted({self.blind_value(w[:n])[:32] for w in _words(text) for n in range(2, len(w) + 1)})

    def blind_value(self, text: str) -> str:
        """A keyed digest of a whole value, so equal values can be found without keeping them."""
        return hmac.new(self._blind_key, text.encode(), hashlib.sha256).hexdigest()

    def blind_query(self, text: str) -> list[str]:
        """The digests a search must all match: one per word of the query, as typed."""
        return sorted({self.blind_value(w)[:32] for w in _words(text) if len(w) >= 2})

    async def encrypt(self, conn: AsyncConnection, person_id: str, plaintext: str) -> str:
        """Encrypts a field with the person's key, creating the key on first use; a `ValueError` once erased."""
        return seal((await self._keys_for(conn, [person_id]))[person_id], person_id, plaintext)

    async def keys(self, conn: AsyncConnection, person_ids: Iterable[str]) -> dict[str, bytes]:
        """The live keys of several people at once; erased people are absent."""
        rows = await conn.execute(
            select(self.table.c.person_id, self.table.c.wrapped_key).where(
                self.table.c.person_id.in_(list(set(person_ids))), self.table.c.wrapped_key.is_not(None)
            )
        )
        return {r.person_id: self.unwrap(r.person_id, r.wrapped_key) for r in rows}

    async def destroy(self, conn: AsyncConnection, person_id: str) -> None:
        """Destroys the person's key for good (an erasure); later encrypts are refused."""
        self._made.pop(person_id, None)
        stmt = pg_insert(self.table).values(person_id=person_id, wrapped_key=None, destroyed_at=func.now())
        gone = {"wrapped_key": None, "destroyed_at": func.now()}
        await conn.execute(stmt.on_conflict_do_update(index_elements=[self.table.c.person_id], set_=gone))

    def _wrap(self, person_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._master.encrypt(nonce, key, person_id.encode())

    def unwrap(self, person_id: str, wrapped: bytes) -> bytes:
        """The person's key from its wrapped form, as read from the key table by a query of the caller's own."""
        return self._master.decrypt(wrapped[:12], wrapped[12:], person_id.encode())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold().replace("ё", "е"))


def seal(key: bytes, person_id: str, plaintext: str) -> str:
    """Encrypts one field with a key already fetched, bound to the person's id."""
    nonce = os.urandom(12)
    return PREFIX + base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), person_id.encode())).decode()


def seal_fields(key: bytes, person_id: str, fields: Mapping[str, str | None]) -> dict[str, str | None]:
    """Encrypts each field given (None stays None) with the person's key."""
    return {name: None if value is None else seal(key, person_id, value) for name, value in fields.items()}


def open_field(key: bytes | None, person_id: str, token: str) -> str | None:
    """Decrypts one field with a key already fetched; None when the key is gone."""
    if key is None or not token.startswith(PREFIX):
        return None
    raw = base64.b64decode(token[len(PREFIX) :])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], person_id.encode()).decode()
    except InvalidTag:
        return None
