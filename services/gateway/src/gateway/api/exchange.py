"""Materials up and down the chain (X1–X6), moderation (H2), deliveries, campaigns (K8), outside parties."""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from contracts.envelope import ErrorCode
from contracts.exchange import (
    Acknowledge,
    Cascade,
    Content,
    Decision,
    Draft,
    Participation,
    Party,
    Policy,
    Reception,
    Release,
    Reminder,
    Sender,
    Takedown,
)
from contracts.exchange.commands import MAX_PAGE, PAGE_SIZE
from contracts.notifications import Preference

from ..deps import CallerDep, GatewayDep, ask, ask_page
from ..errors import ApiError
from .orgs import Cursor

router = APIRouter(prefix="/api/v1", tags=["exchange"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")]
UPLOAD_LIMIT = 6_000_000  # base64 makes it 8,000,000: it must fit a NATS message (max_payload 8 MiB) with the JSON around it


def disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987 form (names are often Cyrillic)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.post("/materials", status_code=status.HTTP_201_CREATED, summary="Draft a material")
async def draft_material(gw: GatewayDep, who: CallerDep, body: Draft, response: Response) -> Any:
    data = await ask(gw, who, "exchange", "draft_material", body, response=response, command=True)
    response.headers["Location"] = f"/api/v1/materials/{data['id']}"
    return data


@router.get("/materials/{material_id}", summary="A material with its state, attachments and moderation history")
async def get_material(gw: GatewayDep, who: CallerDep, material_id: str) -> Any:
    return await ask(gw, who, "exchange", "get_material", {"material_id": material_id})


@router.put("/materials/{material_id}", summary="Edit a draft")
async def edit_material(gw: GatewayDep, who: CallerDep, material_id: str, body: Content, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "edit_material", payload, response=response, command=True)


@router.post("/materials/{material_id}/attachments", status_code=status.HTTP_201_CREATED, summary="Attach a file to a draft")
async def add_attachment(
    gw: GatewayDep, who: CallerDep, material_id: str, file: Annotated[UploadFile, File()], response: Response
) -> Any:
    data = await file.read(UPLOAD_LIMIT + 1)
    if len(data) > UPLOAD_LIMIT:
        raise ApiError.of(ErrorCode.TOO_LARGE, f"the file is larger than {UPLOAD_LIMIT} bytes", "file", "size")
    payload = {
        "material_id": material_id,
        "filename": file.filename or "file",
        "content_type": file.content_type or "application/octet-stream",
        "data_base64": base64.b64encode(data).decode(),
    }
    return await ask(gw, who, "exchange", "add_attachment", payload, response=response, command=True)


@router.get("/materials/{material_id}/attachments/{attachment_id}", summary="Download an attachment")
async def get_attachment(gw: GatewayDep, who: CallerDep, material_id: str, attachment_id: str) -> Response:
    found = await ask(gw, who, "exchange", "get_attachment", {"material_id": material_id, "attachment_id": attachment_id})
    headers = {"Content-Disposition": disposition(found["filename"]), "ETag": f'"{found["sha256"]}"'}
    return Response(base64.b64decode(found["data_base64"]), media_type=found["content_type"], headers=headers)


@router.delete(
    "/materials/{material_id}/attachments/{attachment_id}", summary="Remove a file from a draft (the author org's staff)"
)
async def remove_attachment(gw: GatewayDep, who: CallerDep, material_id: str, attachment_id: str, response: Response) -> Any:
    payload = {"material_id": material_id, "attachment_id": attachment_id}
    return await ask(gw, who, "exchange", "remove_attachment", payload, response=response, command=True)


@router.post(
    "/orgs/{org_id}/received-materials",
    status_code=status.HTTP_201_CREATED,
    summary="Record a material from an outside party and pass it on (X1)",
)
async def receive_material(gw: GatewayDep, who: CallerDep, org_id: str, body: Reception, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id}
    return await ask(gw, who, "exchange", "receive_material", payload, response=response, command=True)


@router.post("/materials/{material_id}/send-up", status_code=status.HTTP_202_ACCEPTED, summary="Route a material up (X2, X3)")
async def send_up(gw: GatewayDep, who: CallerDep, material_id: str, response: Response, body: Sender | None = None) -> Any:
    payload = {**(body.model_dump(exclude_none=True) if body else {}), "material_id": material_id}
    return await ask(gw, who, "exchange", "send_up", payload, response=response, command=True)


@router.post(
    "/materials/{material_id}/cascade", status_code=status.HTTP_202_ACCEPTED, summary="Send a material down the subtree (X1)"
)
async def cascade(gw: GatewayDep, who: CallerDep, material_id: str, response: Response, body: Cascade | None = None) -> Any:
    payload = {**(body.model_dump(mode="json", exclude_none=True) if body else {}), "material_id": material_id}
    return await ask(gw, who, "exchange", "cascade", payload, response=response, command=True)


@router.post(
    "/materials/{material_id}/release", status_code=status.HTTP_202_ACCEPTED, summary="Release a cascade held for review"
)
async def release(gw: GatewayDep, who: CallerDep, material_id: str, body: Release, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "release_cascade", payload, response=response, command=True)


@router.post(
    "/materials/{material_id}/reminders",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Remind the orgs that have not read a material the org sent them (once a day); `reminded`: how many",
)
async def remind_unread(
    gw: GatewayDep, who: CallerDep, material_id: str, response: Response, body: Reminder | None = None
) -> Any:
    payload = {**(body.model_dump(mode="json", exclude_none=True) if body else {}), "material_id": material_id}
    return await ask(gw, who, "exchange", "remind_unread", payload, response=response, command=True)


@router.post(
    "/materials/{material_id}/publication",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Put a material on the org's public resources under the parent's control (H2)",
)
async def request_publication(gw: GatewayDep, who: CallerDep, material_id: str, response: Response) -> Any:
    return await ask(gw, who, "exchange", "request_publication", {"material_id": material_id}, response=response, command=True)


@router.post("/materials/{material_id}/moderation", summary="Approve or reject a material for publication (H2)")
async def moderate(gw: GatewayDep, who: CallerDep, material_id: str, body: Decision, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "moderate", payload, response=response, command=True)


@router.post("/materials/{material_id}/confirmation", summary="Let stand a material published before review (H2)")
async def confirm_publication(gw: GatewayDep, who: CallerDep, material_id: str, response: Response) -> Any:
    payload = {"material_id": material_id}
    return await ask(gw, who, "exchange", "confirm_publication", payload, response=response, command=True)


@router.post("/materials/{material_id}/takedown", summary="Take down a material published before review, with a reason (H2)")
async def take_down_publication(gw: GatewayDep, who: CallerDep, material_id: str, body: Takedown, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "take_down_publication", payload, response=response, command=True)


@router.get(
    "/orgs/{org_id}/moderation-queue",
    summary="What waits below an org for a decision on publication, before or after it (H2)",
)
async def moderation_queue(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "exchange", "list_moderation_queue", {"org_id": org_id})


@router.post("/materials/{material_id}/acknowledge", summary="The org has read the material")
async def acknowledge(gw: GatewayDep, who: CallerDep, material_id: str, body: Acknowledge, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "acknowledge", payload, response=response, command=True)


@router.get("/materials/{material_id}/deliveries", summary="One row per recipient: delivered and acknowledged, a page at a time")
async def list_deliveries(
    gw: GatewayDep,
    who: CallerDep,
    material_id: str,
    response: Response,
    unread: Annotated[bool, Query(description="Only the recipient orgs that have not acknowledged it")] = False,
    limit: Limit = PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    query = {"unread": unread, "limit": limit, "cursor": cursor}
    path, verb = f"/api/v1/materials/{material_id}/deliveries", ("exchange", "list_deliveries")
    recipients = lambda answer: answer["recipients"]  # noqa: E731 -- the figures beside them are /progress's
    return await ask_page(gw, who, response, path, verb, query, "recipient", recipients, material_id=material_id)


@router.get("/materials/{material_id}/progress", summary="How far a material got: reached, acknowledged, time to the last (X6)")
async def progress(gw: GatewayDep, who: CallerDep, material_id: str) -> Any:
    """The exchange's figures, and the orgs yet to read it: its pages of them (`unread`), which a figure never lists."""
    query: dict[str, Any] = {"material_id": material_id, "unread": True, "limit": MAX_PAGE}
    summary = await ask(gw, who, "exchange", "list_deliveries", query)
    unread = page = summary["recipients"]
    while len(page) == MAX_PAGE:
        page = (await ask(gw, who, "exchange", "list_deliveries", {**query, "cursor": page[-1]["recipient"]}))["recipients"]
        unread = unread + page
    figures = {k: v for k, v in summary.items() if k != "recipients"}
    return {**figures, "not_acknowledged": sorted(r["recipient"] for r in unread)}


@router.get("/orgs/{org_id}/inbox", summary="What reached an org, newest first, a page at a time")
async def inbox(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    overdue: bool = False,
    limit: Limit = PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    query = {"overdue": overdue, "limit": limit, "cursor": cursor}
    path = f"/api/v1/orgs/{org_id}/inbox"
    return await ask_page(gw, who, response, path, ("exchange", "inbox"), query, key="material_id", org_id=org_id)


@router.get("/orgs/{org_id}/materials", summary="Materials an org wrote, newest first, a page at a time")
async def list_materials(
    gw: GatewayDep, who: CallerDep, org_id: str, response: Response, limit: Limit = PAGE_SIZE, cursor: Cursor = None
) -> Any:
    query = {"limit": limit, "cursor": cursor}
    path = f"/api/v1/orgs/{org_id}/materials"
    return await ask_page(gw, who, response, path, ("exchange", "list_materials"), query, org_id=org_id)


@router.put("/orgs/{org_id}/exchange-policy", summary="Hold cascades for review; moderate children's publications (H2)")
async def set_policy(gw: GatewayDep, who: CallerDep, org_id: str, body: Policy, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id}
    return await ask(gw, who, "exchange", "set_policy", payload, response=response, command=True)


@router.post(
    "/parties", status_code=status.HTTP_201_CREATED, summary="Add an outside party (FNPR, Solidarnost, media, association)"
)
async def register_party(gw: GatewayDep, who: CallerDep, body: Party, response: Response) -> Any:
    return await ask(gw, who, "exchange", "register_party", body, response=response, command=True)


@router.get("/parties", summary="The register of outside parties")
async def list_parties(gw: GatewayDep, who: CallerDep) -> Any:
    return await ask(gw, who, "exchange", "list_parties", {})


@router.post(
    "/materials/{material_id}/participation",
    status_code=status.HTTP_201_CREATED,
    summary="Report participation in a campaign (K8)",
)
async def report_participation(gw: GatewayDep, who: CallerDep, material_id: str, body: Participation, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "material_id": material_id}
    return await ask(gw, who, "exchange", "report_participation", payload, response=response, command=True)


@router.get("/materials/{material_id}/participation", summary="Participation in a campaign, per org and in total")
async def list_participation(gw: GatewayDep, who: CallerDep, material_id: str) -> Any:
    return await ask(gw, who, "exchange", "list_participation", {"material_id": material_id})


@router.get("/orgs/{org_id}/notifications", summary="Receipts of the notifications about an org")
async def list_notifications(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "notifications", "list_notifications", {"org_id": org_id})


@router.put("/people/{person_id}/notification-preference", summary="Instant notifications or a daily digest")
async def set_preference(gw: GatewayDep, who: CallerDep, person_id: str, body: Preference, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "person_id": person_id}
    return await ask(gw, who, "notifications", "set_preference", payload, response=response, command=True)
