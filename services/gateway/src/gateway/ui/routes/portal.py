"""The member portal (`/my/`): sign-in by a one-time code, my appeals, a new appeal and one appeal with its steps.

Phone-sized first, Russian with English one click away. A member's session is a cookie of its own (never the staff
UI's), holding a member token: the services decide what it reaches."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.appeals import Reply
from contracts.envelope import HTTP_STATUS, Error, ErrorCode
from kit import clock
from kit.ids import new_id
from kit.tokens import Actor, Role

from ...api.portal import MyFiling, send_code, sign_in_with_code
from ...deps import Caller, Gateway, GatewayDep, ask
from ...errors import ApiError
from ..forms import messages, parse
from ..i18n import Formats, pick
from ..page import TEMPLATES, PageRoute, base_context
from ..session import LANG_COOKIE, MEMBER_COOKIE, csrf_ok, csrf_token, session_caller

router = APIRouter(prefix="/my", route_class=PageRoute, include_in_schema=False)
COOKIE = MEMBER_COOKIE
LOGIN_COOKIE = "profset_member_login"  # a pre-session token: the sign-in forms must come from our own page
ORG_TOKEN_TTL = 60
"""Seconds a member's token naming their org lives: one page's reads of the materials that reached that org."""
STATES = {"open": "waiting for an answer", "answered": "answered", "closed": "closed"}
CLAUSES = {  # RULES.md S1, as a member reads them
    1: "the union and the employer inform each other of decisions on social and labour matters",
    2: "joint explanatory work on the parties' social responsibility",
    3: "workers are informed of changes in labour law",
    4: "information on the enterprise's economic situation, the labour market and workers' rights is exchanged",
    5: "the parties give each other space in their press",
    6: "joint campaigns on employment and vocational training",
    7: "the employer's corporate media, websites and chats are open to union material",
    8: "union lessons in schools, colleges and universities",
}


def member_of(gw: Gateway, request: Request) -> Caller | None:
    """The member a portal cookie names, or None (missing, forged, expired, or not a member's)."""
    caller = session_caller(gw, request, cookie=COOKIE)
    return caller if caller is not None and caller.actor.role is Role.MEMBER else None


def page(request: Request, gw: Gateway, who: Caller | None, template: str, status: int = 200, **ctx: Any) -> Response:
    """A portal page in the member's language."""
    base = base_context(request, gw, None)
    member = {"member": who is not None, "member_csrf": csrf_token(gw, who.token) if who else ""}
    html = TEMPLATES.get_template(template).render(**(base | member | {"states": STATES} | ctx))
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _sign_in_page(request: Request, gw: Gateway, step: str, status: int, number: str, errors: dict[str, str]) -> Response:
    token = new_id()
    minutes = gw.codes.policy.valid_minutes
    answer = page(request, gw, None, "portal_sign_in.html", status, step=step, member_number=number, errors=errors,
                  login_token=token, minutes=minutes)  # fmt: skip
    answer.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, secure=True, samesite="strict", path="/my/")
    return answer


def _fresh(request: Request, token: str) -> bool:
    return bool(token) and hmac.compare_digest(token, request.cookies.get(LOGIN_COOKIE, ""))


def _fmt(request: Request) -> Formats:
    return Formats(pick(request.cookies.get(LANG_COOKIE)))


def _problem(request: Request, field: str, rule: str) -> dict[str, str]:
    return messages(_fmt(request), [{"field": field, "rule": rule}])


def _refusal(request: Request, gw: Gateway, step: str, number: str, e: ApiError) -> Response:
    answer = _sign_in_page(request, gw, step, HTTP_STATUS[e.error.code], number, messages(_fmt(request), e.error))
    if e.retry_after is not None:
        answer.headers["Retry-After"] = str(e.retry_after)
    return answer


@router.get("/sign-in")
async def sign_in_form(request: Request, gw: GatewayDep) -> Response:
    return _sign_in_page(request, gw, "number", 200, "", {})


