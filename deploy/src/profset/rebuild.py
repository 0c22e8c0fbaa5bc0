"""`profset rebuild SERVICE` and `profset replay SERVICE`: a service's ledger and backlog worked on offline."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

from nats.aio.client import Client
from sqlalchemy import func, select

from kit.crypto import KeyRing
from kit.db import make_engine
from kit.projector import Projector
from kit.rpc import RequestClient
from kit.service import Runtime, Service, Wiring
from kit.store import EventStore, Ledger, Recorded, truncating

from .progress import OK, REFUSED, USAGE, Progress
from .stack import operator_environment


class NotConfigured(Exception):
    """A setting the command needs is missing."""


def ledger_of(name: str) -> Ledger:
    """The ledger tables of a service."""
    return importlib.import_module(f"{name}.tables").ledger  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def wired(name: str) -> AsyncIterator[tuple[Service, Runtime, Wiring]]:
    """The service's wiring over the operator's database, nothing started (no relay, no consumer, no NATS)."""
    env = operator_environment()
    if "DATABASE_URL" not in env:
        raise NotConfigured(f"set DATABASE_URL (and {name.upper()}_MASTER_KEY), or start the local stack")
    module: Any = importlib.import_module(f"{name}.main")
    service: Service = module.create_service()
    update = {"database_url": env["DATABASE_URL"], "master_key": env.get(f"{name.upper()}_MASTER_KEY", "")}
    settings = service.settings.model_copy(update=update)
    engine = make_engine(settings.database_url)
    nc = Client()  # the wiring wants a client; offline work sends nothing on it
    keyring = KeyRing(service.ledger, settings.master_key) if settings.master_key else None
    runtime = Runtime(settings, engine, service.ledger, nc, keyring, RequestClient(nc))
    runtime.store = EventStore(engine, service.ledger, name)
    try:
        try:
            wiring = service.wire(runtime)
        except RuntimeError as e:  # e.g. a service that keeps personal data without its <SERVICE>_MASTER_KEY
            raise NotConfigured(str(e)) from None
        yield service, runtime, wiring
    finally:
        await engine.dispose()


async def rebuild(name: str) -> int:
    """Rebuilds one service's inline read models in one transaction, with a progress bar; an exit code."""
    try:
        async with wired(name) as (service, runtime, wiring):
            if not wiring.read_models:
                print(f"{name} names no read models to rebuild", file=sys.stderr)
                return REFUSED
            events = service.ledger.events
            async with runtime.engine.connect() as conn:
                total = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
            bar = Progress(f"rebuilding {name}", total)

            async def count(_conn: Any, recorded: Sequence[Recorded]) -> None:
                bar.advance(len(recorded))

            runtime.store.inline = [*wiring.inline, count]
            applied = await runtime.store.rebuild(truncating(wiring.read_models))
            bar.close()
    except NotConfigured as e:
        print(str(e), file=sys.stderr)
        return USAGE
    print(f"rebuilt {name}'s read models from {applied} events")
    return OK


async def replay(name: str) -> int:
    """Applies a service's dead-lettered and parked events again; 0 when none still fails, else 1."""
    failing = 0
    try:
        async with wired(name) as (_, runtime, wiring):
            for projection in wiring.projections:
                projector = Projector(runtime.engine, runtime.ledger, name, projection, runtime.nc)
                applied, failed = await projector.replay()
                failing += failed
                print(f"{projector.consumer}: applied {applied}, still failing {failed}")
    except NotConfigured as e:
        print(str(e), file=sys.stderr)
        return USAGE
    return REFUSED if failing else OK
