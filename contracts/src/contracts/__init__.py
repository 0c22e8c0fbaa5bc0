"""Profset's public contracts: every event, command and query body, and the envelope they travel in.

A process loads the contexts' modules it imports and no others: each context's models cost memory (their validators
are built as the module loads) that a service never using them should not hold. `EVENTS` here, and `decode_event` when
it meets an event it does not know yet, load them all."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import CONTRACT_MODULES, Event, Payload, all_events, decode_event
from .envelope import STREAMS, ErrorCode, Header, Reply, RequestHeader

if TYPE_CHECKING:
    from . import appeals, audits, contacts, exchange, gateway, kpi, notifications, officers, org_facts, people, registry
    from .base import EVENTS

__all__ = [
    "EVENTS",
    "STREAMS",
    "ErrorCode",
    "Event",
    "Header",
    "Payload",
    "Reply",
    "RequestHeader",
    "appeals",
    "audits",
    "contacts",
    "decode_event",
    "exchange",
    "gateway",
    "kpi",
    "notifications",
    "officers",
    "org_facts",
    "people",
    "registry",
]


def __getattr__(name: str) -> Any:
    """A context's module, loaded when first asked for; `EVENTS`, every event class (all modules loaded)."""
    if name == "EVENTS":
        return all_events()
    if name in CONTRACT_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
