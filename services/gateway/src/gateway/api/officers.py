"""Officers and their training (P8, P9, K9, T1), and youth councils (H1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from contracts.officers import Appointment, Disbanding, Relief, Training, YouthCouncil

from ..deps import CallerDep, GatewayDep, ask, ask_reply
from .orgs import AsOf, KnownOn

router = APIRouter(prefix="/api/v1", tags=["officers"])


@router.post("/orgs/{org_id}/officers", status_code=status.HTTP_201_CREATED, summary="Assign a person to a post")
async def assign_officer(gw: GatewayDep, who: CallerDep, org_id: str, body: Appointment, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    data = await ask(gw, who, "registry", "assign_officer", payload, response=response, command=True)
    response.headers["Location"] = f"/api/v1/officers/{data['id']}"
    return data


@router.get("/orgs/{org_id}/officers", summary="Posts of an org and its youth councils held on a date")
async def list_officers(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "list_officers", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/officers/{officer_id}", summary="One post with its trainings")
async def get_officer(gw: GatewayDep, who: CallerDep, officer_id: str) -> Any:
    return await ask(gw, who, "registry", "get_officer", {"officer_id": officer_id})


@router.post("/officers/{officer_id}/relief", summary="Relieve an officer of the post from a date")
async def relieve_officer(gw: GatewayDep, who: CallerDep, officer_id: str, body: Relief, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "officer_id": officer_id}
    reply = await ask_reply(gw, who, "registry", "relieve_officer", payload, command=True)
    return await ask(
        gw, who, "registry", "get_officer", {"officer_id": officer_id}, response=response, min_positions=reply.positions
    )


@router.post("/officers/{officer_id}/trainings", status_code=status.HTTP_201_CREATED, summary="Record a training (P9)")
async def record_training(gw: GatewayDep, who: CallerDep, officer_id: str, body: Training, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "officer_id": officer_id}
    return await ask(gw, who, "registry", "record_training", payload, response=response, command=True)


@router.post("/orgs/{org_id}/youth-councils", status_code=status.HTTP_201_CREATED, summary="Attach a youth council (H1)")
async def form_youth_council(gw: GatewayDep, who: CallerDep, org_id: str, body: YouthCouncil, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "registry", "form_youth_council", payload, response=response, command=True)


@router.get("/orgs/{org_id}/youth-councils", summary="An org's youth councils on a date")
async def list_youth_councils(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "list_youth_councils", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.post("/youth-councils/{council_id}/dissolution", status_code=status.HTTP_202_ACCEPTED, summary="Disband a youth council")
async def disband_youth_council(gw: GatewayDep, who: CallerDep, council_id: str, body: Disbanding, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "council_id": council_id}
    return await ask(gw, who, "registry", "disband_youth_council", payload, response=response, command=True)
