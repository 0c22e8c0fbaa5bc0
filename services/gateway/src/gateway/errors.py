"""Errors as DESIGN.md §1 maps them: a JSON body naming the field and the rule; never a 500."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats.errors
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from contracts.envelope import HTTP_STATUS, Error, ErrorCode, ErrorDetail
from kit import logs
from kit.errors import Refused
from kit.ids import new_id

from .asgi import HttpMiddleware, Message, Receive, Scope, Send

log = logs.get("gateway")


class ApiError(Exception):
    """A refusal to send back as it is."""

    def __init__(self, error: Error, retry_after: int | None = None) -> None:
        super().__init__(error.message)
        self.error, self.retry_after = error, retry_after

    @classmethod
    def refused(cls, e: Refused) -> ApiError:
        """A service-side refusal as it is, with its Retry-After when it says when to try again."""
        return cls(e.as_error(), getattr(e, "retry_after", None))

    @classmethod
    def of(cls, code: ErrorCode, message: str, field: str | None = None, rule: str | None = None) -> ApiError:
        details = [ErrorDetail(field=field, rule=rule, message=message)] if field or rule else []
        return cls(Error(code=code, message=message, details=details))


def response(error: Error, headers: dict[str, str] | None = None) -> JSONResponse:
    """The HTTP answer to a refusal."""
    return JSONResponse(
        {"error": error.model_dump(mode="json", exclude_none=True)}, status_code=HTTP_STATUS[error.code], headers=headers
    )


def headers_of(e: ApiError) -> dict[str, str]:
    """The headers a refusal owes: how to authenticate, or when to try again."""
    headers = {"WWW-Authenticate": "Bearer"} if e.error.code is ErrorCode.UNAUTHENTICATED else {}
    if e.retry_after is not None:
        headers["Retry-After"] = str(e.retry_after)
    return headers


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every failure into DESIGN.md's error shape."""

    @app.exception_handler(ApiError)
    async def refused(_: Request, e: ApiError) -> JSONResponse:
        return response(e.error, headers_of(e))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        details = [ErrorDetail(field=_location(err["loc"]), rule=err["type"], message=err["msg"]) for err in e.errors()]
        return response(Error(code=ErrorCode.INVALID, message="the request has invalid fields", details=details))

    @app.exception_handler(HTTPException)
    async def http(_: Request, e: HTTPException) -> JSONResponse:
        code = {
            401: ErrorCode.UNAUTHENTICATED,
            403: ErrorCode.FORBIDDEN,
            404: ErrorCode.NOT_FOUND,
            413: ErrorCode.TOO_LARGE,
            429: ErrorCode.RATE_LIMITED,
        }.get(e.status_code, ErrorCode.INVALID)
        # name what is at fault even here: a body that does not parse, a path or a method with no route
        at_fault = {400: "body", 404: "path", 405: "method"}.get(e.status_code)
        rule = "malformed" if e.status_code == 400 else code.value
        details = [ErrorDetail(field=at_fault, rule=rule, message=str(e.detail))]
        error = Error(code=code, message=str(e.detail), details=details)
        body = {"error": error.model_dump(mode="json", exclude_none=True)}
        return JSONResponse(body, status_code=e.status_code, headers=dict(e.headers) if e.headers else None)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, e: Exception) -> JSONResponse:
        return response(failed(e))


DEPENDENCY_FAILURES = (OSError, TimeoutError, nats.errors.Error, OperationalError, InterfaceError, DBAPIError)
"""What a server the gateway needs (NATS, PostgreSQL) raises while it is down, restarting or cut off."""


def failed(e: BaseException) -> Error:
    """An exception no handler answered, as `unavailable` (DESIGN.md §1: a failure answers 503, never 500); a bug is
    logged with a reference the answer names, so an operator can find it."""
    if isinstance(e, DEPENDENCY_FAILURES):
        log.warning("dependency unavailable", error=type(e).__name__)
        return Error(code=ErrorCode.UNAVAILABLE, message="a server the gateway needs is not answering; retry")
    if isinstance(e, asyncio.CancelledError):  # the gateway is stopping (a deploy, a restart) with the request in flight
        log.warning("request cut off by a stop")
        return Error(code=ErrorCode.UNAVAILABLE, message="the gateway is restarting; retry")
    reference = new_id()
    log.error("request failed", reference=reference, exc_info=e)
    return Error(code=ErrorCode.UNAVAILABLE, message=f"the gateway failed to answer; it has been logged as {reference}")


class LastResort(HttpMiddleware):
    """ASGI wrapper around the whole app, outside Starlette's own error middleware: whatever still escapes (a request
    cancelled when the gateway stops, a handler that failed) gets the JSON 503 rather than uvicorn's plain-text 500."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException as e:
            if not started and isinstance(e, Exception | asyncio.CancelledError):
                error = failed(e)
                body = json.dumps({"error": error.model_dump(mode="json", exclude_none=True)}).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": HTTP_STATUS[error.code], "headers": headers})
                await send({"type": "http.response.body", "body": body})
            raise
