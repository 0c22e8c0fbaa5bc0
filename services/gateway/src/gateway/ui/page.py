"""What every page shares: the signed-in user, the language, CSRF-checked forms, rendering, graceful refusals."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.base import Payload
from contracts.envelope import HTTP_STATUS, Error, ErrorCode
from kit import clock, logs
from kit.access import permits
from kit.ids import new_id

from ..deps import Caller, Gateway, ask, get_gateway
from ..errors import ApiError
from .forms import messages, parse
from .i18n import Formats, pick
from .paging import address, paged
from .session import LANG_COOKIE, MEMBER_COOKIE, csrf_ok, csrf_token, live_caller, session_caller
from .words import INDICATORS, RATIOS, label

log = logs.get("gateway")
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]), enable_async=False
)
TEMPLATES.globals.update(quote=quote, label=label, paged=paged, paging_address=address, INDICATORS=INDICATORS, RATIOS=RATIOS)


class LoginNeeded(Exception):
    """The page needs a signed-in user."""


def base_context(request: Request, gw: Gateway, who: Caller | None) -> dict[str, Any]:
    """What every template sees: the user, the language's words and formats, the form tokens."""
    fmt = Formats(pick(request.cookies.get(LANG_COOKIE)))
    return {
        "fmt": fmt,
        "_": fmt.gettext,
        "ngettext": fmt.ngettext,
        "lang": fmt.lang,
        "me": who.actor if who else None,
        "csrf": csrf_token(gw, who.token) if who else "",
        "key": new_id(),
        "fresh_key": new_id,  # each form its own idempotency key
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


def render(request: Request, gw: Gateway, who: Caller | None, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """A page rendered in the user's language."""
    html = TEMPLATES.get_template(template).render(**base_context(request, gw, who), **ctx)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def error_page(request: Request, error: Error) -> Response:
    """A refusal as a page: sign-in for 401, a calm explanation for 403/404/422/503; never a 500. The member portal's
    refusals stay in the portal: its own sign-in, its own page."""
    gw = get_gateway(request)
    portal = request.url.path == "/my" or request.url.path.startswith("/my/")
    who = session_caller(gw, request, cookie=MEMBER_COOKIE) if portal else session_caller(gw, request)
    if error.code is ErrorCode.UNAUTHENTICATED or (who is None and error.code is ErrorCode.FORBIDDEN):
        return RedirectResponse("/my/sign-in" if portal else f"/ui/login?next={quote(request.url.path)}", status_code=303)
    reasons = list(dict.fromkeys(messages(Formats(pick(request.cookies.get(LANG_COOKIE))), error).values()))
    if portal and who is not None:
        member = {"member": True, "member_csrf": csrf_token(gw, who.token)}
        html = TEMPLATES.get_template("portal_error.html").render(
            **base_context(request, gw, None), **member, error=error, reasons=reasons
        )
        return HTMLResponse(html, status_code=HTTP_STATUS[error.code], headers={"Cache-Control": "no-store"})
    return render(request, gw, who, "error.html", HTTP_STATUS[error.code], error=error, reasons=reasons)


class PageRoute(APIRoute):
    """A route whose refusals become pages in the user's language instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped so that a refusal renders a page."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginNeeded:
                return RedirectResponse(f"/ui/login?next={quote(request.url.path)}", status_code=303)
            except ApiError as e:
                return error_page(request, e.error)
            except RequestValidationError:
                return error_page(request, Error(code=ErrorCode.INVALID, message="the address has invalid parts"))
            except Exception as e:  # a page never answers 500: the failure is logged and explained
                log.exception("page failed", path=request.url.path, error=repr(e))
                return error_page(request, Error(code=ErrorCode.UNAVAILABLE, message="the page failed; it has been logged"))

        return guarded


@dataclass
class Ui:
    """One page request of a signed-in user: calls to services on their behalf, rendering, permissions."""

    request: Request
    gw: Gateway
    who: Caller
    form: dict[str, Any] = field(default_factory=dict)

    async def ask(self, service: str, verb: str, payload: dict[str, Any], *, command: bool = False) -> Any:
        """A service's answer for this user; a refusal propagates as ApiError."""
        return await ask(self.gw, self.who, service, verb, payload, command=command)

    async def maybe(self, service: str, verb: str, payload: dict[str, Any]) -> tuple[Any, Error | None]:
        """An answer for a part of a page that may be refused on its own (a section, not the page)."""
        try:
            return await self.ask(service, verb, payload), None
        except ApiError as e:
            return None, e.error

    @property
    def today(self) -> date:
        """The union's day (its time zone's), which the services judge "future" and "this year" by."""
        return clock.today(self.gw.settings.tz)

    @property
    def fmt(self) -> Formats:
        """The reader's language and formats."""
        return Formats(pick(self.request.cookies.get(LANG_COOKIE)))

    def errors(self, problems: list[dict[str, Any]] | Error) -> dict[str, str]:
        """Problems of a form as messages beside its fields, in the user's language."""
        return messages(self.fmt, problems)

    async def attempt(self, service: str, verb: str, payload: dict[str, Any]) -> tuple[Any, dict[str, str]]:
        """A command from a form: its answer, or the refusal's messages by field."""
        try:
            return await self.ask(service, verb, payload, command=True), {}
        except ApiError as e:
            return None, self.errors(e.error)

    async def submit(
        self,
        model: type[Payload],
        values: dict[str, Any],
        service: str,
        verb: str,
        ids: dict[str, str],
        required: tuple[str, ...] = (),
    ) -> dict[str, str]:
        """A form sent as a command: the messages of its problems or of the refusal, by field; empty once done.
        `required` names fields the contract may leave out but this form may not."""
        body, problems = parse(model, values)
        if body is None:
            return self.errors(problems)
        missing = [{"field": f, "rule": "missing"} for f in required if not getattr(body, f)]
        if missing:
            return self.errors(missing)
        _, errors = await self.attempt(service, verb, {**body.model_dump(mode="json", exclude_none=True), **ids})
        return errors

    def can(self, action: str, org_id: str, lineage: list[str] | None = None) -> bool:
        """Whether §5 lets this user do `action` at an org (lineage: the org, then up towards the user's root)."""
        return permits(self.who.actor, action, lineage or [org_id])

    def page(self, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        """A template rendered for this user."""
        return render(self.request, self.gw, self.who, template, status, ui=self, **ctx)

    def back(self, url: str) -> RedirectResponse:
        """After a form: see the result (POST → redirect → GET)."""
        return RedirectResponse(url, status_code=303)


async def current(request: Request) -> Ui:
    """The page's user; forms must carry the session's CSRF token and may carry an idempotency key."""
    gw = get_gateway(request)
    form: dict[str, Any] = {}
    key = None
    if request.method == "POST":
        raw = await request.form()
        form = {k: (raw.getlist(k) if len(raw.getlist(k)) > 1 else raw.get(k)) for k in raw}
        key = str(form.get("_key") or "")[:100] or None
    who = await live_caller(gw, request, key)
    if who is None:
        raise LoginNeeded
    if request.method == "POST" and not csrf_ok(gw, who.token, str(form.get("_csrf") or "")):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="the form is stale or came from another site; reload it"))
    return Ui(request, gw, who, form)


UiDep = Annotated[Ui, Depends(current)]
