"""Users and their roles (§5): who may sign in, with which role, over which part of the union."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.envelope import HTTP_STATUS, Error, ErrorCode
from contracts.gateway import NewUser
from kit.access import GRANTABLE
from kit.errors import Refused
from kit.store import Meta, fingerprint
from kit.tokens import Role

from ...errors import ApiError
from ..forms import parse
from ..names import org_names
from ..page import PageRoute, Ui, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


async def _context(ui: Ui) -> dict[str, Any]:
    actor = ui.who.actor
    if not ui.can("create_users", actor.org_id or ""):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="only administrators and staff manage users"))
    names = await org_names(ui, parties=False)
    accounts = await ui.gw.accounts.list_accounts()
    shown = [a for a in accounts if actor.role is Role.ADMIN or a.org_id in names]
    roles = sorted(r.value for r in GRANTABLE.get(actor.role, set()))
    return {"accounts": shown, "names": names, "roles": roles, "values": {}, "errors": {}, "reset_errors": {}, "reset": None}


@router.get("/users")
async def users(ui: UiDep) -> Response:
    return ui.page("users.html", **await _context(ui))


@router.post("/users")
async def create_user(ui: UiDep) -> Response:
    context = await _context(ui)
    values = {k: str(ui.form.get(k) or "").strip() or None for k in ("username", "password", "role", "org_id")}
    body, problems = parse(NewUser, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        errors = await _create(ui, body)
    if not errors:
        return ui.back("/ui/users")
    values.pop("password", None)
    return ui.page("users.html", 422, **{**context, "values": values, "errors": errors})


async def _create(ui: Ui, body: NewUser) -> dict[str, str]:
    """Creates the account as `POST /api/v1/users` does; the refusal's messages by field."""
    try:
        if body.org_id is not None:
            await ui.ask("registry", "get_org", {"org_id": body.org_id})
        meta = Meta(
            command_id=ui.who.command_id(),
            fingerprint=fingerprint("users", ui.who.actor.username, body.username, body.role, body.org_id),
            actor=ui.who.actor.username,
        )
        await ui.gw.accounts.create(ui.who.actor, body.username, body.password, Role(body.role), body.org_id, meta)
    except Refused as e:
        return ui.errors(e.as_error())
    except ApiError as e:
        return ui.errors(e.error)
    return {}


@router.post("/users/password")
async def reset_password(ui: UiDep) -> Response:
    """An administrator sets another's password (its owner may then have to choose their own)."""
    context = await _context(ui)
    username, password = (str(ui.form.get(k) or "").strip() for k in ("username", "password"))
    meta = Meta(
        command_id=ui.who.command_id(),
        fingerprint=fingerprint("password-reset", ui.who.actor.username, username),
        actor=ui.who.actor.username,
    )
    try:
        await ui.gw.accounts.reset_password(ui.who.actor, username, password, meta)
    except Refused as e:
        errors = ui.errors(e.as_error())
        errors["reset_password"] = errors.pop("password", errors.pop("new_password", ""))  # the field of this form
        errors = {k: v for k, v in errors.items() if v}
        return ui.page("users.html", HTTP_STATUS[e.code], **{**context, "reset_errors": errors, "reset": username})
    return ui.page("users.html", **{**context, "reset": username, "reset_done": True})
