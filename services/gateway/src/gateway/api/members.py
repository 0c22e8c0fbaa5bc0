"""Personal membership records (D3): admission, search, transfer, leaving and erasure (PD1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from contracts.people import Admission, ErasureRequest, Leaving, Outsider, Transfer

from ..deps import CallerDep, GatewayDep, ask, ask_page, ask_reply
from .orgs import AsOf, Cursor, KnownOn
from .preconditions import ExpectedVersion

router = APIRouter(prefix="/api/v1", tags=["members"])

Search = Annotated[str | None, Query(min_length=2, max_length=200, description="Words the name starts with")]
Limit = Annotated[int, Query(ge=1, le=10000)]


@router.post("/orgs/{org_id}/members", status_code=status.HTTP_201_CREATED, summary="Admit a member to a primary org (D3)")
async def admit_member(gw: GatewayDep, who: CallerDep, org_id: str, body: Admission, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    data = await ask(gw, who, "registry", "admit_member", payload, response=response, command=True)
    response.headers["Location"] = f"/api/v1/members/{data['id']}"
    return data


@router.post("/orgs/{org_id}/people", status_code=status.HTTP_201_CREATED, summary="Record an outside person (e.g. an editor)")
async def register_person(gw: GatewayDep, who: CallerDep, org_id: str, body: Outsider, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    data = await ask(gw, who, "registry", "register_person", payload, response=response, command=True)
    response.headers["Location"] = f"/api/v1/members/{data['id']}"
    return data


@router.get("/orgs/{org_id}/members", summary="Members of an org (or its subtree) as of a date")
async def list_org_members(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    subtree: bool = False,
    q: Search = None,
    limit: Limit = 500,
    cursor: Cursor = None,
) -> Any:
    query = {"as_of": as_of, "known_on": known_on, "subtree": subtree, "q": q, "limit": limit, "cursor": cursor}
    return await ask_page(gw, who, response, f"/api/v1/orgs/{org_id}/members", ("registry", "list_members"), query, org_id=org_id)


@router.get("/members", summary="Search members by name within the caller's subtree")
async def search_members(
    gw: GatewayDep,
    who: CallerDep,
    response: Response,
    q: Search = None,
    as_of: AsOf = None,
    limit: Limit = 500,
    cursor: Cursor = None,
) -> Any:
    query = {"q": q, "as_of": as_of, "limit": limit, "cursor": cursor}
    return await ask_page(gw, who, response, "/api/v1/members", ("registry", "list_members"), query, subtree=True)


@router.get("/members/{person_id}", summary="A member's record as of a date")
async def get_member(
    gw: GatewayDep, who: CallerDep, person_id: str, response: Response, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    record = await ask(gw, who, "registry", "get_member", {"person_id": person_id, "as_of": as_of, "known_on": known_on})
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


async def _then_record(
    gw: GatewayDep, who: CallerDep, verb: str, payload: dict[str, Any], day_field: str, response: Response
) -> Any:
    reply = await ask_reply(gw, who, "registry", verb, payload, command=True)
    query = {"person_id": payload["person_id"], "as_of": reply.data[day_field]}
    record = await ask(gw, who, "registry", "get_member", query, response=response, min_positions=reply.positions)
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


def _with_version(body: Transfer | Leaving, person_id: str, version: int | None) -> dict[str, Any]:
    payload = {**body.model_dump(mode="json", exclude_none=True), "person_id": person_id}
    if version is not None:
        payload["expected_version"] = version
    return payload


@router.post("/members/{person_id}/transfer", summary="Transfer a member to another primary org from a date")
async def transfer_member(
    gw: GatewayDep, who: CallerDep, person_id: str, body: Transfer, response: Response, version: ExpectedVersion
) -> Any:
    return await _then_record(gw, who, "transfer_member", _with_version(body, person_id, version), "effective_on", response)


@router.post("/members/{person_id}/leaving", summary="Record that a member left, from a date")
async def record_leaving(
    gw: GatewayDep, who: CallerDep, person_id: str, body: Leaving, response: Response, version: ExpectedVersion
) -> Any:
    return await _then_record(gw, who, "record_leaving", _with_version(body, person_id, version), "effective_on", response)


@router.post("/members/{person_id}/erasure", status_code=status.HTTP_202_ACCEPTED, summary="Erase a person's data (PD1)")
async def erase_person(gw: GatewayDep, who: CallerDep, person_id: str, body: ErasureRequest, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "person_id": person_id}
    return await ask(gw, who, "registry", "erase_person", payload, response=response, command=True)
