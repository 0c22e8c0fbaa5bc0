"""An org's information resources (P1, P3–P5, K4) and the access it gives to them (P10, T7), subscriptions (P11),
reach (K6), print runs (P2) and information meetings (P7)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from contracts.contacts import Access, AccessRevocation, Channel, Closure, Meeting, PrintRun, Stats, Subscription, Update

from ..deps import CallerDep, GatewayDep, ask
from .orgs import AsOf, KnownOn
from .sheets import had, not_before

router = APIRouter(prefix="/api/v1", tags=["channels"])
Year = Annotated[int | None, Query(ge=1800, le=2199, description="Calendar year (default: this year)")]


@router.post("/orgs/{org_id}/channels", status_code=status.HTTP_201_CREATED, summary="Open an information resource")
async def open_channel(gw: GatewayDep, who: CallerDep, org_id: str, body: Channel, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "contacts", "open_channel", payload, response=response, command=True)


@router.get("/orgs/{org_id}/channels", summary="An org's resources running on a date")
async def list_channels(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "contacts", "list_channels", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.post("/channels/{channel_id}/closure", summary="Close an information resource from a date")
async def close_channel(gw: GatewayDep, who: CallerDep, channel_id: str, body: Closure, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "channel_id": channel_id}
    return await ask(gw, who, "contacts", "close_channel", payload, response=response, command=True)


@router.post("/channels/{channel_id}/updates", status_code=status.HTTP_201_CREATED, summary="Record a refresh (P1)")
async def refresh_channel(gw: GatewayDep, who: CallerDep, channel_id: str, body: Update, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "channel_id": channel_id}
    return await ask(gw, who, "contacts", "refresh_channel", payload, response=response, command=True)


@router.post("/channels/{channel_id}/stats", status_code=status.HTTP_201_CREATED, summary="Report audience figures (K4)")
async def report_channel_stats(gw: GatewayDep, who: CallerDep, channel_id: str, body: Stats, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "channel_id": channel_id}
    return await ask(gw, who, "contacts", "report_channel_stats", payload, response=response, command=True)


@router.post("/orgs/{org_id}/subscriptions", status_code=status.HTTP_201_CREATED, summary="Report a year's subscription (P11)")
async def report_subscription(gw: GatewayDep, who: CallerDep, org_id: str, body: Subscription, response: Response) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id}
    return await ask(gw, who, "contacts", "report_subscription", payload, response=response, command=True)


@router.get("/orgs/{org_id}/subscriptions", summary="An org's subscriptions for the year of a date")
async def list_subscriptions(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "contacts", "list_subscriptions", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/orgs/{org_id}/reach", summary="How many members the org's electronic channels cover (K6)")
async def get_reach(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None) -> Any:
    return await ask(gw, who, "contacts", "get_reach", {"org_id": org_id, "as_of": as_of})


@router.post("/channels/{channel_id}/access", status_code=status.HTTP_201_CREATED, summary="Give the parent or the CC access")
async def grant_channel_access(gw: GatewayDep, who: CallerDep, channel_id: str, body: Access, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "channel_id": channel_id}
    return await ask(gw, who, "contacts", "grant_channel_access", payload, response=response, command=True)


@router.post("/channels/{channel_id}/access-revocation", summary="End an org's access to a channel from a date")
async def revoke_channel_access(
    gw: GatewayDep, who: CallerDep, channel_id: str, body: AccessRevocation, response: Response
) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "channel_id": channel_id}
    return await ask(gw, who, "contacts", "revoke_channel_access", payload, response=response, command=True)


@router.get("/channels/{channel_id}/access", summary="A channel's access grants, each in force on a date or not")
async def list_channel_access(
    gw: GatewayDep, who: CallerDep, channel_id: str, as_of: AsOf = None, known_on: KnownOn = None
) -> Any:
    return await ask(gw, who, "contacts", "list_channel_access", {"channel_id": channel_id, "as_of": as_of, "known_on": known_on})


@router.get("/orgs/{org_id}/channel-access", summary="Grants on an org's channels and those it holds on others'")
async def list_org_access(gw: GatewayDep, who: CallerDep, org_id: str, as_of: AsOf = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "contacts", "list_org_access", {"org_id": org_id, "as_of": as_of, "known_on": known_on})


@router.get("/orgs/{org_id}/channel-grantees", summary="Whom an org may give access to its channels: parent (P10), CC (T7)")
async def list_grantees(gw: GatewayDep, who: CallerDep, org_id: str) -> Any:
    return await ask(gw, who, "contacts", "list_grantees", {"org_id": org_id})


@router.post("/orgs/{org_id}/print-runs", status_code=status.HTTP_201_CREATED, summary="Record a print run (P2)")
async def record_print_run(gw: GatewayDep, who: CallerDep, org_id: str, body: PrintRun, response: Response) -> Any:
    if body.material_id is not None:  # printed from a material: one the org had, and not before it had it (P2)
        not_before(await had(gw, who, body.material_id, org_id), body.on, "on", "P2")
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "contacts", "record_print_run", payload, response=response, command=True)


@router.get("/orgs/{org_id}/print-runs", summary="An org's print runs of a year, newest first")
async def list_print_runs(gw: GatewayDep, who: CallerDep, org_id: str, year: Year = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "contacts", "list_print_runs", {"org_id": org_id, "year": year, "known_on": known_on})


@router.post("/orgs/{org_id}/meetings", status_code=status.HTTP_201_CREATED, summary="Record an information meeting (P7)")
async def record_meeting(gw: GatewayDep, who: CallerDep, org_id: str, body: Meeting, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "contacts", "record_meeting", payload, response=response, command=True)


@router.get("/orgs/{org_id}/meetings", summary="An org's information meetings of a year, newest first")
async def list_meetings(gw: GatewayDep, who: CallerDep, org_id: str, year: Year = None, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "contacts", "list_meetings", {"org_id": org_id, "year": year, "known_on": known_on})
