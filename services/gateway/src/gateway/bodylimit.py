"""A request body over its limit is refused with 413 before it is read into memory (DESIGN.md §1, `too_large`)."""

from __future__ import annotations

import contextlib

from contracts.envelope import Error, ErrorCode, ErrorDetail

from .asgi import App, Message, Receive, Scope, Send
from .errors import response

MULTIPART_SLACK = 64 * 1024
"""Room for a multipart upload's boundaries and headers over the file's own limit (the route checks the file)."""


class BodyLimit:
    """ASGI middleware: counts a request's body as it arrives — by Content-Length when sent, and chunk by chunk
    either way (a chunked body has none) — and answers 413 naming the limit once it is passed. At most the limit
    is ever held; the app gets the body it would have read."""

    def __init__(self, app: App, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit + MULTIPART_SLACK

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.upload_limit if multipart else self.json_limit
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit, scope, receive, send)
            return
        if multipart:  # the route streams the file to a spooled temporary file; only the total is capped here
            await self._capped(limit, scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(limit, scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _capped(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        """Runs the app on a body that may not pass `limit`; once it does, whatever the app answers
        (its body parser turns the failure into a 400) is replaced by the 413."""
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
            return message

        async def guarded(message: Message) -> None:
            if seen <= limit:
                await send(message)

        with contextlib.suppress(TooLarge):
            await self.app(scope, capped, guarded)
        if seen > limit:
            await _too_large(limit, scope, receive, send)


class TooLarge(Exception):
    """A streamed body passed its limit while the app was reading it."""


def too_large_error(limit: int) -> Error:
    """The refusal of a body over `limit` bytes, naming the limit."""
    message = f"the request body is larger than {limit} bytes"
    return Error(
        code=ErrorCode.TOO_LARGE,
        message=message,
        details=[ErrorDetail(field="body", rule="max_body_bytes", message=message)],
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that hands the app the body already read, then whatever comes after (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    await response(too_large_error(limit), {"Connection": "close"})(scope, receive, send)
