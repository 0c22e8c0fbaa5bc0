"""The member portal's API (`/api/v1/my/…`): sign-in by a one-time code mailed to the member's own usable address, and
the member's own appeals and their replies to the union's questions. The services decide what a member may see (the
token names the person); this only relays."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from contracts.appeals import Reply
from contracts.appeals.events import SITUATION_ID, TEXT
from contracts.envelope import ErrorCode
from kit import clock, logs
from kit.errors import Refused
from kit.ids import new_id
from kit.tokens import Actor, Role

from ..deps import Caller, CallerDep, Gateway, GatewayDep, ask
from ..errors import ApiError
from ..throttle import Throttled

router = APIRouter(prefix="/api/v1/my", tags=["member portal"])
log = logs.get("gateway.portal")

MEMBER_NUMBER = Field(
    min_length=1, max_length=100, description="The member's number (printed on the membership card)", examples=["0190f3a2"]
)
SENDING_TTL = 60
"""Seconds the token lives that asks notifications to mail a code: it never leaves the gateway."""


class CodeRequest(BaseModel):
    member_number: str = MEMBER_NUMBER


class CodeSignIn(BaseModel):
    member_number: str = MEMBER_NUMBER
    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", description="The six digits from the letter", examples=["042917"])


class MyFiling(BaseModel):
    situation_id: str = SITUATION_ID
    text: str = TEXT
    to_org_id: str | None = Field(None, description="Your org (default), or the territorial org or the CC above it")


class MemberToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


def _host(request: Request) -> str | None:
    return request.client.host if request.client else None


def member_caller(gw: Gateway, person_id: str, ttl: int) -> Caller:
    """A caller standing for a member (their token signed here, the one signer of users' tokens)."""
    token = gw.signer.sign(Actor(person_id, Role.MEMBER, None), clock.now(), ttl)
    return Caller(Actor(person_id, Role.MEMBER, None), token, None, {}, new_id())


async def member_today(gw: Gateway, member_number: str) -> bool:
    """Whether the number is a member of the union today, as appeals (which follows the registry) tells it: the portal
    is for members; one who left, an officer who never was a member, or an erased person gets no session."""
    orgs = await ask(gw, member_caller(gw, member_number.strip(), SENDING_TTL), "appeals", "list_my_orgs", {})
    return bool(orgs)


async def send_code(gw: Gateway, member_number: str, host: str | None) -> None:
    """Issues a code and has notifications mail it to the member's own usable address; says nothing of whether the
    number is known, is a member today or has an address (only a refusal to count, or a service down, comes back)."""
    try:
        code = await gw.codes.issue(member_number, host)
    except Refused as e:
        raise ApiError.refused(e) from None
    if not await member_today(gw, member_number):
        log.info("a sign-in code was not sent", code="not_a_member_today")
        return
    payload = {"code": code, "valid_minutes": gw.codes.policy.valid_minutes}
    try:
        await ask(gw, member_caller(gw, member_number.strip(), SENDING_TTL), "notifications", "send_sign_in_code", payload)
    except ApiError as e:
        if e.error.code is ErrorCode.UNAVAILABLE:
            raise
        log.info("a sign-in code was not sent", code=e.error.code.value)


async def sign_in_with_code(gw: Gateway, member_number: str, code: str, host: str | None) -> tuple[str, int]:
    """The member's token for a right code (used up by it); wrong guesses count against the address as wrong passwords."""
    counted = f"member:{gw.codes.member_key(member_number)[:40]}"
    try:
        await gw.accounts.throttle.check(counted, host, door="member")
        await gw.codes.redeem(member_number, code)
    except Throttled as e:  # the staff sign-in's throttle, but the field a member fills in is the code
        message = "too many wrong codes; try again later"
        wait = ApiError.of(ErrorCode.RATE_LIMITED, message, field="code", rule="rate")
        raise ApiError(wait.error, e.retry_after) from None
    except Refused as e:
        if any(d.rule == "code_wrong" for d in e.details):
            await gw.accounts.throttle.failed(counted, host, door="member")
        raise ApiError.refused(e) from None
    await gw.accounts.throttle.succeeded(counted)
    if not await member_today(gw, member_number):  # left since the code was sent
        raise ApiError.of(ErrorCode.FORBIDDEN, "not a member of the union today", field="member_number", rule="member")
    ttl = gw.settings.token_ttl_seconds
    return member_caller(gw, member_number.strip(), ttl).token, ttl


@router.post("/sign-in/code", status_code=status.HTTP_202_ACCEPTED, summary="Ask for a one-time code by e-mail")
async def ask_code(request: Request, gw: GatewayDep, body: CodeRequest) -> dict[str, Any]:
    await send_code(gw, body.member_number, _host(request))
    return {"sent": "if the number is known and has a usable e-mail address", "valid_minutes": gw.codes.policy.valid_minutes}


@router.post("/sign-in", response_model=MemberToken, summary="Sign in with the code: a member's token")
async def sign_in(request: Request, gw: GatewayDep, body: CodeSignIn) -> MemberToken:
    token, ttl = await sign_in_with_code(gw, body.member_number, body.code.strip(), _host(request))
    return MemberToken(access_token=token, expires_in=ttl)


@router.get("/orgs", summary="Your org and those above it: where an appeal may go")
async def my_orgs(gw: GatewayDep, who: CallerDep) -> Any:
    return await ask(gw, who, "appeals", "list_my_orgs", {})


@router.get("/appeals", summary="Your appeals, newest first")
async def my_appeals(gw: GatewayDep, who: CallerDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    return await ask(gw, who, "appeals", "list_my_appeals", {"limit": limit})


@router.post("/appeals", status_code=status.HTTP_201_CREATED, summary="File your appeal")
async def file_my_appeal(gw: GatewayDep, who: CallerDep, body: MyFiling, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "person_id": who.actor.username, "received_by": "portal"}
    data = await ask(gw, who, "appeals", "file_appeal", payload, response=response, command=True)
    response.headers["Location"] = f"/api/v1/my/appeals/{data['id']}"
    return data


@router.get("/appeals/{appeal_id}", summary="One of your appeals with its answers and escalations")
async def my_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str) -> Any:
    return await ask(gw, who, "appeals", "get_appeal", {"appeal_id": appeal_id})


@router.post(
    "/appeals/{appeal_id}/replies", status_code=status.HTTP_201_CREATED, summary="Add to your appeal (a reply to a question)"
)
async def reply_to_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str, body: Reply, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "appeal_id": appeal_id}
    return await ask(gw, who, "appeals", "supplement_appeal", payload, response=response, command=True)
