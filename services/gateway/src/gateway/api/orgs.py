"""The org tree: register, read as of a date, rename, move, dissolve, report a headcount."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from contracts.base import ID_PATTERN
from contracts.registry import Dissolution, Headcount, Level, OrgChanges, OrgView, RegisterOrg

from ..deps import CallerDep, GatewayDep, ask, ask_page, ask_reply

router = APIRouter(prefix="/api/v1/orgs", tags=["orgs"])

AsOf = Annotated[date | None, Query(description="Valid date asked about (default: today)")]
KnownOn = Annotated[date | None, Query(description="Only what was recorded by the end of this day")]
Cursor = Annotated[
    str | None,
    Query(pattern=ID_PATTERN, description="The id of the last row of the page before, as its `Link: rel=next` gives it"),
]
Limit = Annotated[int, Query(ge=1, le=10000, description="Page size")]


@router.get("", response_model=list[OrgView], summary="Orgs in the caller's subtree, filtered")
async def list_orgs(
    gw: GatewayDep,
    who: CallerDep,
    response: Response,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    level: Level | None = None,
    parent_id: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    released_officials: Annotated[bool | None, Query(description="Only orgs with (or without) released officials, T1")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    cursor: Cursor = None,
) -> Any:
    query = {
        "as_of": as_of,
        "known_on": known_on,
        "level": level,
        "parent_id": parent_id,
        "q": q,
        "released_officials": released_officials,
        "limit": limit,
        "cursor": cursor,
    }
    return await ask_page(gw, who, response, "/api/v1/orgs", ("registry", "list_orgs"), query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrgView, summary="Register an org (H1)")
async def register_org(gw: GatewayDep, who: CallerDep, body: RegisterOrg, response: Response) -> Any:
    reply = await ask_reply(gw, who, "registry", "register_org", body, command=True)
    org = reply.data
    response.headers["Location"] = f"/api/v1/orgs/{org['id']}"
    return await ask(
        gw,
        who,
        "registry",
        "get_org",
        {"org_id": org["id"], "as_of": org["registered_on"]},
        response=response,
        min_positions=reply.positions,
    )


@router.get("/{org_id}", response_model=OrgView, summary="An org as of a date")
async def get_org(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "get_org", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/{org_id}/children", response_model=list[OrgView], summary="The orgs directly under an org, by name")
async def list_children(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    response: Response,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    limit: Limit = 1000,
    cursor: Cursor = None,
) -> Any:
    query = {"as_of": as_of, "known_on": known_on, "limit": limit, "cursor": cursor}
    return await ask_page(
        gw, who, response, f"/api/v1/orgs/{org_id}/children", ("registry", "list_children"), query, org_id=org_id
    )


@router.get("/{org_id}/subtree", response_model=list[OrgView], summary="An org and every org under it, parents first")
async def get_subtree(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "registry", "get_subtree", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.patch("/{org_id}", response_model=OrgView, summary="Rename and/or move an org from a date")
async def change_org(gw: GatewayDep, who: CallerDep, org_id: str, body: OrgChanges, response: Response) -> Any:
    reply = await ask_reply(
        gw, who, "registry", "change_org", {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}, command=True
    )
    return await ask(
        gw,
        who,
        "registry",
        "get_org",
        {"org_id": org_id, "as_of": reply.data["effective_on"]},
        response=response,
        min_positions=reply.positions,
    )


@router.post("/{org_id}/dissolution", status_code=status.HTTP_202_ACCEPTED, summary="Dissolve an org from a date")
async def dissolve_org(gw: GatewayDep, who: CallerDep, org_id: str, body: Dissolution, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id}
    return await ask(gw, who, "registry", "dissolve_org", payload, response=response, command=True)


@router.post("/{org_id}/headcount", status_code=status.HTTP_201_CREATED, summary="Report a primary org's membership as of a date")
async def report_headcount(gw: GatewayDep, who: CallerDep, org_id: str, body: Headcount, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "registry", "report_headcount", payload, response=response, command=True)
