"""Each consumer is filtered to the events its projection takes: the filter loses nothing and takes nothing idle.

Every event of a projection's source context goes through its `apply` with a connection that may not be touched.
An event outside the filter must leave it untouched (JetStream no longer delivers it, so nothing may depend on it);
an event inside must be acted on.
"""

from __future__ import annotations

import enum
import importlib
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from nats.aio.client import Client

from contracts import EVENTS
from kit.crypto import KeyRing, generate_master_key
from kit.db import make_engine
from kit.projection import Delivered, Projection
from kit.rpc import RequestClient
from kit.service import Runtime
from kit.store import EventStore

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


class Unread:
    """A connection whose statements run but whose results may not be read: what a pipeline allows."""

    def __init__(self) -> None:
        self.statements = 0

    async def execute(self, *_: Any, **__: Any) -> Untouchable:
        self.statements += 1
        return Untouchable()

    sync_connection = None  # so the psycopg connection is asked for as on a connection not yet opened
    autocommit = False  # as a projector's connection is

    def in_transaction(self) -> bool:
        return True

    async def get_raw_connection(self) -> Any:
        return SimpleNamespace(driver_connection=self)  # statements run on psycopg's connection alike

    def __getattr__(self, name: str) -> Any:
        raise Touched(name)


def sample(annotation: Any) -> Any:
    """A plausible value of a field's type."""
    kinds = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    kind = typing.get_origin(kinds[0]) or kinds[0]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return next(iter(kind))
    made = {int: 1, Decimal: Decimal(1), bool: True, date: date(2026, 3, 1), datetime: datetime(2026, 3, 1, tzinfo=UTC)}
    return made.get(kind, [] if kind in (list, tuple) else "x1")


def filled(cls: Any) -> Delivered:
    """The event with every required field given a value, delivered."""
    event = cls.model_construct(**{n: sample(f.annotation) for n, f in cls.model_fields.items() if f.is_required()})
    return Delivered(cls.context, 1, "e1", "a1", None, cls.ce_type(), event, datetime(2026, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize("service", CONSUMING)
async def test_what_a_projection_pipelines_it_applies_without_reading_a_result(service: str) -> None:
    for projection in projections(service):
        for cls in projection.writes_only:
            conn = Unread()
            try:
                await projection.apply(conn, filled(cls))  # type: ignore[arg-type]
            except (Touched, TypeError) as e:  # TypeError: iterating a result
                raise AssertionError(f"{service}/{projection.name}: {cls.__name__} reads a result ({e!r})") from None
            assert conn.statements, f"{service}/{projection.name}: {cls.__name__} wrote nothing"
