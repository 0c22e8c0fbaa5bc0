"""Refusals a handler raises; the request/reply edge turns each into `{"ok": false, "error"}`."""

from __future__ import annotations

from contracts.envelope import Error, ErrorCode, ErrorDetail


class Refused(Exception):
    """A request that cannot be done, with a code the gateway maps to an HTTP status."""

    def __init__(self, code: ErrorCode, message: str, details: list[ErrorDetail] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or []

    def as_error(self) -> Error:
        """The wire form."""
        return Error(code=self.code, message=self.message, details=self.details)


class RuleBroken(Refused):
    """A rule of RULES.md (or a counting convention) that the request would break: `invalid`, naming the rule."""

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(ErrorCode.INVALID, f"{rule}: {message}", [ErrorDetail(field=field, rule=rule, message=message)])
        self.rule = rule


def invalid(field: str, message: str, rule: str = "valid") -> Refused:
    """A field whose value is not acceptable."""
    return Refused(ErrorCode.INVALID, message, [ErrorDetail(field=field, rule=rule, message=message)])


def not_found(what: str, field: str | None = None) -> Refused:
    """Nothing by that id (on that date)."""
    return Refused(
        ErrorCode.NOT_FOUND, f"{what} not found", [ErrorDetail(field=field, rule="exists", message=f"{what} not found")]
    )


def forbidden(message: str) -> Refused:
    """The caller's role or subtree does not allow it (DESIGN.md §5)."""
    return Refused(ErrorCode.FORBIDDEN, message, [ErrorDetail(rule="access", message=message)])


def conflict(message: str) -> Refused:
    """Someone else changed it first, or an idempotency key was reused for another request."""
    return Refused(ErrorCode.CONFLICT, message, [ErrorDetail(rule="concurrency", message=message)])


def too_large(field: str, message: str) -> Refused:
    """A body or file over its size limit (the gateway answers 413)."""
    return Refused(ErrorCode.TOO_LARGE, message, [ErrorDetail(field=field, rule="size", message=message)])


def unavailable(message: str) -> Refused:
    """A dependency (Postgres, NATS, a read model still catching up) is not there now; retry."""
    return Refused(ErrorCode.UNAVAILABLE, message)
