"""Chat messages through a Telegram-Bot-API-compatible HTTP API (`<base url>/sendMessage`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kit.imports import hiding

from .domain.text import readable
from .mail import Refusal

if TYPE_CHECKING:
    import httpx

LIMIT = 4096
"""Characters a Bot API message may hold; a longer text is cut rather than refused."""


async def send(base_url: str, chat_id: str, text: str) -> None:
    """Posts one message; raises `Refusal` (HTTP 4xx but 429 is permanent, the rest temporary). Whatever the text or
    the server's answer, nothing else is raised."""
    # httpx is loaded at the first chat message, not at start (a service with no chat API configured never sends one),
    # and without rich, which it imports for its command-line client only: about 8 MB resident together
    with hiding("rich"):
        import httpx

    body = readable(text)
    body = body if len(body) <= LIMIT else body[: LIMIT - 1] + "…"
    try:
        async with httpx.AsyncClient(timeout=20) as http:
            reply = await http.post(f"{base_url.rstrip('/')}/sendMessage", json={"chat_id": chat_id, "text": body})
    except httpx.HTTPError as e:
        # the base URL holds the bot's token: it never goes into a reason
        said = str(e).replace(base_url.rstrip("/"), "<chat API>")
        raise Refusal(f"chat API unreachable: {type(e).__name__}: {said}", False, "chat_unreachable") from None
    answer = _json(reply)
    if reply.status_code == 200 and answer.get("ok", False) is True:
        return
    description = str(answer.get("description", "")) or reply.text[:200]
    code = reply.status_code
    raise Refusal(f"{code} {description}", 400 <= code < 500 and code != 429, "chat_refused", code)


def _json(reply: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or an empty one when it is not one (a proxy's error page, a broken server)."""
    try:
        found = reply.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
