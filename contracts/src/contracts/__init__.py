"""Profset's public contracts: every event, command and query body, and the envelope they travel in."""

from . import appeals, audits, contacts, exchange, gateway, kpi, notifications, officers, org_facts, people, registry
from .base import EVENTS, Event, Payload, decode_event
from .envelope import STREAMS, ErrorCode, Header, Reply, RequestHeader

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
