"""Every service's request/reply verbs and the payload each accepts."""

from __future__ import annotations

from . import registry
from .base import Payload

SERVICES: dict[str, dict[str, type[Payload]]] = {
    "registry": registry.VERBS,
}
