"""Passwords: the owner changes their own (also when it must be changed at first sign-in), an administrator resets one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from pydantic import Field

from contracts.base import Payload
from kit import clock
from kit.errors import Refused
from kit.store import Meta, fingerprint

from ..deps import CallerDep, GatewayDep
from ..errors import ApiError
from .auth import Token

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class PasswordReset(Payload):
    """The body of `PUT /api/v1/users/{username}/password`."""

    password: str = Field(min_length=10, max_length=200, description="The new password; its owner may have to change it")


@router.post("/auth/password", response_model=Token, summary="Change your own password (and sign in with the new one)")
async def change_password(
    request: Request,
    gw: GatewayDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=200)],
) -> Token:
    """Needs the current password, not a token: so the bootstrap admin can choose theirs before any token is given."""
    try:  # as throttled as a sign-in: the current password is checked the same way
        account = await gw.accounts.sign_in(username, password, request.client.host if request.client else None, new_password)
    except Refused as e:
        raise ApiError.refused(e) from None
    ttl = gw.settings.token_ttl_seconds
    return Token(access_token=gw.signer.sign(account.actor, clock.now(), ttl), expires_in=ttl)


@router.put("/users/{username}/password", status_code=status.HTTP_204_NO_CONTENT, summary="Reset an account's password (admin)")
async def reset_password(gw: GatewayDep, who: CallerDep, username: str, body: PasswordReset) -> Response:
    meta = Meta(
        command_id=who.command_id(),
        fingerprint=fingerprint("password-reset", who.actor.username, username),
        actor=who.actor.username,
    )
    try:
        await gw.accounts.reset_password(who.actor, username, body.password, meta)
    except Refused as e:
        raise ApiError.refused(e) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