@router.post("/sign-in/code")
async def ask_code(
    request: Request,
    gw: GatewayDep,
    member_number: Annotated[str, Form(max_length=100)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    number = member_number.strip()
    if not _fresh(request, login_token):
        return _sign_in_page(request, gw, "number", 403, number, _problem(request, "form", "stale"))
    if not number:
        return _sign_in_page(request, gw, "number", 422, "", _problem(request, "member_number", "missing"))
    try:
        await send_code(gw, number, request.client.host if request.client else None)
    except ApiError as e:
        return _refusal(request, gw, "number", number, e)
    return _sign_in_page(request, gw, "code", 200, number, {})


@router.post("/sign-in")
async def sign_in(
    request: Request,
    gw: GatewayDep,
    member_number: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    number = member_number.strip()
    if not _fresh(request, login_token):
        return _sign_in_page(request, gw, "number", 403, number, _problem(request, "form", "stale"))
    if not number or not code.strip().isdigit() or len(code.strip()) != 6:
        return _sign_in_page(request, gw, "code", 422, number, _problem(request, "code", "code_wrong"))
    try:
        token, ttl = await sign_in_with_code(gw, number, code.strip(), request.client.host if request.client else None)
    except ApiError as e:
        return _refusal(request, gw, "code", number, e)
    answer = RedirectResponse("/my/", status_code=303)
    answer.set_cookie(COOKIE, token, max_age=ttl, httponly=True, secure=True, samesite="lax", path="/")
    answer.delete_cookie(LOGIN_COOKIE, path="/my/")
    return answer


@router.post("/sign-out")
async def sign_out(request: Request, gw: GatewayDep, csrf: Annotated[str, Form(alias="_csrf", max_length=100)] = "") -> Response:
    who = member_of(gw, request)
    if who is not None and not csrf_ok(gw, who.token, csrf):  # another site may not sign the member out
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="the form is stale or came from another site; reload it"))
    answer = RedirectResponse("/my/sign-in", status_code=303)
    answer.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return answer


async def _situations(gw: Gateway, who: Caller) -> list[dict[str, Any]]:
    return list(await ask(gw, who, "appeals", "list_situations", {}))


@router.get("/")
async def home(request: Request, gw: GatewayDep) -> Response:
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    appeals = await ask(gw, who, "appeals", "list_my_appeals", {})
    titles = {s["id"]: s["title"] for s in await _situations(gw, who)}
    return page(request, gw, who, "portal_home.html", appeals=appeals, titles=titles)


async def _orgs(gw: Gateway, who: Caller) -> list[dict[str, Any]]:
    """Where an appeal may go, each with what it is to the member: their org, one above it, the CC."""
    orgs = list(await ask(gw, who, "appeals", "list_my_orgs", {}))
    for i, o in enumerate(orgs):
        o["label"] = "my org" if i == 0 else "the Central Committee" if i == len(orgs) - 1 else "territorial org"
    return orgs


@router.get("/appeals/new")
async def new_appeal(request: Request, gw: GatewayDep) -> Response:
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    situations, orgs = await _situations(gw, who), await _orgs(gw, who)
    helps = await _helps(gw, who, orgs, situations)
    context: dict[str, Any] = {"situations": situations, "orgs": orgs, "helps": helps, "errors": {}, "values": {}}
    return page(request, gw, who, "portal_new.html", **context, key=new_id())


async def _helps(gw: Gateway, who: Caller, orgs: list[dict[str, Any]], situations: list[dict[str, Any]]) -> dict[str, Any]:
    """For each situation, the materials on its topics that reached the member's org (one read for them all)."""
    topics = sorted({t for s in situations for t in s["topics"]})
    found = await _materials(gw, who, orgs[0]["id"], topics, 100) if orgs else []
    return {
        s["id"]: [m for m in found or [] if set(m["topics"]) & set(s["topics"])][:5] if found is not None else None
        for s in situations
    }


@router.post("/appeals")
async def file_appeal(request: Request, gw: GatewayDep) -> Response:
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    raw = await request.form()
    form = {k: str(raw.get(k) or "") or None for k in ("situation_id", "text", "to_org_id", "_csrf", "_key")}
    if not csrf_ok(gw, who.token, form["_csrf"]):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="the form is stale or came from another site; reload it"))
    values = {k: form[k] for k in ("situation_id", "text", "to_org_id")}
    body, problems = parse(MyFiling, values)
    errors = messages(_fmt(request), problems) if body is None else {}
    if body is not None:
        keyed = Caller(who.actor, who.token, form["_key"], {}, who.correlation_id)
        payload = {**body.model_dump(mode="json"), "person_id": who.actor.username, "received_by": "portal"}
        try:
            data = await ask(gw, keyed, "appeals", "file_appeal", payload, command=True)
        except ApiError as e:
            errors = messages(_fmt(request), e.error)
        else:
            return RedirectResponse(f"/my/appeals/{data['id']}", status_code=303)
    situations, orgs = await _situations(gw, who), await _orgs(gw, who)
    helps = await _helps(gw, who, orgs, situations)
    context: dict[str, Any] = {"situations": situations, "orgs": orgs, "helps": helps, "errors": errors, "values": values}
    return page(request, gw, who, "portal_new.html", 422, **context, key=form["_key"] or new_id())


