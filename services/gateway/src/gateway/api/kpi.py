"""Effectiveness indicators K1–K9 (RULES.md X): targets, an org's figures (JSON or CSV), rankings, series,
closing a period, and the inputs only people know — media mentions (K5) and feedback times (K7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from contracts.kpi import FeedbackTimes, MediaMention
from contracts.registry import Level

from .. import csvcells
from ..deps import CallerDep, GatewayDep, ask
from .orgs import KnownOn

router = APIRouter(prefix="/api/v1", tags=["kpi"])

Period = Annotated[str, Query(description="A year (2026) or a quarter (2026-Q3)")]
Indicator = Annotated[str, Query(description="K1–K9")]
CSV_COLUMNS = ("indicator", "value", "target", "met", "rollup", "restated_value", "restated_rollup")


@router.put("/orgs/{org_id}/targets/{period}", summary="Set an org's targets for a period (X)")
async def set_targets(
    gw: GatewayDep, who: CallerDep, org_id: str, period: str, body: Annotated[dict[str, Decimal], Body()], response: Response
) -> Any:
    payload = {"org_id": org_id, "period": period, "targets": {k: str(v) for k, v in body.items()}}
    return await ask(gw, who, "kpi", "set_targets", payload, response=response, command=True)


@router.get("/orgs/{org_id}/targets/{period}", summary="An org's targets for a period")
async def get_targets(gw: GatewayDep, who: CallerDep, org_id: str, period: str, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "kpi", "get_targets", {"org_id": org_id, "period": period, "known_on": known_on})


@router.get("/orgs/{org_id}/kpi/{period}", summary="K1–K9 of an org for a period; `.csv` or `?format=csv` for a table")
async def get_kpi(
    gw: GatewayDep,
    who: CallerDep,
    org_id: str,
    period: str,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    known_on: KnownOn = None,
) -> Any:
    as_csv = format == "csv" or period.endswith(".csv")
    payload = {"org_id": org_id, "period": period.removesuffix(".csv"), "known_on": known_on}
    report = await ask(gw, who, "kpi", "get_kpi", payload)
    if not as_csv:
        return report
    name = f"kpi-{report['period']}.csv"
    return Response(
        table(report), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/orgs/{org_id}/kpi/{period}/close", summary="Close an org's period: its figures are frozen")
async def close_period(gw: GatewayDep, who: CallerDep, org_id: str, period: str, response: Response) -> Any:
    return await ask(gw, who, "kpi", "close_period", {"org_id": org_id, "period": period}, response=response, command=True)


@router.get("/orgs/{org_id}/kpi-series/{indicator}", summary="One indicator of an org over consecutive periods")
async def get_series(
    gw: GatewayDep, who: CallerDep, org_id: str, indicator: str, start: Period, end: Period, known_on: KnownOn = None
) -> Any:
    payload = {"org_id": org_id, "indicator": indicator, "start": start, "end": end, "known_on": known_on}
    return await ask(gw, who, "kpi", "get_series", payload)


@router.get("/kpi/rankings", summary="A level's orgs ranked by an indicator's roll-up (contests, T2, C4)")
async def list_ranking(
    gw: GatewayDep,
    who: CallerDep,
    period: Period,
    indicator: Indicator,
    level: Level,
    org_id: str | None = None,
    known_on: KnownOn = None,
) -> Any:
    payload = {"period": period, "indicator": indicator, "level": level.value, "org_id": org_id, "known_on": known_on}
    return await ask(gw, who, "kpi", "list_ranking", payload)


@router.post("/orgs/{org_id}/media-mentions", status_code=status.HTTP_201_CREATED, summary="Report a media mention (K5)")
async def report_media_mention(gw: GatewayDep, who: CallerDep, org_id: str, body: MediaMention, response: Response) -> Any:
    payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
    return await ask(gw, who, "kpi", "report_media_mention", payload, response=response, command=True)


@router.get("/orgs/{org_id}/media-mentions", summary="The media mentions reported for an org in a period (K5)")
async def list_media_mentions(gw: GatewayDep, who: CallerDep, org_id: str, period: Period, known_on: KnownOn = None) -> Any:
    return await ask(gw, who, "kpi", "list_media_mentions", {"org_id": org_id, "period": period, "known_on": known_on})


@router.put("/orgs/{org_id}/feedback-times/{period}", summary="Report how fast an org answered members (K7)")
async def report_feedback_times(
    gw: GatewayDep, who: CallerDep, org_id: str, period: str, body: FeedbackTimes, response: Response
) -> Any:
    payload = {**body.model_dump(mode="json"), "org_id": org_id, "period": period}
    return await ask(gw, who, "kpi", "report_feedback_times", payload, response=response, command=True)


def table(report: dict[str, Any]) -> str:
    """The report as CSV: one row per indicator, the restated figures beside a closed period's frozen ones."""
    rows = []
    for indicator, line in report["indicators"].items():
        restated = line.get("restatement") or {}
        cells = (line["value"], line["target"], line["met"], line["rollup"], restated.get("value"), restated.get("rollup"))
        rows.append((indicator, *cells))
    return csvcells.table(CSV_COLUMNS, rows)
