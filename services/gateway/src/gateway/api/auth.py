"""Sign-in, the caller's own account, and account creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from pydantic import BaseModel

from contracts.envelope import ErrorCode
from contracts.gateway import NewUser
from kit import clock
from kit.errors import Refused
from kit.store import Meta, fingerprint
from kit.tokens import Role

from ..deps import CallerDep, GatewayDep, ask
from ..domain.users import check_grant
from ..errors import ApiError

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    username: str
    role: str
    org_id: str | None


@router.post("/auth/token", response_model=Token, summary="Sign in with a username and password")
async def token(
    request: Request,
    gw: GatewayDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
) -> Token:
    try:  # the same throttle as the UI's sign-in, kept in PostgreSQL for every replica
        account = await gw.accounts.sign_in(username, password, request.client.host if request.client else None)
    except Refused as e:
        raise ApiError.refused(e) from None
    ttl = gw.settings.token_ttl_seconds
    return Token(access_token=gw.signer.sign(account.actor, clock.now(), ttl), expires_in=ttl)


@router.get("/me", response_model=Me, summary="Who the caller is: role and the root of their subtree")
async def me(gw: GatewayDep, who: CallerDep) -> Me:
    if who.actor.role is Role.MEMBER:  # a member signed in to the portal: no account, their person id
        return Me(username=who.actor.username, role=Role.MEMBER.value, org_id=None)
    account = await gw.accounts.get(who.actor.username)
    if account is None:
        raise ApiError.of(ErrorCode.UNAUTHENTICATED, "this account no longer exists", rule="account")
    return Me(username=account.username, role=account.role.value, org_id=account.org_id)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=Me, summary="Create an account (DESIGN.md §5)")
async def create_user(gw: GatewayDep, who: CallerDep, body: NewUser, response: Response) -> Me:
    role = Role(body.role)
    try:  # may this caller create it at all? Asked first, so a refused caller never learns whether a name is taken
        check_grant(who.actor, role, body.org_id)
    except Refused as e:
        raise ApiError.refused(e) from None
    if body.org_id is not None:
        await ask(gw, who, "registry", "get_org", {"org_id": body.org_id})  # exists, and is in the caller's subtree
    meta = Meta(
        command_id=who.command_id(),
        fingerprint=fingerprint("users", who.actor.username, body.username, body.role, body.org_id),
        actor=who.actor.username,
    )
    try:
        await gw.accounts.create(who.actor, body.username, body.password, role, body.org_id, meta)
    except Refused as e:
        raise ApiError.refused(e) from None
    response.headers["Location"] = f"/api/v1/users/{body.username}"
    return Me(username=body.username, role=role.value, org_id=body.org_id)
