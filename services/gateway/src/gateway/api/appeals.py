"""Members' appeals by life situation (D1, D2): the catalogue the CC keeps, appeals staff record for a member, answers,
closure, and the appeals an org holds (K7's speed is measured from them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from contracts.appeals import Answer, Assignment, Closure, Filing, Question, Situation, State

from ..deps import CallerDep, GatewayDep, ask, ask_page
from .orgs import Cursor

router = APIRouter(prefix="/api/v1", tags=["appeals"])


@router.get("/life-situations", summary="The catalogue of life situations: topics, steps, level, target time (D1)")
async def list_situations(gw: GatewayDep, who: CallerDep) -> Any:
    return await ask(gw, who, "appeals", "list_situations", {})


@router.put("/life-situations/{situation_id}", summary="Add or change a life situation (the CC keeps the catalogue)")
async def define_situation(gw: GatewayDep, who: CallerDep, situation_id: str, body: Situation, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "situation_id": situation_id}
    return await ask(gw, who, "appeals", "define_situation", payload, response=response, command=True)


@router.delete("/life-situations/{situation_id}", summary="Take a life situation out of the catalogue")
async def retire_situation(gw: GatewayDep, who: CallerDep, situation_id: str, response: Response) -> Any:
    payload = {"situation_id": situation_id}
    return await ask(gw, who, "appeals", "retire_situation", payload, response=response, command=True)


@router.post(
    "/appeals",
    status_code=status.HTTP_201_CREATED,
    summary="Record a member's appeal received by phone (default), hotline or visit (D2); `portal` is the member's own",
)
async def file_appeal(gw: GatewayDep, who: CallerDep, body: Filing, response: Response) -> Any:
    data = await ask(gw, who, "appeals", "file_appeal", body, response=response, command=True)
    response.headers["Location"] = f"/api/v1/appeals/{data['id']}"
    return data


@router.get("/appeals/{appeal_id}", summary="An appeal with its answers and escalations (texts to those who may read them)")
async def get_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str) -> Any:
    return await ask(gw, who, "appeals", "get_appeal", {"appeal_id": appeal_id})


@router.post("/appeals/{appeal_id}/answers", status_code=status.HTTP_201_CREATED, summary="Answer an appeal")
async def answer_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str, body: Answer, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "appeal_id": appeal_id}
    return await ask(gw, who, "appeals", "answer_appeal", payload, response=response, command=True)


@router.post("/appeals/{appeal_id}/assignment", summary="Give an appeal to a post of the org that holds it")
async def assign_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str, body: Assignment, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "appeal_id": appeal_id}
    return await ask(gw, who, "appeals", "assign_appeal", payload, response=response, command=True)


@router.post("/appeals/{appeal_id}/questions", status_code=status.HTTP_201_CREATED, summary="Ask the member for more")
async def ask_member(gw: GatewayDep, who: CallerDep, appeal_id: str, body: Question, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "appeal_id": appeal_id}
    return await ask(gw, who, "appeals", "ask_member", payload, response=response, command=True)


@router.post("/appeals/{appeal_id}/closure", summary="Close an appeal with an outcome")
async def close_appeal(gw: GatewayDep, who: CallerDep, appeal_id: str, body: Closure, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "appeal_id": appeal_id}
    return await ask(gw, who, "appeals", "close_appeal", payload, response=response, command=True)


@router.get("/orgs/{org_id}/appeals", summary="The appeals an org holds now; `overdue`: those late anywhere in its subtree")
async def list_appeals(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    state: Annotated[State, Query(description="open, overdue or all")] = State.OPEN,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 200,
    cursor: Cursor = None,
) -> Any:
    query = {"state": state.value, "limit": limit, "cursor": cursor}
    return await ask_page(gw, who, response, f"/api/v1/orgs/{org_id}/appeals", ("appeals", "list_appeals"), query, org_id=org_id)
