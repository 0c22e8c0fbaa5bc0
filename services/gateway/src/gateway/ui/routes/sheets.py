"""Print (P1, P2, D2): a material's sheet for one org, its posting on the notice board, its print runs, and the
channel the org's sheets point to with a QR code. The PDF itself is the API's route (the session cookie signs it)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.contacts import Posting, SheetChannel

from ...api.sheets import SheetPrintRun, record_posting, record_print_run
from ...errors import ApiError
from ..forms import parse
from ..names import org_names
from ..page import PageRoute, Ui, UiDep
from .orgs import org_context

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
LINKS = ("chat", "social_page", "website", "mailing_list")


def _page_url(material_id: str, org_id: str, done: str | None = None) -> str:
    query = {"org_id": org_id, **({"done": done} if done else {})}
    return f"/ui/materials/{material_id}/print?{urlencode(query)}"


async def _context(ui: Ui, material_id: str, org_id: str | None) -> dict[str, Any]:
    """The material, the orgs the user may print it for (its author's and its recipients' visible to them), the chosen
    org's sheet channel and the electronic channels it could choose instead."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id})
    ids = [material["org_id"], *(r["recipient"] for r in summary["recipients"] if r.get("recipient_kind", "org") == "org")]
    names = await org_names(ui, ids, parties=False)
    choices = [i for i in dict.fromkeys(ids) if i in names]
    org = org_id if org_id in choices else (ui.who.actor.org_id if ui.who.actor.org_id in choices else None)
    org = org or (choices[0] if choices else material["org_id"])
    sheet = await ui.ask("exchange", "get_sheet", {"material_id": material_id, "org_id": org})
    link, _ = await ui.maybe("contacts", "get_sheet_channel", {"org_id": org})
    channels, _ = await ui.maybe("contacts", "list_channels", {"org_id": org})
    return {
        "material": material,
        "org_id": org,
        "sheet": sheet,
        "names": names,
        "choices": choices,
        "link": link,
        "links": [c for c in channels or [] if c["kind"] in LINKS and c.get("url")],
        "boards": [c for c in channels or [] if c["kind"] == "notice_board"],
        "may_record": ui.can("report_facts", org),
        "done": str(ui.request.query_params.get("done") or ""),
        "values": {"copies": "", "format": "a4", "at": ""},
        "errors": {},
    }


@router.get("/materials/{material_id}/print")
async def print_page(ui: UiDep, material_id: str, org_id: str | None = None) -> Response:
    return ui.page("print.html", **await _context(ui, material_id, org_id))


async def _after(ui: Ui, material_id: str, org_id: str, errors: dict[str, str], done: str, values: dict[str, Any]) -> Response:
    if not errors:
        return ui.back(_page_url(material_id, org_id, done))
    ctx = await _context(ui, material_id, org_id)
    return ui.page("print.html", 422, **{**ctx, "errors": errors, "values": {**ctx["values"], **values}})


async def _recorded(ui: Ui, recording: Awaitable[Any]) -> dict[str, str]:
    """A posting or print run recorded as the API records it (the same checks); the refusal's messages by field."""
    try:
        await recording
    except ApiError as e:
        return ui.errors(e.error)
    return {}


@router.post("/materials/{material_id}/print/posting")
async def posting(ui: UiDep, material_id: str) -> Response:
    """The sheet was posted on the org's notice board: its refresh (P1)."""
    f = ui.form
    org_id = str(f.get("org_id") or "")
    values = {"org_id": org_id, "at": f.get("at") or None, "channel_id": f.get("channel_id") or None}
    body, problems = parse(Posting, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        errors = await _recorded(ui, record_posting(ui.gw, ui.who, material_id, body))
    return await _after(ui, material_id, org_id, errors, "posted", {"at": values["at"] or ""})


@router.post("/materials/{material_id}/print/run")
async def print_run(ui: UiDep, material_id: str) -> Response:
    """Copies of the sheet were printed (P2)."""
    f = ui.form
    org_id = str(f.get("org_id") or "")
    typed = str(f.get("copies") or "").strip()
    copies = int(typed) if typed.isdigit() else typed or None  # a form's number arrives as text; the contract is strict
    values = {"org_id": org_id, "copies": copies, "format": f.get("format") or "a4", "on": f.get("on") or None}
    body, problems = parse(SheetPrintRun, values)
    errors = ui.errors(problems) if problems else {}
    if body is not None:
        errors = await _recorded(ui, record_print_run(ui.gw, ui.who, material_id, body))
    return await _after(ui, material_id, org_id, errors, "printed", {"copies": f.get("copies") or "", "format": values["format"]})


@router.post("/materials/{material_id}/print/channel")
async def choose_channel(ui: UiDep, material_id: str) -> Response:
    """The channel the org's sheets point to with a QR code."""
    f = ui.form
    org_id = str(f.get("org_id") or "")
    values = {"channel_id": f.get("channel_id") or None}
    errors = await ui.submit(SheetChannel, values, "contacts", "choose_sheet_channel", {"org_id": org_id})
    return await _after(ui, material_id, org_id, errors, "chosen", {})


@router.post("/orgs/{org_id}/sheet-channel")
async def choose_org_channel(ui: UiDep, org_id: str) -> Response:
    """The org's settings: the channel its printed sheets point to with a QR code (D2, K6)."""
    values = {"channel_id": ui.form.get("channel_id") or None}
    errors = await ui.submit(SheetChannel, values, "contacts", "choose_sheet_channel", {"org_id": org_id})
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}")
    return ui.page("org.html", 422, **await org_context(ui, org_id), errors=errors)
