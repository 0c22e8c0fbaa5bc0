"""The moderation queue (H2): materials of the orgs below waiting for this org's approval before publication."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ..names import org_names
from ..page import PageRoute, Ui, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
MOST_ORGS = 300  # a queue page reads at most this many orgs' materials


async def _queue(ui: Ui, org_id: str) -> list[dict[str, Any]]:
    """Pending materials whose moderator is this org or one under it (exchange has no queue query yet)."""
    subtree = await ui.ask("registry", "get_subtree", {"org_id": org_id})
    ids = {o["id"] for o in subtree}
    found = await asyncio.gather(*(ui.maybe("exchange", "list_materials", {"org_id": o["id"]}) for o in subtree[:MOST_ORGS]))
    pending = [m for rows, _ in found for m in rows or [] if m["moderation"] == "pending" and m["moderator_id"] in ids]
    return sorted(pending, key=lambda m: m["drafted_at"])


@router.get("/orgs/{org_id}/moderation")
async def queue(ui: UiDep, org_id: str) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    rows = await _queue(ui, org_id)
    names = await org_names(ui, [m["org_id"] for m in rows])
    return ui.page("moderation.html", org=org, rows=rows, names=names, errors={})


@router.post("/materials/{material_id}/moderation")
async def decide(ui: UiDep, material_id: str) -> Response:
    approve = ui.form.get("decision") == "approve"
    reason = str(ui.form.get("reason") or "").strip() or None
    back = str(ui.form.get("org_id") or "")
    _, errors = await ui.attempt("exchange", "moderate", {"material_id": material_id, "approve": approve, "reason": reason})
    if not errors and back:
        return ui.back(f"/ui/orgs/{back}/moderation")
    if not errors:
        return ui.back(f"/ui/materials/{material_id}")
    org = await ui.ask("registry", "get_org", {"org_id": back or ui.who.actor.org_id or ""})
    rows = await _queue(ui, org["id"])
    names = await org_names(ui, [m["org_id"] for m in rows])
    return ui.page("moderation.html", 422, org=org, rows=rows, names=names, errors={material_id: next(iter(errors.values()))})
