"""An org's information resources from the org page: opening one, and the weekly notice-board refresh (P1) in one
click, from the org page or from the inbox where the week's materials arrive."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.contacts import Channel, Update

from ..page import PageRoute, Ui, UiDep
from .orgs import org_context

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
BACK: dict[str, str] = {"org": "/ui/orgs/{org}", "inbox": "/ui/orgs/{org}/inbox"}


async def boards_of(ui: Ui, org_id: str) -> list[dict[str, Any]]:
    """The org's running notice boards (empty when contacts cannot say now)."""
    channels, _ = await ui.maybe("contacts", "list_channels", {"org_id": org_id})
    return [c for c in channels or [] if c["kind"] == "notice_board"]


async def _refused(ui: Ui, org_id: str, errors: dict[str, str]) -> Response:
    return ui.page("org.html", 422, **await org_context(ui, org_id), errors=errors)


@router.post("/channels/{channel_id}/refresh")
async def refresh(ui: UiDep, channel_id: str) -> Response:
    """P1: the notice board was refreshed today (or on the day given)."""
    org_id = str(ui.form.get("org_id") or "")
    back: Literal["org", "inbox"] = "inbox" if ui.form.get("back") == "inbox" else "org"
    values = {"at": ui.form.get("at") or None}
    errors = await ui.submit(Update, values, "contacts", "refresh_channel", {"channel_id": channel_id})
    if not errors:
        return ui.back(BACK[back].format(org=org_id) + "?done=refreshed")
    return await _refused(ui, org_id, {f"rf-{channel_id}-{k}": v for k, v in errors.items()})


@router.post("/orgs/{org_id}/channels")
async def open_channel(ui: UiDep, org_id: str) -> Response:
    """A new information resource of the org: a notice board, a chat, a mailing list, a website…"""
    f = ui.form
    values = {
        "kind": f.get("kind") or None,
        "name": str(f.get("name") or "").strip() or None,
        "url": str(f.get("url") or "").strip() or None,
        "since": f.get("since") or None,
    }
    errors = await ui.submit(Channel, values, "contacts", "open_channel", {"org_id": org_id})
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}")
    return await _refused(ui, org_id, {f"ch-{k}": v for k, v in errors.items()})
