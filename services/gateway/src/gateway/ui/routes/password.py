"""A signed-in user changes their own password."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.envelope import HTTP_STATUS
from kit.errors import Refused

from ..page import PageRoute, UiDep
from ..session import open_session

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


@router.get("/password")
async def password_form(ui: UiDep, changed: bool = False) -> Response:
    return ui.page("password.html", errors={}, changed=changed)


@router.post("/password")
async def change_password(ui: UiDep) -> Response:
    current, new = (str(ui.form.get(k) or "") for k in ("password", "new_password"))
    client = ui.request.client
    try:  # the current password is checked as a sign-in is: throttled on the same count
        await ui.gw.accounts.sign_in(ui.who.actor.username, current, client.host if client else None, new)
    except Refused as e:
        errors = ui.errors(e.as_error())
        if "username" in errors:  # the throttle names the sign-in's username, which this form does not show
            errors["form"] = errors.pop("username")
        return ui.page("password.html", HTTP_STATUS[e.code], errors=errors, changed=False)
    answer = ui.back("/ui/password?changed=true")
    open_session(ui.gw, answer, ui.who.actor)  # the change signs every earlier session out, this one included
    return answer
