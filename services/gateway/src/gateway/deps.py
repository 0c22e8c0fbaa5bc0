"""What every route depends on: the gateway's parts, the caller, and calls to services."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Header, Request, Response
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.base import Payload
from contracts.envelope import ErrorCode, ErrorDetail, Reply
from kit import clock, tracing
from kit.errors import Refused
from kit.ids import new_id
from kit.rpc import RequestClient
from kit.store import EventStore
from kit.tokens import Actor, Signer, Verifier

from .accounts import Accounts
from .config import GatewaySettings
from .errors import ApiError
from .ledger_ends import LedgerEnds, parse
from .membercodes import MemberCodes

POSITIONS = "Profset-Positions"
REVOKED = Refused(
    ErrorCode.UNAUTHENTICATED,
    "the password was changed since this token was issued; sign in again",
    [ErrorDetail(field="token", rule="token_revoked", message="issued before the password was last changed")],
)


@dataclass
class Gateway:
    """The gateway's parts, built once at startup."""

    settings: GatewaySettings
    engine: AsyncEngine
    nc: Client
    store: EventStore
    accounts: Accounts
    client: RequestClient
    signer: Signer
    verifier: Verifier
    codes: MemberCodes
    """Members' one-time sign-in codes for the portal."""
    written: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per user, the newest ledger positions their writes through this gateway reached: each later request
    waits for them, so a user reads their own writes (clients of several replicas send the header instead)."""

    live: Any = None
    """The exchange's events pushed to this gateway for the live pages (ui.feed.LiveFeed), made at the first."""

    ends: LedgerEnds = field(default_factory=LedgerEnds)
    """How far each context's ledger reaches, so that a header naming more is refused rather than waited for."""

    def remember(self, username: str, positions: dict[str, int]) -> None:
        """Notes the positions a user's write reached."""
        self.ends.saw(positions)
        seen = self.written.setdefault(username, {})
        for context, position in positions.items():
            seen[context] = max(seen.get(context, 0), position)

    def owed(self, who: Caller, extra: dict[str, int] | None) -> dict[str, int]:
        """What a request must wait for: the user's own writes, the header's and the route's positions."""
        wanted = dict(self.written.get(who.actor.username, {}))
        for source in (who.min_positions, extra or {}):
            for context, position in source.items():
                wanted[context] = max(wanted.get(context, 0), position)
        return wanted


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request and their token (each service asked gets a per-call token made from it,
    never this one: kit.calltokens)."""

    actor: Actor
    token: str
    idempotency_key: str | None
    min_positions: dict[str, int]
    correlation_id: str

    def command_id(self) -> str:
        """The command id of a write: the client's Idempotency-Key (scoped to the user), else a new one."""
        if self.idempotency_key is None:
            return new_id()
        return hashlib.sha256(f"{self.actor.username}\x1f{self.idempotency_key}".encode()).hexdigest()


def get_gateway(request: Request) -> Gateway:
    return request.app.state.gateway  # type: ignore[no-any-return]


async def _gateway(request: Request) -> Gateway:
    # async, so FastAPI runs it on the loop: a plain def would cost every request a hop to its thread pool
    return get_gateway(request)


GatewayDep = Annotated[Gateway, Depends(_gateway)]


async def caller(
    request: Request,
    gw: GatewayDep,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    profset_min_positions: Annotated[str | None, Header()] = None,
    x_request_id: Annotated[str | None, Header(max_length=100)] = None,
) -> Caller:
    """The caller named by `Authorization: Bearer <token>` (or the UI's session cookie)."""
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    token = token or request.cookies.get("profset_session")
    try:
        actor, _, issued = gw.verifier.verify_claims(token, clock.now())
    except Refused as e:
        raise ApiError(e.as_error()) from None
    try:
        revoked = await gw.accounts.revoked(actor, issued)
    except Refused as e:
        raise ApiError(e.as_error()) from None
    if revoked:
        raise ApiError(REVOKED.as_error())
    positions = parse(profset_min_positions) if profset_min_positions else {}
    assert token is not None
    await gw.ends.check(gw.client, token, positions)
    return Caller(actor, token, idempotency_key, positions, x_request_id or new_id())


CallerDep = Annotated[Caller, Depends(caller)]


async def ask(
    gw: Gateway,
    who: Caller,
    service: str,
    verb: str,
    payload: Payload | dict[str, Any],
    *,
    response: Response | None = None,
    command: bool = False,
    min_positions: dict[str, int] | None = None,
) -> Any:
    """A service's answer to the caller's request; a refusal becomes the HTTP error it maps to."""
    reply = await ask_reply(gw, who, service, verb, payload, command=command, min_positions=min_positions)
    if response is not None and reply.positions:
        response.headers[POSITIONS] = json.dumps(reply.positions)
    return reply.data


async def ask_reply(
    gw: Gateway,
    who: Caller,
    service: str,
    verb: str,
    payload: Payload | dict[str, Any],
    *,
    command: bool = False,
    min_positions: dict[str, int] | None = None,
) -> Reply:
    """The whole reply (data and positions) of a request that succeeded."""
    reply = await gw.client.request(
        service,
        verb,
        payload,
        token=who.token,
        command_id=who.command_id() if command else None,
        # in a trace, its trace id: the relay rebuilds each event's traceparent from the correlation id it keeps
        correlation_id=tracing.correlation_id() or who.correlation_id,
        min_positions=gw.owed(who, min_positions),
    )
    if reply.ok and reply.positions:
        gw.remember(who.actor.username, reply.positions)
    if not reply.ok:
        assert reply.error is not None
        raise ApiError(reply.error)
    return reply


async def ask_page(
    gw: Gateway,
    who: Caller,
    response: Response,
    path: str,
    verb: tuple[str, str],
    query: dict[str, Any],
    key: str = "id",
    rows_of: Callable[[Any], list[dict[str, Any]]] = lambda answer: answer,
    **scope: Any,
) -> list[dict[str, Any]]:
    """One page of a list its service pages: asked with the list's parameters (`query`, `limit` and `cursor` among them)
    and the path's (`scope`); the next page's address, with the same parameters, goes in `Link`; `rows_of`: where the
    page's rows are in the answer."""
    given = {k: v for k, v in query.items() if v is not None}
    rows = rows_of(await ask(gw, who, *verb, {**scope, **given}))
    link_next(response, path, rows, given["limit"], key, **{k: v for k, v in given.items() if k not in ("limit", "cursor")})
    return rows


def link_next(response: Response, path: str, rows: list[dict[str, Any]], limit: int, key: str = "id", **query: Any) -> None:
    """A `Link: rel="next"` header when a page came back full (lists are never wrapped, DESIGN.md §7); `key`: the
    field naming a row, `query`: the list's other parameters, kept in the next page's address."""
    if rows and len(rows) == limit:
        kept = {k: "true" if v is True else v for k, v in query.items() if v not in (None, False)}
        kept |= {"limit": limit, "cursor": rows[-1][key]}
        response.headers["Link"] = f'<{path}?{urlencode(kept)}>; rel="next"'
