"""Materials: the composer and a draft's editing with its attachments, an org's inbox and materials, a material with
send-up / cascade / publication, live deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from contracts.envelope import Error, ErrorCode
from contracts.exchange import Content, Draft, Kind, Participation, Party, PartyKind, Reception, Support, Topic
from contracts.exchange.commands import MAX_PAGE

from ...errors import ApiError
from ..forms import flag, listed, parse
from ..live import Shown, deliveries_events, deliveries_html, deliveries_page, fingerprint
from ..names import children_of, names_only, org_names
from ..page import PageRoute, Ui, UiDep
from ..paging import PAGE, after_cursor, served
from ..paging import address as paging_address
from .boards import boards_of
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
CHOICES: dict[str, Any] = {"kinds": list(Kind), "topics": list(Topic), "supports": list(Support)}
SUBMITTED = frozenset({"pending", "approved", "under_review", "confirmed"})
"""Moderation states after which a material is no longer a draft (exchange's domain says the same)."""
PARTY_WORDS = {
    "fnpr": "FNPR (the federation)",
    "solidarnost": "the Solidarnost newspaper",
    "media": "media",
    "territorial_association": "territorial association of unions",
    "union_staff": "union staff",
}
"""Source words of the kinds of outside parties (the catalogue translates them)."""
SERVES = "A territorial association serves a territorial org: choose it (X2)."
NOT_A_DRAFT = "Only a draft can be changed: this material was sent or submitted for publication."


@router.get("/orgs/{org_id}/inbox")
async def inbox(ui: UiDep, org_id: str, cursor: str | None = None, cursor_at: str | None = None) -> Response:
    """What reached the org, newest first, a page at a time (the exchange pages it)."""
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows, went_on = await after_cursor(ui, "exchange", "inbox", {"org_id": org_id, "limit": PAGE + 1}, cursor)
    page = served(rows, cursor_at if went_on else None, "material_id")
    rows = page.rows
    names = await org_names(ui, [r["from_org_id"] for r in rows])
    named = await names_only(ui, names, [r["from_org_id"] for r in rows])  # senders of materials it received
    ids = [o["id"] for o in await lineage(ui, org)]
    may = {"may_ack": ui.can("acknowledge", org_id, ids), "may_release": ui.can("write_materials", org_id, ids)}
    boards = await boards_of(ui, org_id) if ui.can("report_facts", org_id, ids) else []  # P1 beside the week's materials
    done = str(ui.request.query_params.get("done") or "")
    context = {"org": org, "rows": rows, "page": page, "names": names, "named": named, "boards": boards, "done": done}
    return ui.page("inbox.html", **context, errors={}, **may)


@router.get("/orgs/{org_id}/materials")
async def materials(ui: UiDep, org_id: str, cursor: str | None = None, cursor_at: str | None = None) -> Response:
    """What the org wrote, newest first, a page at a time (the exchange pages it)."""
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows, went_on = await after_cursor(ui, "exchange", "list_materials", {"org_id": org_id, "limit": PAGE + 1}, cursor)
    page = served(rows, cursor_at if went_on else None)
    ids = [o["id"] for o in await lineage(ui, org)]
    return ui.page("materials.html", org=org, page=page, may_write=ui.can("write_materials", org_id, ids))


@router.get("/orgs/{org_id}/materials/new")
async def composer(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    if not ui.can("write_materials", org_id, [o["id"] for o in await lineage(ui, org)]):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="your role drafts no materials here"))
    return ui.page("compose.html", org=org, values={"kind": "news", "topics": []}, errors={}, **CHOICES)


def content(f: dict[str, Any]) -> dict[str, Any]:
    """A material's title, text, kind, topics and flags as the composer's form has them."""
    return {
        "title": str(f.get("title") or "").strip() or None,
        "body": str(f.get("body") or "").strip() or None,
        "kind": f.get("kind") or None,
        "topics": listed(f, "topics"),
        "newsworthy": flag(f, "newsworthy"),
        "needs_support": f.get("needs_support") or None,
        "for_publication": flag(f, "for_publication"),
        "campaign": flag(f, "campaign"),
    }


