"""The staff UI's session: a signed token in an HttpOnly cookie, and CSRF tokens bound to it."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response

from kit import clock
from kit.errors import Refused
from kit.ids import new_id
from kit.tokens import Actor

from ..deps import Caller, Gateway

COOKIE = "profset_session"  # the API's `caller` reads the same cookie
MEMBER_COOKIE = "profset_member"  # the member portal's session, apart from the staff's
LANG_COOKIE = "profset_lang"


def open_session(gw: Gateway, response: Response, actor: Actor) -> None:
    """Signs the user in: secure, HttpOnly, SameSite cookie that lives as long as the token."""
    ttl = gw.settings.token_ttl_seconds
    token = gw.signer.sign(actor, clock.now(), ttl)
    response.set_cookie(COOKIE, token, max_age=ttl, httponly=True, secure=True, samesite="lax", path="/")


def close_session(response: Response) -> None:
    """Signs the user out."""
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def session_caller(gw: Gateway, request: Request, idempotency_key: str | None = None, cookie: str = COOKIE) -> Caller | None:
    """The user a page request's cookie names, or None when it is missing, forged or expired (whether the session still
    stands after a password change is `live_caller`'s question); the member portal's session is a cookie of its own."""
    token = request.cookies.get(cookie)
    if not token:
        return None
    try:
        actor = gw.verifier.verify(token, clock.now())
    except Refused:
        return None
    return Caller(actor, token, idempotency_key, {}, request.headers.get("x-request-id", new_id())[:100])


async def live_caller(gw: Gateway, request: Request, idempotency_key: str | None = None) -> Caller | None:
    """The signed-in user of a page request, or None also when the password changed after the session began."""
    who = session_caller(gw, request, idempotency_key)
    if who is None:
        return None
    _, _, issued = gw.verifier.verify_claims(who.token, clock.now())
    return None if await gw.accounts.revoked(who.actor, issued) else who


def csrf_token(gw: Gateway, token: str) -> str:
    """The form token of a session: an HMAC of the session token, so a page of another site cannot know it."""
    key = hashlib.sha256(b"profset-ui-csrf\x1f" + gw.settings.token_private_key.encode()).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(gw: Gateway, token: str, sent: str | None) -> bool:
    """Whether a form carried its session's CSRF token."""
    return bool(sent) and hmac.compare_digest(csrf_token(gw, token), sent or "")
