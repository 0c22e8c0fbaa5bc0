"""Each consumer is filtered to the events its projection takes: the filter loses nothing and takes nothing idle.

Every event of a projection's source context goes through its `apply` with a connection that may not be touched.
An event outside the filter must leave it untouched (JetStream no longer delivers it, so nothing may depend on it);
an event inside must be acted on.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.aio.client import Client

from contracts import EVENTS
from kit.crypto import KeyRing, generate_master_key
from kit.db import make_engine
from kit.projector import Delivered, Projection
from kit.rpc import RequestClient
from kit.service import Runtime
from kit.store.eventstore import EventStore

CONSUMING = ("contacts", "exchange", "notifications", "audits", "kpi")


class Touched(Exception):
    """The projection reached for the database."""


class Untouchable:
    """A connection that refuses every use."""

    def __getattr__(self, name: str) -> Any:
        raise Touched(name)


def projections(name: str) -> list[Projection]:
    """A service's projections, wired as at startup but never connected."""
    service = importlib.import_module(f"{name}.main").create_service()
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/never")
    keyring = KeyRing(service.ledger, generate_master_key())
    runtime = Runtime(service.settings, engine, service.ledger, Client(), keyring, RequestClient(Client()))
    runtime.store = EventStore(engine, service.ledger, name)
    return list(service.wire(runtime).projections)


def delivered(cls: Any) -> Delivered:
    event = cls.model_construct()  # only its type matters to a projection that ignores it
    at = datetime(2026, 3, 1, tzinfo=UTC)
    return Delivered(cls.context, 1, "e1", "a1", None, cls.ce_type(), event, at)


@pytest.mark.parametrize("service", CONSUMING)
async def test_a_projection_acts_on_what_it_takes_and_leaves_the_rest_untouched(service: str) -> None:
    found = projections(service)
    assert found and all(p.subjects for p in found), "every consumer is filtered"
    for projection in found:
        for cls in [c for c in EVENTS.values() if c.context == projection.source]:
            taken = cls.nats_subject() in projection.subjects
            try:
                await projection.apply(Untouchable(), delivered(cls))  # type: ignore[arg-type]
                acted = False
            except (Touched, AttributeError):  # an unset field read counts: the event was looked into
                acted = True
            where = f"{service}/{projection.name}: {cls.__name__}"
            assert acted == taken, f"{where} is {'taken but ignored' if taken else 'acted on but filtered out'}"
