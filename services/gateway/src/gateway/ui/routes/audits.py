"""Compliance as traffic lights with each rule's detail; audits, their plan and remediation. Every role reads the
audits of its subtree's orgs; auditors act on them, and the staff of an audited org close the items to put right
assigned to its posts (DESIGN.md §5)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.audits import Closing, Finding, Remediation, Scheduling, Severity, Start
from contracts.officers import OfficerRole

from ..feedback import feedback
from ..names import org_names
from ..page import PageRoute, Ui, UiDep
from ..paging import one_page, served
from .orgs import LIGHTS, lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
BACK = re.compile(r"[\w-]{1,100}")
CLOSED_ALREADY = "This item is no longer open: it was closed already (C1)."


@router.get("/orgs/{org_id}/compliance")
async def compliance(ui: UiDep, org_id: str, as_of: date | None = None) -> Response:
    org = await ui.ask("registry", "get_org", {"org_id": org_id, "as_of": as_of})
    verdicts = await ui.ask("audits", "get_compliance", {"org_id": org_id, "as_of": as_of})
    summary = None
    if org["level"] != "primary":
        summary, _ = await ui.maybe("audits", "summarise_compliance", {"org_id": org_id, "as_of": as_of})
    breaching = [o for counts in (summary or {}).get("rules", {}).values() for o in counts.get("breaching", [])]
    names = await org_names(ui, breaching, parties=False) if breaching else {}
    speed = await feedback(ui, org, str((as_of or ui.today).year))
    context = {"verdicts": verdicts, "lights": LIGHTS, "as_of": as_of, "summary": summary, "speed": speed, "names": names}
    return ui.page("compliance.html", org=org, **context)


async def _may(ui: Ui, org_id: str) -> tuple[bool, bool]:
    """Whether the user audits for the org (auditors, admins) and closes items of the orgs of its subtree (also staff)."""
    org, _ = await ui.maybe("registry", "get_org", {"org_id": org_id})
    ids = [o["id"] for o in await lineage(ui, org)] if org else [org_id]
    audits = ui.can("audit", org_id, ids)
    return audits, audits or ui.can("report_facts", org_id, ids)


def item_errors(ui: Ui, item_id: str, errors: dict[str, str]) -> dict[str, str]:
    """A refused closing's messages, by the item's own fields; rule C1 on the item means it was closed already."""
    if "item_id" in errors:
        errors = {**errors, "item_id": ui.fmt.gettext(CLOSED_ALREADY)}
    return {f"rm-{item_id}-{k}": v for k, v in errors.items()}


async def _audits_context(ui: Ui, org_id: str) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    may_audit, may_close = await _may(ui, org_id)
    plan, plan_error = await ui.maybe("audits", "get_audit_plan", {"org_id": org_id})
    query = ui.request.query_params  # each list its own page: `cursor` the audits', `items` the items to put right's
    listed = await one_page(ui, "audits", "list_audits", {"org_id": org_id}, query.get("cursor"), query.get("cursor_at"))
    put_right = await one_page(ui, "audits", "list_remediation", {"org_id": org_id}, query.get("items"), query.get("items_at"))
    children, _ = await ui.maybe("registry", "list_children", {"org_id": org_id})
    audits, items = listed.page or served([], None), put_right.page or served([], None)
    overdue = [o["org_id"] for o in (plan or {}).get("overdue", [])]
    wanted = [a["org_id"] for a in audits.rows] + [i["org_id"] for i in items.rows] + overdue
    return {
        "org": org,
        "plan": plan,
        "refused": plan_error is not None,
        "audits": audits.rows,
        "items": items.rows,
        "audits_page": audits,
        "items_page": items,
        "children": children or [],
        "names": await org_names(ui, wanted),
        "may_audit": may_audit,
        "may_close": may_close,
        "done": str(ui.request.query_params.get("done") or ""),
        "errors": {},
    }


@router.get("/orgs/{org_id}/audits")
async def audits_page(ui: UiDep, org_id: str) -> Response:
    return ui.page("audits.html", **await _audits_context(ui, org_id))


@router.post("/orgs/{org_id}/audits")
async def schedule(ui: UiDep, org_id: str) -> Response:
    """Plans the audit of a child org (the form is on the parent's audits page)."""
    child = str(ui.form.get("org_id") or "")
    values = {"planned_on": ui.form.get("planned_on") or None, "by_org_id": org_id}
    if child:
        errors = await ui.submit(Scheduling, values, "audits", "schedule_audit", {"org_id": child})
    else:
        errors = ui.errors([{"field": "org_id", "rule": "missing"}])
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/audits")
    return ui.page("audits.html", 422, **{**await _audits_context(ui, org_id), "errors": errors})


async def _audit_context(ui: Ui, audit_id: str) -> dict[str, Any]:
    audit = await ui.ask("audits", "get_audit", {"audit_id": audit_id})
    names = await org_names(ui, [audit["org_id"], audit["by_org_id"]])
    choices = {"severities": list(Severity), "posts": list(OfficerRole)}
    may_audit, _ = await _may(ui, audit["by_org_id"])
    _, may_close = await _may(ui, audit["org_id"])
    may = {"may_audit": may_audit, "may_close": may_audit or may_close}
    return {"audit": audit, "names": names, "lights": LIGHTS, "errors": {}, **choices, **may}


@router.get("/audits/{audit_id}")
async def audit_page(ui: UiDep, audit_id: str) -> Response:
    return ui.page("audit.html", **await _audit_context(ui, audit_id))


async def _step(ui: Ui, audit_id: str, verb: str, model: Any, values: dict[str, Any], extra: dict[str, Any]) -> Response:
    """One step of an audit from a form; problems are shown beside the form's fields."""
    errors = await ui.submit(model, values, "audits", verb, extra)
    if not errors:
        return ui.back(f"/ui/audits/{audit_id}")
    return ui.page("audit.html", 422, **{**await _audit_context(ui, audit_id), "errors": errors})


@router.post("/audits/{audit_id}/start")
async def start(ui: UiDep, audit_id: str) -> Response:
    return await _step(ui, audit_id, "start_audit", Start, {}, {"audit_id": audit_id})


@router.post("/audits/{audit_id}/remediation/{item_id}/closure")
async def close_item(ui: UiDep, audit_id: str, item_id: str) -> Response:
    """Closes an item put right, from the audit's page or from the audits page of an org (`back`) above the item;
    a refusal is shown beside that item."""
    values = {"note": str(ui.form.get("note") or "").strip() or None}
    back = str(ui.form.get("back") or "")
    back = back if BACK.fullmatch(back) else ""  # an org's id, never another address
    errors = await ui.submit(Closing, values, "audits", "close_remediation", {"audit_id": audit_id, "item_id": item_id})
    if not errors:
        return ui.back(f"/ui/orgs/{back}/audits?done=closed#remediation-h" if back else f"/ui/audits/{audit_id}")
    shown = item_errors(ui, item_id, errors)
    if back:
        return ui.page("audits.html", 422, **{**await _audits_context(ui, back), "errors": shown})
    return ui.page("audit.html", 422, **{**await _audit_context(ui, audit_id), "errors": shown})


@router.post("/audits/{audit_id}/findings")
async def record_finding(ui: UiDep, audit_id: str) -> Response:
    values = {k: str(ui.form.get(k) or "").strip() or None for k in ("rule", "severity", "note")}
    return await _step(ui, audit_id, "record_finding", Finding, values, {"audit_id": audit_id})


@router.post("/audits/{audit_id}/remediation")
async def assign_remediation(ui: UiDep, audit_id: str) -> Response:
    values = {k: str(ui.form.get(k) or "").strip() or None for k in ("action", "owner_role", "due_on", "finding_id")}
    return await _step(ui, audit_id, "assign_remediation", Remediation, values, {"audit_id": audit_id})
