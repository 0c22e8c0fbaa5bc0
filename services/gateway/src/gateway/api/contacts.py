"""Contact points with consent (T4, PD1), duplicates and merges, contact bases and their submissions (P10, T7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from contracts.contacts import Consent, ContactPoint, Merge, Submission, Withdrawal

from .. import csvcells
from ..deps import CallerDep, GatewayDep, ask
from .orgs import AsOf

router = APIRouter(prefix="/api/v1", tags=["contacts"])
EXPORT_COLUMNS = ("role", "person_id", "kind", "value", "usable", "consent_since", "org_id")
"""The last column says whose post a line is: the submitting org's, or (T7) one of its primary orgs'."""


@router.post("/people/{person_id}/contact-points", status_code=status.HTTP_201_CREATED, summary="Record a contact point")
async def add_contact_point(gw: GatewayDep, who: CallerDep, person_id: str, body: ContactPoint, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "person_id": person_id}
    return await ask(gw, who, "contacts", "add_contact_point", payload, response=response, command=True)


@router.get("/people/{person_id}/contact-points", summary="A person's contact points and consent")
async def list_contact_points(gw: GatewayDep, who: CallerDep, person_id: str) -> Any:
    return await ask(gw, who, "contacts", "list_contact_points", {"person_id": person_id})


@router.post("/contact-points/{contact_id}/consent", status_code=status.HTTP_201_CREATED, summary="Record consent (T4)")
async def grant_consent(gw: GatewayDep, who: CallerDep, contact_id: str, body: Consent, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "contact_id": contact_id}
    return await ask(gw, who, "contacts", "grant_consent", payload, response=response, command=True)


@router.post("/contact-points/{contact_id}/consent-withdrawal", summary="Record a withdrawal of consent")
async def withdraw_consent(gw: GatewayDep, who: CallerDep, contact_id: str, body: Withdrawal, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "contact_id": contact_id}
    return await ask(gw, who, "contacts", "withdraw_consent", payload, response=response, command=True)


@router.post("/contact-points/{contact_id}/merge", summary="Merge a duplicate into a contact point with the same address")
async def merge_contacts(gw: GatewayDep, who: CallerDep, contact_id: str, body: Merge, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "contact_id": contact_id}
    return await ask(gw, who, "contacts", "merge_contacts", payload, response=response, command=True)


@router.get("/orgs/{org_id}/contact-points/duplicates", summary="Contact points with the same address in an org's subtree")
async def find_duplicates(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "contacts", "find_duplicates", {"org_id": org_id})


@router.get("/orgs/{org_id}/contact-base", summary="An org's contact base as it stands (live)")
async def get_contact_base(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None) -> Any:
    return await ask(gw, who, "contacts", "get_contact_base", {"org_id": org_id, "as_of": as_of})


@router.post("/orgs/{org_id}/contact-base/submissions", status_code=status.HTTP_201_CREATED, summary="Submit the contact base")
async def submit_contact_base(gw: GatewayDep, who: CallerDep, org_id: str, body: Submission, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    data = await ask(gw, who, "contacts", "submit_contact_base", payload, response=response, command=True)
    response.headers["Location"] = f"/api/v1/contact-base/submissions/{data['id']}"
    return data


@router.get("/orgs/{org_id}/contact-base/submissions", summary="An org's submissions, newest first")
async def list_submissions(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "contacts", "list_submissions", {"org_id": org_id})


@router.get("/contact-base/submissions/{submission_id}", summary="A frozen contact base (the org and those above it)")
async def get_submission(gw: GatewayDep, who: CallerDep, submission_id: str) -> Any:
    return await ask(gw, who, "contacts", "get_submission", {"submission_id": submission_id})


@router.get("/contact-base/submissions/{submission_id}/export.csv", summary="A frozen contact base as CSV, consent honoured")
async def export_submission(gw: GatewayDep, who: CallerDep, submission_id: str) -> Response:
    submission = await ask(gw, who, "contacts", "get_submission", {"submission_id": submission_id})
    rows = ([entry.get(column) for column in EXPORT_COLUMNS] for entry in submission["entries"])
    text = csvcells.table(EXPORT_COLUMNS, rows)
    name = f"contact-base-{submission['org_id']}-{submission['at']}.csv"
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})
