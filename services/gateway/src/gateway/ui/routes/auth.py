"""Sign-in and sign-out, the language switch, and the way in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...deps import GatewayDep
from ..forms import messages
from ..i18n import LANGS
from ..page import PageRoute, UiDep, render
from ..session import LANG_COOKIE, close_session, open_session, session_caller

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


def _safe(next_: str | None) -> str:
    """Only our own pages are a place to return to (no open redirect)."""
    return next_ if next_ and next_.startswith("/ui/") and not next_.startswith("//") else "/ui/"


@router.get("/login")
async def login_form(request: Request, gw: GatewayDep, next: str | None = None) -> Response:
    return render(request, gw, None, "login.html", next=_safe(next), errors={}, username="")


@router.post("/login")
async def login(
    request: Request,
    gw: GatewayDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/ui/",
) -> Response:
    account = await gw.accounts.authenticate(username, password) if username and password else None
    if account is None:
        from ..i18n import Formats, pick

        fmt = Formats(pick(request.cookies.get(LANG_COOKIE)))
        errors = messages(fmt, [{"field": "password", "rule": "credentials"}])
        return render(request, gw, None, "login.html", 401, next=_safe(next), errors=errors, username=username)
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
    who = session_caller(gw, request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    if who.actor.org_id:
        return RedirectResponse(f"/ui/orgs/{who.actor.org_id}", status_code=303)
    return RedirectResponse("/ui/tree", status_code=303)
