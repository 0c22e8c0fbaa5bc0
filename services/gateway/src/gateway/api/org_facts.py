"""Facts an org reports: yearly budgets (M1, K2), agreement clauses (S1), and its headcount history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from contracts.org_facts import AgreementClauses, Budget

from ..deps import CallerDep, GatewayDep, ask, ask_reply
from .orgs import AsOf, KnownOn

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["org facts"])

Year = Annotated[int, Path(ge=1900, le=2200, description="Calendar year")]


@router.put("/budgets/{year}", summary="Record an org's budget and information spending for a year (M1)")
async def adopt_budget(gw: GatewayDep, who: CallerDep, org_id: str, year: Year, body: Budget, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id, "year": year}
    reply = await ask_reply(gw, who, "registry", "adopt_budget", payload, command=True)
    query = {"org_id": org_id, "year": year}
    return await ask(gw, who, "registry", "get_budget", query, response=response, min_positions=reply.positions)


@router.get("/budgets/{year}", summary="An org's budget for a year")
async def get_budget(gw: GatewayDep, who: CallerDep, org_id: str, year: Year, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "get_budget", {"org_id": org_id, "year": year, "known_on": known_on})


@router.get("/budgets", summary="An org's budgets, year by year")
async def list_budgets(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "list_budgets", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.put("/agreement-clauses", summary="Record which information clauses (S1) the agreement holds")
async def record_clauses(gw: GatewayDep, who: CallerDep, org_id: str, body: AgreementClauses, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    reply = await ask_reply(gw, who, "registry", "record_clauses", payload, command=True)
    query = {"org_id": org_id, "as_of": reply.data["effective_on"]}
    return await ask(gw, who, "registry", "get_clauses", query, response=response, min_positions=reply.positions)


@router.get("/agreement-clauses", summary="The agreement's information clauses (S1) on a date")
async def get_clauses(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "get_clauses", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/headcounts", summary="A primary org's reported headcounts over time")
async def list_headcounts(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "list_headcounts", {"org_id": org_id, "as_of": as_of, "known_on": known_on})
