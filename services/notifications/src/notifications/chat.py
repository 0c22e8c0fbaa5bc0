"""Chat messages through a Telegram-Bot-API-compatible HTTP API (`<base url>/sendMessage`)."""

from __future__ import annotations

import httpx

from .mail import Refusal


async def send(base_url: str, chat_id: str, text: str) -> None:
    """Posts one message; raises `Refusal` (HTTP 4xx but 429 is permanent, the rest temporary)."""
    try:
        async with httpx.AsyncClient(timeout=20) as http:
            reply = await http.post(f"{base_url.rstrip('/')}/sendMessage", json={"chat_id": chat_id, "text": text})
    except httpx.HTTPError as e:
        raise Refusal(f"chat API unreachable: {e!r}", False) from None
    if reply.status_code == 200 and reply.json().get("ok", False):
        return
    description = (
        reply.json().get("description", reply.text)
        if reply.headers.get("content-type", "").startswith("application/json")
        else reply.text
    )
    raise Refusal(f"{reply.status_code} {description}"[:500], 400 <= reply.status_code < 500 and reply.status_code != 429)
