"""P8: a primary org's quarterly information-work plans, adopted and then reported on."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.audits import PlanBody, PlanReport
from contracts.periods import Period

from ..page import PageRoute, Ui, UiDep
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


def quarters_open(today: date) -> list[str]:
    """The quarters a plan may be adopted for from the page: this one and the next."""
    this = Period.quarter_of(today)
    return [this.name, Period.quarter_of(this.last + timedelta(days=1)).name]


async def _context(ui: Ui, org_id: str) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    plans = await ui.ask("audits", "list_plans", {"org_id": org_id})
    may = ui.can("report_facts", org_id, [o["id"] for o in await lineage(ui, org)])
    return {"org": org, "plans": plans, "may_plan": may, "quarters": quarters_open(ui.today), "errors": {}}


@router.get("/orgs/{org_id}/plans")
async def plans_page(ui: UiDep, org_id: str) -> Response:
    return ui.page("plans.html", **await _context(ui, org_id))


@router.post("/orgs/{org_id}/plans")
async def adopt(ui: UiDep, org_id: str) -> Response:
    """Adopts the plan of a quarter: one planned item a line."""
    quarter = str(ui.form.get("quarter") or "")
    items = [line.strip() for line in str(ui.form.get("items") or "").splitlines() if line.strip()]
    adopted = await _adopted(ui, org_id, quarter)
    if adopted is not None and ui.form.get("confirmed") != "yes" and items:  # a replacement: ask first
        org = await ui.ask("registry", "get_org", {"org_id": org_id})
        return ui.page("confirm.html", kind="replan", org=org, plan=adopted, quarter=quarter, items=items, errors={})
    errors = await ui.submit(PlanBody, {"items": items}, "audits", "submit_plan", {"org_id": org_id, "quarter": quarter})
    if errors and adopted is not None and ui.form.get("confirmed") == "yes":
        org = await ui.ask("registry", "get_org", {"org_id": org_id})
        shown = {"kind": "replan", "org": org, "plan": adopted, "quarter": quarter, "items": items, "errors": errors}
        return ui.page("confirm.html", 422, **shown)
    return await _after(ui, org_id, "plan", errors)


async def _adopted(ui: Ui, org_id: str, quarter: str) -> dict[str, Any] | None:
    """The plan already adopted for the quarter, which a new one would replace."""
    plans, _ = await ui.maybe("audits", "list_plans", {"org_id": org_id})
    return next((p for p in plans or [] if p.get("quarter") == quarter), None)


@router.post("/orgs/{org_id}/plans/{quarter}/report")
async def report(ui: UiDep, org_id: str, quarter: str) -> Response:
    """Reports on how a quarter's plan went."""
    values = {"summary": (ui.form.get("summary") or "").strip() or None}
    errors = await ui.submit(PlanReport, values, "audits", "report_on_plan", {"org_id": org_id, "quarter": quarter})
    return await _after(ui, org_id, f"report-{quarter}", errors)


async def _after(ui: Ui, org_id: str, prefix: str, errors: dict[str, str]) -> Response:
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/plans")
    shown = {f"{prefix}-{k}": v for k, v in errors.items()}
    return ui.page("plans.html", 422, **{**await _context(ui, org_id), "errors": shown})
