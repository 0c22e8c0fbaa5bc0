"""The notifications service: plans notifications from other contexts' events, sends them, keeps receipts."""

from __future__ import annotations

import asyncio

from contracts.notifications import ListNotifications
from kit.projector import Projection
from kit.rpc import Verb
from kit.service import Runtime, Service, Wiring

from .config import NotificationsSettings
from .projections import sources
from .projections.receipts import Receipts
from .queries import Queries
from .sender import Sender
from .tables import ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The notifications service's verbs, consumers, receipts and sender."""
    settings = rt.settings
    assert isinstance(settings, NotificationsSettings)
    sender = Sender(rt.store, settings, rt.requests)

    async def send(stop: asyncio.Event) -> None:
        await sender.run(stop)

    return Wiring(
        verbs={"list_notifications": Verb(ListNotifications, Queries(rt.engine).list_notifications, command=False)},
        inline=[Receipts(settings.retry_base_seconds, settings.max_attempts).apply],
        projections=[
            Projection("registry", "registry", sources.from_registry),
            Projection("exchange", "exchange", sources.from_exchange),
        ],
        tasks=[send],
    )


def create_service(settings: NotificationsSettings | None = None) -> Service:
    """The notifications service, ready to start."""
    return Service(settings or NotificationsSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m notifications`."""
    create_service().serve()
