"""Compliance of any org on any date, yearly audits with findings and remediation (C1, T1), P8 plans, contests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from contracts.audits import (
    Category,
    Closing,
    Completion,
    DeskReview,
    DeskReviewDue,
    Finding,
    PlanBody,
    PlanReport,
    Remediation,
    Review,
    Scheduling,
    Start,
)
from contracts.registry import Level

from ..deps import Caller, CallerDep, Gateway, GatewayDep, ask, ask_page, ask_reply
from .orgs import AsOf, Cursor, KnownOn, Limit

router = APIRouter(prefix="/api/v1", tags=["audits"])

YEAR = r"(19|20|21)\d\d"  # 1900-2199, as a year elsewhere: "0000" has no calendar
Quarter = Annotated[str, Path(pattern=rf"^{YEAR}-Q[1-4]$", description="A calendar quarter, e.g. 2026-Q3")]
Period = Annotated[str, Path(pattern=rf"^{YEAR}(-Q[1-4])?$", description="A year (2026) or a quarter (2026-Q3)")]
Year = Annotated[int | None, Query(ge=1900, le=2200, description="Calendar year")]
ReviewYear = Annotated[int, Path(ge=1800, le=2199, description="The year reviewed")]


@router.get("/rules", summary="The rule catalogue: id, titles, the reading each applies, levels, the facts it reads, norms")
async def list_rules(gw: GatewayDep, who: CallerDep) -> Any:
    return await ask(gw, who, "audits", "list_rules", {})


@router.get("/orgs/{org_id}/compliance", summary="Every rule of the org's level on a date: met, breached, n/a, unknown")
async def get_compliance(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "audits", "get_compliance", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/orgs/{org_id}/compliance/summary", summary="How many orgs of the subtree meet or breach each rule")
async def summarise_compliance(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "audits", "summarise_compliance", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


async def _audit_after(gw: Gateway, who: Caller, verb: str, payload: dict[str, Any], response: Response) -> Any:
    """Runs an audit command and answers the audit as it now stands."""
    reply = await ask_reply(gw, who, "audits", verb, payload, command=True)
    return await ask(
        gw, who, "audits", "get_audit", {"audit_id": reply.data["id"]}, response=response, min_positions=reply.positions
    )


@router.post("/orgs/{org_id}/audits", status_code=status.HTTP_201_CREATED, summary="Plan an org's audit (C1, T1)")
async def schedule_audit(gw: GatewayDep, who: CallerDep, org_id: str, body: Scheduling, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await _audit_after(gw, who, "schedule_audit", payload, response)


@router.get("/orgs/{org_id}/audits", summary="Audits in which an org of the subtree audits or is audited, newest first")
async def list_audits(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    year: Year = None,
    as_of: AsOf = None,
    limit: Limit = 1000,
    cursor: Cursor = None,
) -> Any:
    query = {"year": year, "as_of": as_of, "limit": limit, "cursor": cursor}
    return await ask_page(gw, who, response, f"/api/v1/orgs/{org_id}/audits", ("audits", "list_audits"), query, org_id=org_id)


@router.get("/orgs/{org_id}/audit-plan", summary="The org's yearly audit plan and its children overdue for an audit")
async def get_audit_plan(gw: GatewayDep, who: CallerDep, org_id: str, year: Year = None, as_of: AsOf = None) -> Any:
    return await ask(gw, who, "audits", "get_audit_plan", {"org_id": org_id, "year": year, "as_of": as_of})


@router.get("/audits/{audit_id}", summary="An audit with its checklist, findings and remediation")
async def get_audit(gw: GatewayDep, who: CallerDep, audit_id: str) -> Any:
    return await ask(gw, who, "audits", "get_audit", {"audit_id": audit_id})


@router.post("/audits/{audit_id}/start", summary="Begin an audit; its checklist is compliance on that day")
async def start_audit(gw: GatewayDep, who: CallerDep, audit_id: str, body: Start, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "audit_id": audit_id}
    return await _audit_after(gw, who, "start_audit", payload, response)


@router.post("/audits/{audit_id}/findings", status_code=status.HTTP_201_CREATED, summary="Record a finding")
async def record_finding(gw: GatewayDep, who: CallerDep, audit_id: str, body: Finding, response: Response) -> Any:
    return await _audit_after(gw, who, "record_finding", {**body.model_dump(mode="json"), "audit_id": audit_id}, response)


@router.post("/audits/{audit_id}/completion", summary="Complete an audit with a score")
async def complete_audit(gw: GatewayDep, who: CallerDep, audit_id: str, body: Completion, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "audit_id": audit_id}
    return await _audit_after(gw, who, "complete_audit", payload, response)


@router.post("/audits/{audit_id}/remediation", status_code=status.HTTP_201_CREATED, summary="Assign a remediation item")
async def assign_remediation(gw: GatewayDep, who: CallerDep, audit_id: str, body: Remediation, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "audit_id": audit_id}
    return await _audit_after(gw, who, "assign_remediation", payload, response)


@router.post("/audits/{audit_id}/remediation/{item_id}/closure", summary="Close a remediation item")
async def close_remediation(
    gw: GatewayDep, who: CallerDep, audit_id: str, item_id: str, body: Closing, response: Response
) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "audit_id": audit_id, "item_id": item_id}
    return await _audit_after(gw, who, "close_remediation", payload, response)


@router.get("/orgs/{org_id}/remediation", summary="Remediation items of the subtree by deadline; `overdue=true`: past it")
async def list_remediation(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    overdue: bool = False,
    as_of: AsOf = None,
    limit: Limit = 1000,
    cursor: Cursor = None,
) -> Any:
    query = {"overdue": overdue, "as_of": as_of, "limit": limit, "cursor": cursor}
    path = f"/api/v1/orgs/{org_id}/remediation"
    return await ask_page(gw, who, response, path, ("audits", "list_remediation"), query, org_id=org_id)


@router.put("/orgs/{org_id}/plans/{quarter}", summary="Adopt the org's information-work plan for a quarter (P8)")
async def submit_plan(gw: GatewayDep, who: CallerDep, org_id: str, quarter: Quarter, body: PlanBody, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id, "quarter": quarter}
    return await ask(gw, who, "audits", "submit_plan", payload, response=response, command=True)


@router.post("/orgs/{org_id}/plans/{quarter}/report", status_code=status.HTTP_201_CREATED, summary="Report on a plan (P8)")
async def report_on_plan(
    gw: GatewayDep, who: CallerDep, org_id: str, quarter: Quarter, body: PlanReport, response: Response
) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id, "quarter": quarter}
    return await ask(gw, who, "audits", "report_on_plan", payload, response=response, command=True)


@router.get("/orgs/{org_id}/plans", summary="The org's quarterly plans and reports")
async def list_plans(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "audits", "list_plans", {"org_id": org_id})


@router.post("/orgs/{org_id}/reviews", status_code=status.HTTP_201_CREATED, summary="Record the CC's yearly review (C1)")
async def record_review(gw: GatewayDep, who: CallerDep, org_id: str, body: Review, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "audits", "record_review", payload, response=response, command=True)


@router.post(
    "/orgs/{org_id}/desk-reviews", status_code=status.HTTP_201_CREATED, summary="Plan the CC's desk review of every org (C1)"
)
async def plan_desk_review(gw: GatewayDep, who: CallerDep, org_id: str, body: DeskReview, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "audits", "plan_desk_review", payload, response=response, command=True)


@router.patch("/orgs/{org_id}/desk-reviews/{year}", summary="Move the day the CC's desk review is due by (C1)")
async def reschedule_desk_review(
    gw: GatewayDep, who: CallerDep, org_id: str, year: ReviewYear, body: DeskReviewDue, response: Response
) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id, "year": year}
    return await ask(gw, who, "audits", "reschedule_desk_review", payload, response=response, command=True)


@router.get("/orgs/{org_id}/desk-reviews/{year}", summary="The desk review's progress over the org's subtree (C1)")
async def get_desk_review(gw: GatewayDep, who: CallerDep, org_id: str, year: ReviewYear) -> Any:
    return await ask(gw, who, "audits", "get_desk_review", {"org_id": org_id, "year": year})


@router.get("/orgs/{org_id}/reviews", summary="Reviews of information work by the org's elected body, newest first")
async def list_reviews(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "audits", "list_reviews", {"org_id": org_id})


@router.get("/orgs/{org_id}/plans-missing/{quarter}", summary="Primary orgs of the subtree with no plan for the quarter")
async def list_missing_plans(gw: GatewayDep, who: CallerDep, org_id: str, quarter: Quarter) -> Any:
    return await ask(gw, who, "audits", "list_missing_plans", {"org_id": org_id, "quarter": quarter})


@router.get("/orgs/{org_id}/contests/{period}", summary="A level's orgs of the subtree ranked for a period (T2, C4)")
async def rank_contest(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    period: Period,
    level: Level = Level.PRIMARY,
    category: Category = Category.INFORMATION_WORK,
) -> Any:
    query = {"org_id": org_id, "period": period, "level": level, "category": category}
    return await ask(gw, who, "audits", "rank_contest", query)
