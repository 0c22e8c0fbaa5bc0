"""Materials: the composer, an org's inbox and materials, a material with send-up / cascade, live deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from contracts.envelope import Error, ErrorCode
from contracts.exchange import Draft, Kind, Support, Topic

from ...errors import ApiError
from ..forms import flag, listed, parse
from ..live import deliveries_events
from ..names import children_of, org_names
from ..page import PageRoute, Ui, UiDep
from .boards import boards_of
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
CHOICES: dict[str, Any] = {"kinds": list(Kind), "topics": list(Topic), "supports": list(Support)}


@router.get("/orgs/{org_id}/inbox")
async def inbox(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows = await ui.ask("exchange", "inbox", {"org_id": org_id})
    names = await org_names(ui, [r["from_org_id"] for r in rows])
    ids = [o["id"] for o in await lineage(ui, org)]
    may = {"may_ack": ui.can("acknowledge", org_id, ids), "may_release": ui.can("write_materials", org_id, ids)}
    boards = await boards_of(ui, org_id) if ui.can("report_facts", org_id, ids) else []  # P1 beside the week's materials
    done = str(ui.request.query_params.get("done") or "")
    return ui.page("inbox.html", org=org, rows=rows, names=names, boards=boards, done=done, errors={}, **may)


@router.get("/orgs/{org_id}/materials")
async def materials(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows = await ui.ask("exchange", "list_materials", {"org_id": org_id})
    ids = [o["id"] for o in await lineage(ui, org)]
    return ui.page("materials.html", org=org, rows=rows, may_write=ui.can("write_materials", org_id, ids))


@router.get("/orgs/{org_id}/materials/new")
async def composer(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    if not ui.can("write_materials", org_id, [o["id"] for o in await lineage(ui, org)]):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="your role drafts no materials here"))
    return ui.page("compose.html", org=org, values={"kind": "news", "topics": []}, errors={}, **CHOICES)


@router.post("/orgs/{org_id}/materials/new")
async def draft(ui: UiDep, org_id: str) -> Response:
    f = ui.form
    values: dict[str, Any] = {
        "org_id": org_id,
        "title": str(f.get("title") or "").strip() or None,
        "body": str(f.get("body") or "").strip() or None,
        "kind": f.get("kind") or None,
        "topics": listed(f, "topics"),
        "newsworthy": flag(f, "newsworthy"),
        "needs_support": f.get("needs_support") or None,
        "for_publication": flag(f, "for_publication"),
        "campaign": flag(f, "campaign"),
    }
    body, problems = parse(Draft, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        made, errors = await ui.attempt("exchange", "draft_material", body.model_dump(mode="json"))
        if made:
            return ui.back(f"/ui/materials/{made['id']}")
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    return ui.page("compose.html", 422, org=org, values=values, errors=errors, **CHOICES)


async def _material_context(ui: Ui, material_id: str) -> dict[str, Any]:
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id})
    names = await org_names(ui, [material["org_id"], *(r["recipient"] for r in summary["recipients"])])
    author, _ = await ui.maybe("registry", "get_org", {"org_id": material["org_id"]})
    ids = [o["id"] for o in await lineage(ui, author)] if author else [material["org_id"]]
    subtree, _ = await ui.maybe("registry", "get_subtree", {"org_id": material["org_id"]})
    return {
        "material": material,
        "summary": summary,
        "names": names,
        "may_write": author is not None and ui.can("write_materials", material["org_id"], ids),
        "children": children_of(subtree or [], material["org_id"]),
        "errors": {},
    }


@router.get("/materials/{material_id}")
async def material_page(ui: UiDep, material_id: str) -> Response:
    return ui.page("material.html", **await _material_context(ui, material_id))


@router.get("/materials/{material_id}/events")
async def material_events(ui: UiDep, material_id: str) -> Response:
    """The live deliveries table (text/event-stream); the browser never polls."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})  # readable, or refused now
    summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id})
    names = await org_names(ui, [material["org_id"], *(r["recipient"] for r in summary["recipients"])])
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(deliveries_events(ui, material_id, names), media_type="text/event-stream", headers=headers)


async def _act(ui: Ui, material_id: str, verb: str, payload: dict[str, Any]) -> Response:
    """Runs a material command from a button; its refusal is shown on the material's page."""
    _, errors = await ui.attempt("exchange", verb, {**payload, "material_id": material_id})
    if not errors:
        return ui.back(f"/ui/materials/{material_id}")
    return ui.page("material.html", 422, **{**await _material_context(ui, material_id), "errors": errors})


@router.post("/materials/{material_id}/send-up")
async def send_up(ui: UiDep, material_id: str) -> Response:
    return await _act(ui, material_id, "send_up", {})


@router.post("/materials/{material_id}/cascade")
async def cascade(ui: UiDep, material_id: str) -> Response:
    chosen = listed(ui.form, "to")
    return await _act(ui, material_id, "cascade", {"to": chosen} if chosen else {})


@router.post("/materials/{material_id}/publication")
async def request_publication(ui: UiDep, material_id: str) -> Response:
    return await _act(ui, material_id, "request_publication", {})


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
        return ui.page("material.html", 422, **{**await _material_context(ui, material_id), "errors": errors})
    return ui.back(f"/ui/orgs/{org_id}/inbox")
