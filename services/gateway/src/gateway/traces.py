"""A span per HTTP request, the root of the trace its commands and their events follow (kit.tracing)."""

from __future__ import annotations

from typing import Any

from kit import tracing

from .asgi import HttpMiddleware, Message, Receive, Scope, Send
from .headers import request_header


class Traced(HttpMiddleware):
    """ASGI middleware: each HTTP request runs in a server span, under the client's `traceparent` if it sent one."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope.get("path", "")
        parent = request_header(scope, b"traceparent")
        with tracing.span(f"{method} {path}", tracing.SpanKind.SERVER, parent, **{"http.request.method": method}) as span:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, sending)
            route: Any = scope.get("route")
            if route is not None and hasattr(route, "path"):  # named by its template, not by the ids in its path
                span.update_name(f"{method} {route.path}")
                span.set_attribute("http.route", route.path)
