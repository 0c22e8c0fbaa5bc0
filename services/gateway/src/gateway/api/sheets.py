"""Print (P1, P2, D2): a material as a notice-board sheet or poster for one org, its posting on the board and its print
runs, and the electronic channel an org's sheets point to. The exchange decides who may read the material; the
gateway only renders it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from contracts.contacts import Posting, PrintKind, SheetChannel
from contracts.envelope import ErrorCode
from kit import clock

from ..deps import Caller, CallerDep, Gateway, GatewayDep, ask
from ..errors import ApiError
from ..sheets import Link, Paper, Sheet
from ..sheets.printer import printer
from ..ui.i18n import Formats
from ..ui.words import label

router = APIRouter(prefix="/api/v1", tags=["print"])
NO_LINK_HINT = (
    "the org runs no chat, social page, website or mailing list with a URL: the sheet has no QR code; "
    "open one, or choose one with PUT /api/v1/orgs/{org_id}/sheet-channel"
)
CLOSED_HINT = (
    "the channel chosen for the org's sheets has closed: the QR code leads to another of its channels; "
    "choose one with PUT /api/v1/orgs/{org_id}/sheet-channel"
)
KINDS: dict[str, PrintKind] = {"a4": PrintKind.INFORMATION_SHEET, "a3": PrintKind.POSTER}


@dataclass(frozen=True)
class Printed:
    """A rendered sheet and what the person printing it should know."""

    pdf: bytes
    title: str
    hint: str | None


def sheet_of(found: dict[str, Any], channel: dict[str, Any] | None, day: date) -> Sheet:
    """The sheet's description from the exchange's and contacts' answers, in Russian whatever the reader's language."""
    ru = Formats("ru")
    m = found["material"]
    link = Link(channel["url"], channel["name"], channel["kind"]) if channel and channel.get("url") else None
    kind = ru.gettext(label(m["kind"]))
    return Sheet(
        title=m["title"],
        body=m["body"],
        org_name=found["org"]["name"] or found["org"]["id"],
        sender_name=found["from"]["name"] or found["from"]["id"],
        day=day,
        kind=kind[:1].upper() + kind[1:],
        topics=tuple(ru.gettext(label(t)) for t in m["topics"]),
        link=link,
    )


async def readable(gw: Gateway, who: Caller, material_id: str, org_id: str) -> dict[str, Any]:
    """The exchange's answer for the org's sheet: 403/404 unless the org has the material and the caller may read it."""
    found: dict[str, Any] = await ask(gw, who, "exchange", "get_sheet", {"material_id": material_id, "org_id": org_id})
    return found


NOT_HAD = "the org never had this material: it was neither written in nor sent to that org's part of the union"


async def had(gw: Gateway, who: Caller, material_id: str, org_id: str) -> dict[str, Any]:
    """The exchange's answer for the org's sheet; 422 naming `material_id` when the org never had the material (or
    there is none, or the caller may read it nowhere): one answer for each, so that it tells no other subtree's drafts.
    A refusal about the org itself, or the moderator's (H2), stays as it is."""
    try:
        return await readable(gw, who, material_id, org_id)
    except ApiError as e:
        if not await _about_the_material(gw, who, e, material_id):
            raise
    raise ApiError.of(ErrorCode.INVALID, NOT_HAD, "material_id", "had_material")


async def _about_the_material(gw: Gateway, who: Caller, e: ApiError, material_id: str) -> bool:
    fields = {d.field for d in e.error.details}
    if e.error.code is ErrorCode.NOT_FOUND:
        return "material_id" in fields
    if e.error.code is not ErrorCode.FORBIDDEN:
        return False
    if "org_id" in fields:  # the material is readable, but neither the org's own nor delivered into its subtree
        return True
    try:  # the caller may not read the material at all, or may not act at the org: only the first is the material's
        await ask(gw, who, "exchange", "get_material", {"material_id": material_id})
    except ApiError:
        return True
    return False


def not_before(found: dict[str, Any], day: date | None, field: str, rule: str) -> None:
    """A posting or print run is of a day the org had the material (the exchange's `received_on`), never before."""
    since = date.fromisoformat(found["received_on"])
    if day is not None and day < since:
        message = f"the org had this material from {since.isoformat()}: {day.isoformat()} is before that"
        raise ApiError.of(ErrorCode.INVALID, message, field=field, rule=rule)


async def record_posting(gw: Gateway, who: Caller, material_id: str, body: Posting, response: Response | None = None) -> Any:
    """The one way to record a sheet posted (the API's route and the UI's form): the exchange decides that the org has
    the material, the caller may read it and its moderator let it out (H2), and that it is not dated before the org
    had it (P1); then contacts records the board's refresh."""
    found = await readable(gw, who, material_id, body.org_id)
    not_before(found, body.at, "at", "P1")
    payload = {**body.model_dump(mode="json", exclude_none=True), "material_id": material_id}
    return await ask(gw, who, "contacts", "post_sheet", payload, response=response, command=True)


