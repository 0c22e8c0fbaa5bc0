"""Changes that take something away ask first, saying what will change: releasing an officer from a post (H3, M2),
recording that an owner withdrew consent to a personal address (T4, PD1), completing an audit (C1, T1) and erasing a
person (PD1); replacing a quarter's plan asks from the plans page (routes/plans.py). The question is a page of its own,
so it works without scripts; a refusal comes back to it, beside its field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.audits import Completion
from contracts.contacts import Withdrawal
from contracts.envelope import Error, ErrorCode
from contracts.officers import Relief
from contracts.people import ErasureRequest

from ...errors import ApiError
from ..names import org_names
from ..page import PageRoute, Ui, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


async def _relief(ui: Ui, officer_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    officer = await ui.ask("registry", "get_officer", {"officer_id": officer_id})
    org = await ui.ask("registry", "get_org", {"org_id": officer["org_id"]})
    return {"kind": "relief", "officer": officer, "org": org, "errors": errors or {}, "day": ui.form.get("until") or ""}


@router.get("/officers/{officer_id}/relief")
async def ask_relief(ui: UiDep, officer_id: str) -> Response:
    return ui.page("confirm.html", **await _relief(ui, officer_id))


@router.post("/officers/{officer_id}/relief")
async def relieve(ui: UiDep, officer_id: str) -> Response:
    """An officer leaves the post from a date (today unless given), once the user has confirmed it."""
    values = {"until": ui.form.get("until") or None}
    errors = await ui.submit(Relief, values, "registry", "relieve_officer", {"officer_id": officer_id})
    if not errors:
        ctx = await _relief(ui, officer_id)
        return ui.back(f"/ui/orgs/{ctx['org']['id']}")
    return ui.page("confirm.html", 422, **await _relief(ui, officer_id, errors))


async def _withdrawal(ui: Ui, contact_id: str, org_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    points = await ui.ask("contacts", "get_contact_base", {"org_id": org_id})
    point = next((p for p in points if p["id"] == contact_id), None)
    if point is None:  # a contact point not of this org's base: the page says it was not found
        raise ApiError(Error(code=ErrorCode.NOT_FOUND, message="no such contact point in this org's contact base"))
    officers, _ = await ui.maybe("registry", "list_officers", {"org_id": org_id})
    owner = next((o.get("full_name") for o in officers or [] if o["person_id"] == point["person_id"]), None)
    day = ui.form.get("at") or ""
    return {"kind": "withdrawal", "point": point, "owner": owner, "org": org, "errors": errors or {}, "day": day}


@router.get("/contact-points/{contact_id}/consent-withdrawal")
async def ask_withdrawal(ui: UiDep, contact_id: str, org_id: str) -> Response:
    return ui.page("confirm.html", **await _withdrawal(ui, contact_id, org_id))


@router.post("/contact-points/{contact_id}/consent-withdrawal")
async def withdraw(ui: UiDep, contact_id: str) -> Response:
    """The owner withdrew consent on a date (today unless given), once the user has confirmed it."""
    org_id = str(ui.form.get("org_id") or "")
    errors = await ui.submit(
        Withdrawal, {"at": ui.form.get("at") or None}, "contacts", "withdraw_consent", {"contact_id": contact_id}
    )
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/contacts")
    return ui.page("confirm.html", 422, **await _withdrawal(ui, contact_id, org_id, errors))


async def _completion(ui: Ui, audit_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    audit = await ui.ask("audits", "get_audit", {"audit_id": audit_id})
    names = await org_names(ui, [audit["org_id"]], parties=False)
    score = str(ui.form.get("score") or ui.request.query_params.get("score") or "").strip()
    return {"kind": "completion", "audit": audit, "names": names, "score": score, "errors": errors or {}}


@router.get("/audits/{audit_id}/completion")
async def ask_completion(ui: UiDep, audit_id: str) -> Response:
    return ui.page("confirm.html", **await _completion(ui, audit_id))


@router.post("/audits/{audit_id}/completion")
async def complete(ui: UiDep, audit_id: str) -> Response:
    """Completes an audit under way with the score given (or computed), once the user has confirmed it."""
    values = {"score": str(ui.form.get("score") or "").strip() or None}
    errors = await ui.submit(Completion, values, "audits", "complete_audit", {"audit_id": audit_id})
    if not errors:
        return ui.back(f"/ui/audits/{audit_id}")
    return ui.page("confirm.html", 422, **await _completion(ui, audit_id, errors))


async def _erasure(ui: Ui, person_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    member = await ui.ask("registry", "get_member", {"person_id": person_id})
    basis = str(ui.form.get("basis") or "")
    return {"kind": "erasure", "member": member, "basis": basis, "errors": errors or {}}


@router.get("/members/{person_id}/erasure")
async def ask_erasure(ui: UiDep, person_id: str) -> Response:
    return ui.page("confirm.html", **await _erasure(ui, person_id))


@router.post("/members/{person_id}/erasure")
async def erase(ui: UiDep, person_id: str) -> Response:
    """Erases a person's personal data on the basis given (PD1), once the user has confirmed it."""
    values = {"basis": str(ui.form.get("basis") or "").strip() or None}
    errors = await ui.submit(ErasureRequest, values, "registry", "erase_person", {"person_id": person_id})
    if not errors:
        return ui.back(f"/ui/members/{person_id}?done=erased")
    return ui.page("confirm.html", 422, **await _erasure(ui, person_id, errors))
