"""API writes signed by the UI's session cookie need the session's CSRF token (an `X-CSRF-Token` header).

A bearer token is never sent by a browser on its own, so a write that carries one needs nothing more; the cookie
is, so a write that relies on it must prove it came from our own pages (SameSite=Lax is the first line, this the
second: older browsers, a sibling subdomain, a top-level POST within the two-minute Lax window)."""

from __future__ import annotations

from starlette.requests import cookie_parser

from contracts.envelope import Error, ErrorCode, ErrorDetail

from .asgi import App, Receive, Scope, Send
from .deps import Gateway
from .errors import response
from .ui.session import COOKIE, csrf_ok

HEADER = "X-CSRF-Token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
NO_SESSION = frozenset({"/api/v1/auth/token", "/api/v1/auth/password", "/api/v1/my/sign-in/code", "/api/v1/my/sign-in"})
"""Writes that authenticate by the form they carry, never by the cookie."""


class CookieWritesNeedCsrf:
    """ASGI middleware: refuses (403 naming X-CSRF-Token) an API write authenticated only by the session cookie."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _needs_token(scope):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            session = cookie_parser(headers.get("cookie", "")).get(COOKIE)
            gw: Gateway = scope["app"].state.gateway
            if session and not _bearer(headers.get("authorization")) and not csrf_ok(gw, session, headers.get("x-csrf-token")):
                message = "an API write signed in by the UI's cookie needs the page's CSRF token; or use a bearer token"
                detail = ErrorDetail(field=HEADER, rule="csrf", message=message)
                await response(Error(code=ErrorCode.FORBIDDEN, message=message, details=[detail]))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _needs_token(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return path.startswith("/api/") and scope.get("method", "GET") not in SAFE and path not in NO_SESSION


def _bearer(authorization: str | None) -> bool:
    """Whether the request names a bearer token (the caller then ignores the cookie, deps.caller)."""
    return bool(authorization and authorization.lower().startswith("bearer ") and authorization[7:].strip())
