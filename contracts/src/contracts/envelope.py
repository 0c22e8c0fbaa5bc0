"""The CloudEvents 1.0 binary-mode envelope over NATS headers, and the request/reply shape (DESIGN.md §1–§2)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

STREAMS = {
    "registry": "REGISTRY",
    "contacts": "CONTACTS",
    "exchange": "EXCHANGE",
    "audits": "AUDITS",
    "kpi": "KPI",
    "notifications": "NOTIFICATIONS",
    "appeals": "APPEALS",
}
"""The JetStream stream of each context; its subjects are `<context>.>`."""

DEAD_LETTER_STREAM = "DEADLETTER"
"""Messages a consumer gave up on, on `deadletter.<service>.<consumer>`."""


class Header:
    """Header names of the envelope."""

    ID = "ce-id"
    TYPE = "ce-type"
    SOURCE = "ce-source"
    SPECVERSION = "ce-specversion"
    TIME = "ce-time"
    SUBJECT = "ce-subject"
    SEQUENCE = "ce-sequence"
    ORG_ID = "ce-orgid"
    CORRELATION_ID = "ce-correlationid"
    CAUSATION_ID = "ce-causationid"
    TRACEPARENT = "ce-traceparent"
    """The CloudEvents distributed-tracing extension: the W3C traceparent of the span that published the event."""
    CONTENT_TYPE = "content-type"
    MSG_ID = "Nats-Msg-Id"


class RequestHeader:
    """Header names a request to `svc.<service>.<verb>` may carry."""

    ACTOR = "ps-actor"
    COMMAND_ID = "ps-command-id"
    CORRELATION_ID = "ps-correlation-id"
    MIN_POSITIONS = "ps-min-positions"
    TRACEPARENT = "traceparent"
    """The W3C traceparent of the caller's span."""


def service_subject(service: str, verb: str) -> str:
    """The request/reply subject of a service's command or query."""
    return f"svc.{service}.{verb}"


class ErrorCode(StrEnum):
    """Why a request was refused; the gateway maps each to an HTTP status."""

    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


HTTP_STATUS = {
    ErrorCode.INVALID: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
}


class ErrorDetail(BaseModel):
    """One reason a request was refused: the field at fault and the rule it breaks, never personal data."""

    model_config = ConfigDict(frozen=True)

    field: str | None = Field(None, description="Dotted path of the field at fault", examples=["parent_id"])
    rule: str | None = Field(None, description="RULES.md rule id or validation rule", examples=["H1"])
    message: str = Field(
        description="What is wrong, in English", examples=["a primary org sits under a territorial org or the CC"]
    )


class Error(BaseModel):
    """The error part of a refused request."""

    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str
    details: list[ErrorDetail] = []


class Reply(BaseModel):
    """The answer to every request: `{"ok": true, "data", "positions"}` or `{"ok": false, "error"}`."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    data: Any = None
    positions: dict[str, int] = Field(
        default_factory=dict,
        description="Ledger positions this command wrote, by context; pass them back as min_positions",
        examples=[{"registry": 812}],
    )
    error: Error | None = None
