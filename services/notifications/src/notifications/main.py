"""The notifications service: plans notifications from other contexts' events, sends them, keeps receipts."""

from __future__ import annotations

import asyncio

from contracts.notifications import ListNotifications, SendSignInCode, SetPreference
from kit.projection import Inline, Projection
from kit.readcache import ReadCache
from kit.rpc import Verb
from kit.service import Runtime, Service, Wiring
from mirrors.treemirror import KeptTrees

from .config import NotificationsSettings
from .preferences import Preferences
from .projections import sources
from .projections.appeals import APPEALS_EVENTS, AppealsSource
from .projections.receipts import Receipts
from .queries import Queries
from .reminders import Planner
from .sender import Sender
from .signin import SignInCodes
from .tables import TREE, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The notifications service's verbs, consumers, receipts and sender."""
    settings = rt.settings
    assert isinstance(settings, NotificationsSettings)
    sender = Sender(rt.store, settings, rt.requests)
    channels_in_use = ("email", "chat") if settings.chat_base_url else ("email",)
    planner = Planner(rt.engine, settings, channels_in_use)
    registry = Projection(
        "registry", "registry", sources.RegistrySource(channels_in_use, settings.tz).apply, sources.REGISTRY_EVENTS
    )
    trees = KeptTrees(ReadCache(rt.store, "notifications-tree", written_by=registry), TREE)

    async def send(stop: asyncio.Event) -> None:
        await sender.run(stop)

    async def remind(stop: asyncio.Event) -> None:
        await planner.run(stop)

    return Wiring(
        verbs={
            "list_notifications": Verb(ListNotifications, Queries(rt.engine, trees).list_notifications, command=False),
            "set_preference": Verb(SetPreference, Preferences(rt.store, trees).set_preference, command=True),
            "send_sign_in_code": Verb(SendSignInCode, SignInCodes(settings, rt.requests).send_sign_in_code, command=False),
        },
        inline=[Inline(Receipts(settings.retry_base_seconds, settings.max_attempts).apply, reads=False)],
        projections=[
            registry,
            Projection(
                "exchange", "exchange", sources.ExchangeSource(channels_in_use, settings.tz).apply, sources.EXCHANGE_EVENTS
            ),
            Projection("contacts", "contacts", sources.from_contacts, sources.CONTACTS_EVENTS),
            Projection("audits", "audits", sources.from_audits, sources.AUDITS_EVENTS),
            Projection("appeals", "appeals", AppealsSource(channels_in_use, settings.tz).apply, APPEALS_EVENTS),
        ],
        tasks=[send, remind],
        roles={"sender": lambda: sender.leading},
    )


def create_service(settings: NotificationsSettings | None = None) -> Service:
    """The notifications service, ready to start."""
    return Service(settings or NotificationsSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m notifications`."""
    create_service().serve()
