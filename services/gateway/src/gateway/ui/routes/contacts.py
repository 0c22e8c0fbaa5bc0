"""The contact base of an org's post holders, and their consent to personal addresses (T4, PD1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.contacts import Consent, ConsentMethod, ContactKind, ContactPoint

from ..page import PageRoute, Ui, UiDep
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


async def _context(ui: Ui, org_id: str) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    points = await ui.ask("contacts", "get_contact_base", {"org_id": org_id})
    officers, _ = await ui.maybe("registry", "list_officers", {"org_id": org_id})
    people = {o["person_id"]: o["full_name"] for o in officers or [] if o.get("full_name")}
    submissions, _ = await ui.maybe("contacts", "list_submissions", {"org_id": org_id})
    return {
        "may_record": ui.can("report_facts", org_id, [o["id"] for o in await lineage(ui, org)]),
        "org": org,
        "points": points,
        "people": people,
        "submissions": submissions or [],
        "methods": list(ConsentMethod),
        "kinds": list(ContactKind),
        "errors": {},
    }


@router.get("/orgs/{org_id}/contacts")
async def contact_base(ui: UiDep, org_id: str) -> Response:
    return ui.page("contacts.html", **await _context(ui, org_id))


async def _consent(ui: Ui, contact_id: str, verb: str, model: Any, values: dict[str, Any]) -> Response:
    org_id = str(ui.form.get("org_id") or "")
    errors = await ui.submit(model, values, "contacts", verb, {"contact_id": contact_id})
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/contacts")
    shown = {f"{contact_id}-{k}": v for k, v in errors.items()}
    return ui.page("contacts.html", 422, **{**await _context(ui, org_id), "errors": shown})


@router.post("/contact-points/{contact_id}/consent")
async def grant(ui: UiDep, contact_id: str) -> Response:
    values = {"given_at": ui.form.get("given_at") or None, "method": ui.form.get("method") or None}
    return await _consent(ui, contact_id, "grant_consent", Consent, values)


@router.post("/orgs/{org_id}/contact-points")
async def add_point(ui: UiDep, org_id: str) -> Response:
    """A post holder's new address; a personal one may carry the consent given with it (T4)."""
    form = ui.form
    consent = {"given_at": form.get("given_at"), "method": form.get("method")} if form.get("given_at") else None
    values = {"kind": form.get("kind") or None, "value": form.get("value") or None, "consent": consent}
    person = str(form.get("person_id") or "")
    if person:
        errors = await ui.submit(ContactPoint, values, "contacts", "add_contact_point", {"person_id": person})
    else:
        errors = ui.errors([{"field": "person_id", "rule": "missing"}])
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/contacts")
    return ui.page("contacts.html", 422, **{**await _context(ui, org_id), "errors": {f"new-{k}": v for k, v in errors.items()}})