async def print_sheet(gw: Gateway, who: Caller, material_id: str, org_id: str, paper: Paper) -> Printed:
    """The org's sheet of the material as PDF bytes; rendered off the event loop, a few at a time (503 when too many
    wait)."""
    found, channel = await asyncio.gather(
        readable(gw, who, material_id, org_id),
        ask(gw, who, "contacts", "get_sheet_channel", {"org_id": org_id}),
        return_exceptions=True,
    )
    for answer in (found, channel):  # the material's refusal first: it is the one the caller asked about
        if isinstance(answer, BaseException):
            raise answer
    assert isinstance(found, dict)
    sheet = sheet_of(found, channel if isinstance(channel, dict) else None, clock.today(gw.settings.tz))
    pdf = await printer(gw.settings.sheets_at_once, gw.settings.sheets_queued).render(sheet, paper)
    closed = isinstance(channel, dict) and channel.get("chosen_closed")
    return Printed(pdf, sheet.title, CLOSED_HINT if closed else None if sheet.link else NO_LINK_HINT)


def pdf_response(printed: Printed, paper: Paper, download: bool = False) -> Response:
    """The PDF, named after the material, never cached by a proxy (it is personal to an org)."""
    name = f"{' '.join(printed.title.split())[:80]} ({paper.upper()}).pdf"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"{'attachment' if download else 'inline'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}
    if printed.hint:
        headers["Profset-Hint"] = printed.hint
    return Response(printed.pdf, media_type="application/pdf", headers=headers)


OrgQuery = Annotated[str, Query(min_length=1, max_length=100, description="The org whose notice board the sheet is for")]
PaperQuery = Annotated[Literal["a4", "a3"], Query(description="a4: an information sheet; a3: a poster")]


@router.get(
    "/materials/{material_id}/sheet.pdf",
    summary="The material as a print-ready notice-board sheet for one org (P1, P2, D2)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The sheet; `Profset-Hint` when it has no QR code"}},
)
async def get_sheet_pdf(
    gw: GatewayDep, who: CallerDep, material_id: str, org_id: OrgQuery, format: PaperQuery = "a4"
) -> Response:
    return pdf_response(await print_sheet(gw, who, material_id, org_id, format), format)


@router.post(
    "/materials/{material_id}/sheet/postings",
    status_code=status.HTTP_201_CREATED,
    summary="The org's sheet was posted on its notice board: a refresh of the board (P1)",
)
async def post_sheet(gw: GatewayDep, who: CallerDep, material_id: str, body: Posting, response: Response) -> Any:
    return await record_posting(gw, who, material_id, body, response)


class SheetPrintRun(BaseModel):
    """Copies of the org's sheet printed (the body of `POST /materials/{id}/sheet/print-runs`, P2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    org_id: str = Field(min_length=1, max_length=100, description="The org that printed them")
    copies: StrictInt = Field(ge=1, le=10_000_000, description="Copies printed", examples=[20])
    format: Literal["a4", "a3"] = Field("a4", description="a4: information sheets; a3: posters")
    on: date | None = Field(None, description="The day they were printed; defaults to today, never after it")


@router.post(
    "/materials/{material_id}/sheet/print-runs",
    status_code=status.HTTP_201_CREATED,
    summary="Copies of the org's sheet were printed: a print run (P2, K3)",
)
async def record_sheet_print_run(
    gw: GatewayDep, who: CallerDep, material_id: str, body: SheetPrintRun, response: Response
) -> Any:
    return await record_print_run(gw, who, material_id, body, response)


async def record_print_run(
    gw: Gateway, who: Caller, material_id: str, body: SheetPrintRun, response: Response | None = None
) -> Any:
    """The one way to record a print run of a sheet (the API's route and the UI's form), checked as a posting is (P2)."""
    found = await readable(gw, who, material_id, body.org_id)
    not_before(found, body.on, "on", "P2")
    payload = {
        "org_id": body.org_id,
        "on": body.on.isoformat() if body.on else None,
        "kind": KINDS[body.format].value,
        "title": " ".join(found["material"]["title"].split())[:300],
        "copies": body.copies,
        "material_id": material_id,
    }
    return await ask(gw, who, "contacts", "record_print_run", payload, response=response, command=True)


@router.get("/orgs/{org_id}/sheet-channel", summary="The electronic channel the org's sheets point to (null: none)")
async def get_sheet_channel(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "contacts", "get_sheet_channel", {"org_id": org_id})


@router.put("/orgs/{org_id}/sheet-channel", summary="Choose the electronic channel the org's sheets point to (D2, K6)")
async def choose_sheet_channel(gw: GatewayDep, who: CallerDep, org_id: str, body: SheetChannel, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id}
    return await ask(gw, who, "contacts", "choose_sheet_channel", payload, response=response, command=True)
