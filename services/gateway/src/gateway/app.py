"""The gateway app: FastAPI over NATS request/reply; accounts in its own schema; no domain logic of others."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import nats
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kit import logs, tracing
from kit.calltokens import CallTokens
from kit.db import make_engine
from kit.rpc import RequestClient
from kit.store import EventStore
from kit.tokens import Signer, Verifier

from . import accounts, ui
from .api import (
    appeals,
    audits,
    auth,
    channels,
    contacts,
    exchange,
    kpi,
    members,
    officers,
    org_facts,
    orgs,
    passwords,
    portal,
    sheets,
)
from .bodylimit import BodyLimit
from .config import GatewaySettings
from .cookiewrites import CookieWritesNeedCsrf
from .deps import Gateway
from .errors import LastResort, install
from .headers import SecurityHeaders
from .membercodes import MemberCodes
from .tables import ledger
from .throttle import SignInThrottle
from .traces import Traced

log = logs.get("gateway")

DESCRIPTION = """Profset's public API: the union's org tree, membership, materials, audits and indicators.

Sign in at `POST /api/v1/auth/token` and send `Authorization: Bearer <token>` (a write signed in only by the UI's
session cookie must also send that page's CSRF token as `X-CSRF-Token`). Sign-ins are throttled per username and per
address (429 with `Retry-After`); `POST /api/v1/auth/password` changes your own password. Every write honours an
`Idempotency-Key` header. Errors are `{"error": {"code", "message", "details": [{"field", "rule", "message"}]}}`.
A write answers a `Profset-Positions` header; send it back as `Profset-Min-Positions` to read your own writes.
"""


class GatewayApp(FastAPI):
    """FastAPI with a last resort outside its error middleware, so no request is ever answered a plain-text 500."""

    def build_middleware_stack(self) -> Any:
        return LastResort(super().build_middleware_stack())


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway, built lazily: connections are made when it starts, not at import."""
    settings = settings or GatewaySettings()
    logs.configure(settings.log_format, settings.log_level)
    tracing.configure("gateway")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        nc = await nats.connect(
            settings.nats_servers,
            user=settings.nats_user,
            password=settings.nats_password,
            max_reconnect_attempts=-1,
            name="gateway",
            inbox_prefix="_INBOX.gateway",  # its own inbox: NATS permissions let no other user read its replies
        )
        store = EventStore(engine, ledger, "gateway", inline=[accounts.project])
        # users' tokens are for the deployment; a service gets a short-lived one of its own audience (kit.calltokens)
        signer = Signer(settings.token_private_key, settings.token_audience)
        verifier = Verifier(settings.token_public_key, settings.token_audience)
        gw = Gateway(
            settings=settings,
            engine=engine,
            nc=nc,
            store=store,
            accounts=accounts.Accounts(
                store,
                engine,
                SignInThrottle(engine, settings.sign_in_policy()),
                settings.password_hashes_at_once,
                settings.password_hashes_queued,
                settings.password_change_required,
            ),
            client=RequestClient(nc, timeout=settings.request_timeout, call_token=CallTokens(signer, verifier)),
            signer=signer,
            verifier=verifier,
            codes=MemberCodes(engine, settings.token_private_key),
        )
        if await gw.accounts.ensure_admin(settings.admin_password):
            log.info("created the admin account")
        app.state.gateway = gw
        yield
        if gw.live is not None:
            await gw.live.close()
        await nc.drain()
        await engine.dispose()

    app = GatewayApp(title="Profset", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)

    install(app)
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, upload_limit=exchange.UPLOAD_LIMIT)
    app.add_middleware(CookieWritesNeedCsrf)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Traced)  # added last, so outermost: the span covers the others too
    app.include_router(auth.router)
    app.include_router(passwords.router)
    app.include_router(orgs.router)
    app.include_router(org_facts.router)
    app.include_router(members.router)
    app.include_router(officers.router)
    app.include_router(contacts.router)
    app.include_router(channels.router)
    app.include_router(exchange.router)
    app.include_router(sheets.router)
    app.include_router(audits.router)
    app.include_router(kpi.router)
    app.include_router(appeals.router)
    app.include_router(portal.router)
    ui.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Any:
        gw: Gateway = app.state.gateway
        checks = {"nats": gw.nc.is_connected, "postgres": False}
        with contextlib.suppress(Exception):
            async with gw.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["postgres"] = True
        return JSONResponse(checks, status_code=200 if all(checks.values()) else 503)

    return app
