"""The moderation queue (H2): what waits below this org for its decision — approval before publication, or review
after it (published at once under a parent that does not pre-moderate: confirm or take down)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ..names import org_names
from ..page import PageRoute, Ui, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


async def _queue(ui: Ui, org_id: str) -> list[dict[str, Any]]:
    """Exchange's queue of the org, oldest first: its children's (the CC's: the whole union's), on today's tree."""
    return list(await ui.ask("exchange", "list_moderation_queue", {"org_id": org_id}))


@router.get("/orgs/{org_id}/moderation")
async def queue(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows = await _queue(ui, org_id)
    names = await org_names(ui, [m["org_id"] for m in rows])
    return ui.page("moderation.html", org=org, rows=rows, names=names, errors={})


@router.post("/materials/{material_id}/moderation")
async def decide(ui: UiDep, material_id: str) -> Response:
    reason = str(ui.form.get("reason") or "").strip() or None
    payload: dict[str, Any] = {"material_id": material_id}
    match ui.form.get("decision"):
        case "confirm":  # review after publication
            verb = "confirm_publication"
        case "take_down":
            verb, payload["reason"] = "take_down_publication", reason or ""
        case decision:  # approval before publication
            verb, payload["approve"], payload["reason"] = "moderate", decision == "approve", reason
    back = str(ui.form.get("org_id") or "")
    _, errors = await ui.attempt("exchange", verb, payload)
    if not errors and back:
        return ui.back(f"/ui/orgs/{back}/moderation")
    if not errors:
        return ui.back(f"/ui/materials/{material_id}")
    org = await ui.ask("registry", "get_org", {"org_id": back or ui.who.actor.org_id or ""})
    rows = await _queue(ui, org["id"])
    names = await org_names(ui, [m["org_id"] for m in rows])
    return ui.page("moderation.html", 422, org=org, rows=rows, names=names, errors={material_id: next(iter(errors.values()))})
