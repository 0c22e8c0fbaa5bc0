"""The import as the operator runs it: check everything, then write, reporting as it goes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from kit.crypto import KeyRing
from kit.csvimport import Outcome, Progress
from kit.db import make_engine
from kit.store import EventStore

from ..config import RegistrySettings
from ..main import inline_projections
from ..tables import ledger
from .plan import Shows, plan
from .write import CHUNK, IN_FLIGHT, write


@contextlib.asynccontextmanager
async def opened(settings: RegistrySettings) -> AsyncIterator[tuple[EventStore, KeyRing]]:
    """The registry's store as `offline.opened` gives it, with a key ring that remembers every key the chunks in
    flight made, so the people read model takes them from memory rather than reading them back."""
    if not settings.master_key:
        raise ValueError("the registry keeps personal data: set REGISTRY_MASTER_KEY")
    engine = make_engine(settings.database_url)
    keyring = KeyRing(ledger, settings.master_key, remember=2 * IN_FLIGHT * max(CHUNK.values()))
    try:
        yield EventStore(engine, ledger, "registry", inline=inline_projections(keyring)), keyring
    finally:
        await engine.dispose()


async def run(folder: Path, settings: RegistrySettings, progress: Shows | None = None) -> Outcome:
    """Imports the CSV files in `folder`; writes nothing unless every row passes."""
    async with opened(settings) as (store, keyring):
        planned = await plan(folder, store, progress)
        if planned.problems:
            return Outcome(problems=sorted(planned.problems, key=lambda p: (p.file, p.line)))
        written = await write(planned, store, keyring, progress or Progress())
        return Outcome(written=written, skipped=planned.skipped, changed=planned.changed)