@router.post("/orgs/{org_id}/materials/new")
async def draft(ui: UiDep, org_id: str) -> Response:
    values: dict[str, Any] = {"org_id": org_id, **content(ui.form)}
    body, problems = parse(Draft, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        made, errors = await ui.attempt("exchange", "draft_material", body.model_dump(mode="json"))
        if made:
            return ui.back(f"/ui/materials/{made['id']}")
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    return ui.page("compose.html", 422, org=org, values=values, errors=errors, **CHOICES)


def draft_errors(ui: Ui, errors: dict[str, str]) -> dict[str, str]:
    """A refusal's messages; `material_id` refused means the material is no longer a draft."""
    return {**errors, "material_id": ui.fmt.gettext(NOT_A_DRAFT)} if "material_id" in errors else errors


@router.get("/materials/{material_id}/edit")
async def editor(ui: UiDep, material_id: str) -> Response:
    """The composer, filled with the draft as it stands."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    org = await ui.ask("registry", "get_org", {"org_id": material["org_id"]})
    done = str(ui.request.query_params.get("done") or "")
    return ui.page("compose.html", org=org, material=material, values=material, errors={}, done=done, **CHOICES)


@router.post("/materials/{material_id}/edit")
async def edit(ui: UiDep, material_id: str) -> Response:
    """Replaces the draft's content with the form's (exchange refuses once it was sent or submitted)."""
    values = content(ui.form)
    body, problems = parse(Content, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        done, errors = await ui.attempt("exchange", "edit_material", {**body.model_dump(mode="json"), "material_id": material_id})
        if done is not None:
            return ui.back(f"/ui/materials/{material_id}?done=edited")
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    org = await ui.ask("registry", "get_org", {"org_id": material["org_id"]})
    context = {"org": org, "material": material, "values": values, "errors": draft_errors(ui, errors)}
    return ui.page("compose.html", 422, **context, **CHOICES)


async def _names(ui: Ui, material: dict[str, Any], summary: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The orgs a readable material came from and went to (the page of them shown): linked names within the subtree,
    names alone beyond it."""
    wanted = [material["org_id"], *(r["recipient"] for r in summary["recipients"])]
    names = await org_names(ui, wanted)
    return names, await names_only(ui, names, wanted)


async def _campaign(ui: Ui, material: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A campaign's participation (K8) and the orgs the user may report it for: the author and the orgs it reached
    that lie in the user's subtree (the orgs `names` holds), for those who report facts (§5)."""
    if not material["campaign"]:
        return {"participation": None, "reporters": []}
    taking_part, _ = await ui.maybe("exchange", "list_participation", {"material_id": material["id"]})
    everyone = await ui.ask("exchange", "list_deliveries", {"material_id": material["id"], "limit": MAX_PAGE})  # a choice
    reached = [material["org_id"], *(r["recipient"] for r in everyone["recipients"] if r.get("recipient_kind") != "party")]
    reports = ui.who.actor.role in ("admin", "staff")
    return {"participation": taking_part, "reporters": [o for o in dict.fromkeys(reached) if reports and o in names]}


async def material_context(ui: Ui, material_id: str, shown: Shown | None = None) -> dict[str, Any]:
    """The material's page: the material, what the user may do with it, and the page of its deliveries `shown`."""
    shown = shown or Shown()
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    summary, page = await deliveries_page(ui, material_id, shown)
    names, named = await _names(ui, material, summary)
    box = deliveries_html(ui, summary, page, names, named, shown)
    author, _ = await ui.maybe("registry", "get_org", {"org_id": material["org_id"]})
    ids = [o["id"] for o in await lineage(ui, author)] if author else [material["org_id"]]
    subtree, _ = await ui.maybe("registry", "get_subtree", {"org_id": material["org_id"]})
    return {
        **await _campaign(ui, material, names),
        "material": material,
        "summary": summary,
        "deliveries_box": box,
        "events": paging_address(f"/ui/materials/{material_id}/events", **shown.query(), shown=fingerprint(box)),
        "names": names,
        "named": named,
        "may_write": author is not None and ui.can("write_materials", material["org_id"], ids),
        "children": children_of(subtree or [], material["org_id"]),
        "editable": material["status"] == "draft" and material["moderation"] not in SUBMITTED,
        "done": str(ui.request.query_params.get("done") or ""),
        "errors": {},
    }


@router.get("/materials/{material_id}")
async def material_page(
    ui: UiDep,
    material_id: str,
    unread: bool = False,
    cursor: str | None = None,
    cursor_at: str | None = None,
    reminded: int = 0,
) -> Response:
    """A material with its deliveries, all or only those not read yet, a page of them at a time."""
    context = await material_context(ui, material_id, Shown(unread, cursor, cursor_at))
    waiting = context["summary"]["orgs_to_remind"]
    return ui.page("material.html", **context, unread=unread, waiting=waiting, reminded=reminded)


@router.get("/materials/{material_id}/events")
async def material_events(
    ui: UiDep,
    material_id: str,
    unread: bool = False,
    cursor: str | None = None,
    cursor_at: str | None = None,
    shown: str = "",
) -> Response:
    """The live deliveries table (text/event-stream) of the page the user is on; the browser never polls. `shown`: the
    fingerprint of the table the page shows, which the stream replaces only once it changed."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})  # readable, or refused now
    page = Shown(unread, cursor, cursor_at)
    summary, _ = await deliveries_page(ui, material_id, page)
    names, named = await _names(ui, material, summary)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    events = deliveries_events(ui, material_id, names, named, page, shown)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


async def _act(ui: Ui, material_id: str, verb: str, payload: dict[str, Any]) -> Response:
    """Runs a material command from a button; its refusal is shown on the material's page."""
    _, errors = await ui.attempt("exchange", verb, {**payload, "material_id": material_id})
    if not errors:
        return ui.back(f"/ui/materials/{material_id}")
    return ui.page("material.html", 422, **{**await material_context(ui, material_id), "errors": errors})


@router.post("/materials/{material_id}/send-up")
async def send_up(ui: UiDep, material_id: str) -> Response:
    return await _act(ui, material_id, "send_up", {})


@router.post("/materials/{material_id}/cascade")
async def cascade(ui: UiDep, material_id: str) -> Response:
    chosen = listed(ui.form, "to")
    return await _act(ui, material_id, "cascade", {"to": chosen} if chosen else {})


async def _reminder(ui: Ui, material_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """What the question before a reminder shows: the material and how many orgs have not read it (outside parties
    never acknowledge; forwarded copies are not ours: the exchange counts them, `orgs_to_remind`)."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id, "limit": 1})  # the figures
    return {"kind": "reminder", "material": material, "unread": summary["orgs_to_remind"], "errors": errors or {}}


@router.get("/materials/{material_id}/reminder")
async def ask_reminder(ui: UiDep, material_id: str) -> Response:
    """A reminder to the orgs that have not read it asks first, saying how many will hear."""
    return ui.page("confirm.html", **await _reminder(ui, material_id))


@router.post("/materials/{material_id}/reminder")
async def remind_unread(ui: UiDep, material_id: str) -> Response:
    """Reminds them once confirmed (exchange refuses a second reminder the same day, or when all have read it)."""
    done, errors = await ui.attempt("exchange", "remind_unread", {"material_id": material_id})
    if not errors:
        return ui.back(f"/ui/materials/{material_id}?done=reminded&reminded={int(done['reminded'])}#deliveries-h")
    return ui.page("confirm.html", 422, **await _reminder(ui, material_id, errors))


@router.post("/materials/{material_id}/publication")
async def request_publication(ui: UiDep, material_id: str) -> Response:
    return await _act(ui, material_id, "request_publication", {})


@router.post("/materials/{material_id}/participation")
async def report_participation(ui: UiDep, material_id: str) -> Response:
    """K8: how many took part in a campaign at one org, on site and online; a later report restates it."""
    values = {k: str(ui.form.get(k) or "").strip() or None for k in ("org_id", "on_site", "online")}
    body, problems = parse(Participation, {k: v for k, v in values.items() if v is not None})
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        _, errors = await ui.attempt(
            "exchange", "report_participation", {**body.model_dump(mode="json"), "material_id": material_id}
        )
        if not errors:
            return ui.back(f"/ui/materials/{material_id}?done=participation#participation-h")
    shown = {f"pt-{k}": v for k, v in errors.items()}
    return ui.page("material.html", 422, **{**await material_context(ui, material_id), "errors": shown})


@router.post("/materials/{material_id}/acknowledge")
async def acknowledge(ui: UiDep, material_id: str) -> Response:
    return await _from_inbox(ui, material_id, "acknowledge")


@router.post("/materials/{material_id}/release")
async def release(ui: UiDep, material_id: str) -> Response:
    """An org that holds cascades for review sends this one on to the orgs under it (X1)."""
    return await _from_inbox(ui, material_id, "release_cascade")


async def _from_inbox(ui: Ui, material_id: str, verb: str) -> Response:
    """Runs an org's command on a material it received; back to its inbox, or the refusal on the material's page."""
    org_id = str(ui.form.get("org_id") or "")
    _, errors = await ui.attempt("exchange", verb, {"material_id": material_id, "org_id": org_id})
    if errors:
        return ui.page("material.html", 422, **{**await material_context(ui, material_id), "errors": errors})
    return ui.back(f"/ui/orgs/{org_id}/inbox")


async def _parties(ui: Ui, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The register of outside parties, and the orgs the user writes for that may take part in it: territorial orgs
    (an association serves one) and those above the primary orgs (they receive parties' materials, X1)."""
    parties = await ui.ask("exchange", "list_parties", {})
    orgs, _ = await ui.maybe("registry", "list_orgs", {"limit": 500})
    writes = ui.who.actor.role in ("admin", "staff")
    receivers = [o for o in orgs or [] if writes and o["level"] != "primary"]
    names = {o["id"]: o["name"] for o in orgs or []} | await names_only(ui, {}, [p["org_id"] for p in parties if p["org_id"]])
    return {
        "parties": parties,
        "receivers": receivers,
        "territorial": [o for o in receivers if o["level"] == "territorial"],
        "names": names,
        "party_kinds": list(PartyKind),
        "PARTY_WORDS": PARTY_WORDS,
        "done": str(ui.request.query_params.get("done") or ""),
        "values": values or {"kind": "news", "topics": []},
        "errors": errors or {},
        **CHOICES,
    }


@router.get("/parties")
async def parties(ui: UiDep) -> Response:
    return ui.page("parties.html", **await _parties(ui))


@router.post("/parties")
async def register_party(ui: UiDep) -> Response:
    """An outside party in the register: FNPR, Solidarnost, the media, a territorial association, union staff."""
    f = ui.form
    values = {k: str(f.get(k) or "").strip() or None for k in ("kind", "name", "email", "org_id")}
    body, problems = parse(Party, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        _, errors = await ui.attempt("exchange", "register_party", body.model_dump(mode="json", exclude_none=True))
        if not errors:
            return ui.back("/ui/parties?done=registered")
        if "org_id" in errors and body.kind is PartyKind.TERRITORIAL_ASSOCIATION:  # X2 here: the org it serves is missing
            errors["org_id"] = ui.fmt.gettext(SERVES)
    return ui.page("parties.html", 422, **await _parties(ui, {f"pa-{k}": v for k, v in errors.items()}))


@router.post("/parties/received-materials")
async def receive(ui: UiDep) -> Response:
    """X1: a material that came from an outside party, recorded at the CC or a territorial org and passed on at once."""
    org_id = str(ui.form.get("org_id") or "")
    values: dict[str, Any] = {**content(ui.form), "party_id": ui.form.get("party_id") or None}
    body, problems = parse(Reception, values)
    errors = ui.errors(problems) if problems else {}
    if not org_id:
        errors = {**errors, "org_id": ui.errors([{"field": "org_id", "rule": "missing"}])["org_id"]}
    elif body is not None:
        made, errors = await ui.attempt("exchange", "receive_material", {**body.model_dump(mode="json"), "org_id": org_id})
        if made:
            return ui.back(f"/ui/materials/{made['id']}")
    shown = {f"rc-{k}": v for k, v in errors.items()}
    return ui.page("parties.html", 422, **await _parties(ui, shown, values))
