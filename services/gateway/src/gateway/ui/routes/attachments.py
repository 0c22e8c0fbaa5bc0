"""A draft's attachments: a file added as the API adds it, downloaded, and removed once the user has confirmed it."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from contracts.envelope import Error, ErrorCode

from ...api.exchange import UPLOAD_LIMIT, disposition
from ...errors import ApiError
from ..page import PageRoute, Ui, UiDep
from .exchange import draft_errors, material_context

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
REMOVED_ALREADY = "The material no longer carries this file: it was removed already."


@router.post("/materials/{material_id}/attachments")
async def attach(ui: UiDep, material_id: str) -> Response:
    """A file attached to the draft, as the API attaches it (the same size limit, the same exchange verb)."""
    upload = ui.form.get("file")
    data = await upload.read(UPLOAD_LIMIT + 1) if isinstance(upload, UploadFile) else b""
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = ui.errors([{"field": "file", "rule": "missing"}])
    elif len(data) > UPLOAD_LIMIT:
        errors = ui.errors([{"field": "file", "rule": "size"}])
    else:
        payload = {
            "material_id": material_id,
            "filename": upload.filename,
            "content_type": upload.content_type or "application/octet-stream",
            "data_base64": base64.b64encode(data).decode(),
        }
        _, errors = await ui.attempt("exchange", "add_attachment", payload)
        if not errors:
            return ui.back(f"/ui/materials/{material_id}?done=attached#attachments-h")
    shown = {f"at-{k}": v for k, v in draft_errors(ui, errors).items()}
    return ui.page("material.html", 422, **{**await material_context(ui, material_id), "errors": shown})


@router.get("/materials/{material_id}/attachments/{attachment_id}")
async def attachment(ui: UiDep, material_id: str, attachment_id: str) -> Response:
    """An attachment's file, for those who may read the material."""
    found = await ui.ask("exchange", "get_attachment", {"material_id": material_id, "attachment_id": attachment_id})
    headers = {"Content-Disposition": disposition(found["filename"]), "Cache-Control": "no-store"}
    return Response(base64.b64decode(found["data_base64"]), media_type=found["content_type"], headers=headers)


async def _removal(ui: Ui, material_id: str, attachment_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """What the question before removing a file shows: the draft, the file, and where to go back to."""
    material = await ui.ask("exchange", "get_material", {"material_id": material_id})
    found = next((a for a in material["attachments"] if a["id"] == attachment_id), None)
    if found is None and errors is None:  # asked about a file the draft does not carry: the page says it was not found
        raise ApiError(Error(code=ErrorCode.NOT_FOUND, message="no such file attached to this material"))
    back = "edit" if ui.request.query_params.get("from") == "edit" or ui.form.get("from") == "edit" else ""
    attachment = found or {"id": attachment_id, "filename": "—", "size": 0}
    return {"kind": "attachment", "material": material, "attachment": attachment, "back": back, "errors": errors or {}}


@router.get("/materials/{material_id}/attachments/{attachment_id}/removal")
async def ask_removal(ui: UiDep, material_id: str, attachment_id: str) -> Response:
    """Removing a file asks first, saying what will change."""
    return ui.page("confirm.html", **await _removal(ui, material_id, attachment_id))


@router.post("/materials/{material_id}/attachments/{attachment_id}/removal")
async def remove_attachment(ui: UiDep, material_id: str, attachment_id: str) -> Response:
    """Takes the file off the draft once the user has confirmed it (exchange refuses once it is no longer a draft)."""
    payload = {"material_id": material_id, "attachment_id": attachment_id}
    _, errors = await ui.attempt("exchange", "remove_attachment", payload)
    if not errors:
        edit = ui.form.get("from") == "edit"
        return ui.back(
            f"/ui/materials/{material_id}/edit?done=removed"
            if edit
            else f"/ui/materials/{material_id}?done=removed#attachments-h"
        )
    if "attachment_id" in errors:
        errors = {**errors, "attachment_id": ui.fmt.gettext(REMOVED_ALREADY)}
    return ui.page("confirm.html", 422, **await _removal(ui, material_id, attachment_id, draft_errors(ui, errors)))
