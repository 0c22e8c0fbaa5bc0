"""Every service's request/reply verbs and the payload each accepts."""

from __future__ import annotations

from . import appeals, audits, contacts, exchange, kpi, notifications, officers, org_facts, people, registry
from .base import Payload

SERVICES: dict[str, dict[str, type[Payload]]] = {
    "registry": {**registry.VERBS, **people.VERBS, **officers.VERBS, **org_facts.VERBS},
    "contacts": contacts.VERBS,
    "exchange": exchange.VERBS,
    "kpi": kpi.VERBS,
    "notifications": notifications.VERBS,
    "audits": audits.VERBS,
    "appeals": appeals.VERBS,
}
