"""The registry's ledger opened by an operator's command (import, rebuild) rather than by the running service.

Whatever is appended here is published by the running service's relay, which polls the ledger.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from contracts.people import ErasePerson
from kit import clock
from kit.crypto import KeyRing
from kit.db import make_engine
from kit.rpc import Context
from kit.store import EventStore, Meta, retrying, truncating
from kit.tokens import Actor, Role

from .config import RegistrySettings
from .handlers.people import PeopleHandlers
from .main import inline_projections
from .tables import READ_MODELS, ledger


@contextlib.asynccontextmanager
async def opened(settings: RegistrySettings) -> AsyncIterator[tuple[EventStore, KeyRing]]:
    """The event store with the registry's inline read models, and its key ring."""
    if not settings.master_key:
        raise ValueError("the registry keeps personal data: set REGISTRY_MASTER_KEY")
    engine = make_engine(settings.database_url)
    keyring = KeyRing(ledger, settings.master_key)
    try:
        yield EventStore(engine, ledger, "registry", inline=inline_projections(keyring)), keyring
    finally:
        await engine.dispose()


async def rebuild(settings: RegistrySettings) -> int:
    """Empties the registry's read models and applies its whole ledger again; returns how many events."""
    async with opened(settings) as (store, _):
        return await store.rebuild(truncating(READ_MODELS))


async def erase(settings: RegistrySettings, person_id: str, basis: str, operator: str) -> dict[str, Any]:
    """Erases a person's data (PD1) on an operator's authority, recorded as `operator:<name>`."""
    async with opened(settings) as (store, keyring):
        now = clock.now()
        actor = Actor(f"operator:{operator}", Role.ADMIN, None)
        ctx = Context(
            actor=actor, meta=Meta(actor=actor.username), today=now.astimezone(settings.tz).date(), now=now, tz=settings.tz
        )
        erasure, handlers = ErasePerson(person_id=person_id, basis=basis), PeopleHandlers(store, keyring)
        # outside request/reply, a race with the running service is decided again here, as the dispatcher would
        committed = await retrying(lambda: handlers.erase_person(erasure, ctx))
        return dict(committed.reply.get("data") or {})
