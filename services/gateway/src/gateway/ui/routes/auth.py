"""Sign-in and sign-out, the language switch, and the way in."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from contracts.envelope import HTTP_STATUS, Error, ErrorCode
from kit.errors import Refused
from kit.ids import new_id

from ...deps import GatewayDep
from ...errors import ApiError
from ..forms import messages
from ..i18n import LANGS, Formats, pick
from ..page import PageRoute, UiDep, render
from ..session import LANG_COOKIE, close_session, live_caller, open_session

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
missing = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
LOGIN_COOKIE = "profset_login"  # a pre-session token: the sign-in form must come from our own page


def _safe(next_: str | None) -> str:
    """Only our own pages are a place to return to (no open redirect)."""
    if not next_ or next_.startswith("//"):
        return "/ui/"
    return next_ if next_.startswith(("/ui/", "/my/")) else "/ui/"  # the member portal switches language here too


def _login_page(
    request: Request, gw: GatewayDep, status: int, next_: str, errors: dict[str, str], username: str, change: bool = False
) -> Response:
    """The sign-in form with a fresh pre-session token in a cookie and in the form (login CSRF); with `change`, it also
    asks for a new password (the one given was chosen by someone else)."""
    token = new_id()
    context = {"next": _safe(next_), "errors": errors, "username": username, "login_token": token, "change": change}
    page = render(request, gw, None, "login.html", status, **context)
    page.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, secure=True, samesite="strict", path="/ui/login")
    return page


@router.get("/login")
async def login_form(request: Request, gw: GatewayDep, next: str | None = None) -> Response:
    return _login_page(request, gw, 200, next or "", {}, "")


@router.post("/login")
async def login(
    request: Request,
    gw: GatewayDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
    login_token: Annotated[str, Form(max_length=100)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    fmt = Formats(pick(request.cookies.get(LANG_COOKIE)))
    if not login_token or not hmac.compare_digest(login_token, request.cookies.get(LOGIN_COOKIE, "")):
        errors = messages(fmt, [{"field": "form", "rule": "stale"}])
        return _login_page(request, gw, 403, next, errors, username)
    if not username or not password:
        return _login_page(request, gw, 401, next, messages(fmt, [{"field": "password", "rule": "credentials"}]), username)
    try:  # the same throttle as the API's sign-in, kept in PostgreSQL for every replica
        host = request.client.host if request.client else None
        account = await gw.accounts.sign_in(username, password, host, new_password or None)
    except Refused as e:
        change = any(d.field == "new_password" for d in e.details)  # asked for, or refused: the field stays
        page = _login_page(request, gw, HTTP_STATUS[e.code], next, messages(fmt, e.as_error()), username, change)
        if (wait := getattr(e, "retry_after", None)) is not None:
            page.headers["Retry-After"] = str(wait)
        return page
    answer = RedirectResponse(_safe(next), status_code=303)
    open_session(gw, answer, account.actor)
    return answer


@router.post("/logout")
async def logout(_ui: UiDep) -> Response:
    answer = RedirectResponse("/ui/login", status_code=303)
    close_session(answer)
    return answer


@router.get("/lang/{lang}")
async def switch_language(lang: str, next: str | None = None) -> Response:
    """Remembers the chosen language for a year (a GET: it changes nothing but the reader's own view)."""
    answer = RedirectResponse(_safe(next), status_code=303)
    if lang in LANGS:
        answer.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, secure=True, samesite="lax", path="/")
    return answer


@router.get("/")
async def home(request: Request, gw: GatewayDep) -> Response:
    """The user's own part of the union: their root org, or the whole tree for an admin."""
    who = await live_caller(gw, request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    if who.actor.org_id:
        return RedirectResponse(f"/ui/orgs/{who.actor.org_id}", status_code=303)
    return RedirectResponse("/ui/tree", status_code=303)


@missing.get("/{anything:path}")
async def no_such_page(anything: str) -> Response:
    """Any other address under /ui: a page that says there is none."""
    raise ApiError(Error(code=ErrorCode.NOT_FOUND, message=f"no page at /ui/{anything[:100]}"))