@router.get("/appeals/{appeal_id}")
async def one_appeal(request: Request, gw: GatewayDep, appeal_id: str) -> Response:
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    return await _appeal_page(request, gw, who, appeal_id)


@router.post("/appeals/{appeal_id}/replies")
async def reply(request: Request, gw: GatewayDep, appeal_id: str) -> Response:
    """The member adds to their appeal (what the union asked for); sealed with their key by appeals."""
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    raw = await request.form()
    form = {k: str(raw.get(k) or "").strip() or None for k in ("text", "_csrf", "_key")}
    if not csrf_ok(gw, who.token, form["_csrf"]):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="the form is stale or came from another site; reload it"))
    body, problems = parse(Reply, {"text": form["text"]})
    errors = messages(_fmt(request), problems) if body is None else {}
    if body is not None:
        keyed = Caller(who.actor, who.token, form["_key"], {}, who.correlation_id)
        try:
            await ask(gw, keyed, "appeals", "supplement_appeal", {"text": body.text, "appeal_id": appeal_id}, command=True)
        except ApiError as e:
            errors = messages(_fmt(request), e.error)
        else:
            return RedirectResponse(f"/my/appeals/{appeal_id}", status_code=303)
    return await _appeal_page(request, gw, who, appeal_id, 422, errors=errors, text=form["text"])


async def _appeal_page(request: Request, gw: Gateway, who: Caller, appeal_id: str, status: int = 200, **form: Any) -> Response:
    """One of the member's appeals: its steps, the union's materials and clauses, answers, questions and a reply form."""
    appeal = await ask(gw, who, "appeals", "get_appeal", {"appeal_id": appeal_id})
    situation = next((s for s in await _situations(gw, who) if s["id"] == appeal["situation_id"]), None)
    orgs = await _orgs(gw, who)
    names = {o["id"]: o["name"] or o["id"] for o in orgs}
    holder = names.get(appeal["org_id"], "")
    clauses = await _clauses(gw, who, orgs[0]["id"]) if orgs else None
    topics = situation["topics"] if situation else []
    materials = await _materials(gw, who, orgs[0]["id"], topics) if orgs else []
    context = {"appeal": appeal, "situation": situation, "names": names, "holder": holder, "clauses": clauses}
    extra = {"materials": materials, "errors": form.get("errors") or {}, "reply": form.get("text") or "", "key": new_id()}
    return page(request, gw, who, "portal_appeal.html", status, **context, **extra)


def _as_member_of(gw: Gateway, who: Caller, org_id: str) -> Caller:
    """The member for one page's reads, their token naming their org today as appeals told it (a member reaches no org
    of §5: exchange reads by it only what was delivered to or sent by that org, or is published)."""
    actor = Actor(who.actor.username, Role.MEMBER, org_id)
    return Caller(actor, gw.signer.sign(actor, clock.now(), ORG_TOKEN_TTL), None, {}, who.correlation_id)


async def _materials(gw: Gateway, who: Caller, org_id: str, topics: list[str], limit: int = 10) -> list[dict[str, Any]] | None:
    """The union's materials on the topics (X4) that reached the member's org, newest first; None if not available."""
    if not topics:
        return []
    payload = {"topics": topics, "limit": limit}
    try:
        return list(await ask(gw, _as_member_of(gw, who, org_id), "exchange", "list_member_materials", payload))
    except ApiError:
        return None


@router.get("/materials/{material_id}")
async def one_material(request: Request, gw: GatewayDep, material_id: str) -> Response:
    """A material the member may read: delivered to or sent by their org, or published (exchange decides)."""
    who = member_of(gw, request)
    if who is None:
        return RedirectResponse("/my/sign-in", status_code=303)
    orgs = await _orgs(gw, who)
    if not orgs:
        raise ApiError(Error(code=ErrorCode.NOT_FOUND, message="material not found"))
    reader = _as_member_of(gw, who, orgs[0]["id"])
    material = await ask(gw, reader, "exchange", "get_member_material", {"material_id": material_id})
    return page(request, gw, who, "portal_material.html", material=material)


async def _clauses(gw: Gateway, who: Caller, org_id: str) -> list[str] | None:
    """The information clauses (S1) the agreement of the member's org holds, as source texts; None if none recorded."""
    found = await ask(gw, who, "registry", "get_clauses", {"org_id": org_id})
    if not found["recorded"]:
        return None
    return [CLAUSES[c["number"]] for c in found["clauses"] if c["held"] and c["number"] in CLAUSES]
