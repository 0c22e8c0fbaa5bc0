"""The security headers every answer carries, added as plain ASGI (an `@app.middleware` costs each request a task),
and a request's header as plain ASGI middleware reads it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

from .asgi import HttpMiddleware, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Set on every answer unless a route set its own."""

UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""The staff UI's Content-Security-Policy: its own scripts, styles and forms only, so injected markup cannot run.
Not on /docs, whose Swagger page loads its scripts from a CDN and runs one inline."""


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware: adds SECURITY_HEADERS (and UI_POLICY under /ui) to a response that has not set them."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = dict(SECURITY_HEADERS)
        if str(scope.get("path", "")).startswith("/ui"):
            wanted["Content-Security-Policy"] = UI_POLICY

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)


def request_header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request's header (`name` in lower case, as ASGI gives names); None if it was not sent."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
