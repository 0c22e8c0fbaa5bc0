"""What an org gives its parent (P10, T7) and keeps running: its information resources on a page of their own, each
one's refreshes (P1), audience figures (K4), the access it gives the parent or the CC and its closing (opening one
stays on the org page, routes/boards.py); and the yearly copies of its contact base submitted to the parent, each
readable and exported as CSV as the API exports it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.base import Payload
from contracts.contacts import ELECTRONIC, Access, AccessRevocation, Closure, Stats, Submission, Update

from ... import csvcells
from ...api.contacts import EXPORT_COLUMNS
from ...errors import ApiError
from ..forms import parse
from ..names import names_only, org_names
from ..page import PageRoute, Ui, UiDep
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
FIGURES = ("subscribers", "visits", "engagement")


async def _grantees(ui: Ui, org: dict[str, Any]) -> list[str]:
    """Whom the org may open a channel to: its parent (P10) and the CC (T7), even when the user can't read them."""
    found, _ = await ui.maybe("contacts", "list_grantees", {"org_id": org["id"]})
    return list(found or [])


async def _context(ui: Ui, org_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    ids = [o["id"] for o in await lineage(ui, org)]
    channels = await ui.ask("contacts", "list_channels", {"org_id": org_id})
    grants, _ = await ui.maybe("contacts", "list_org_access", {"org_id": org_id})
    grantees = await _grantees(ui, org)
    wanted = [*grantees, *(g["to_org_id"] for g in grants or []), *(g["org_id"] for g in grants or [])]
    names = await org_names(ui, wanted, parties=False)
    names |= await names_only(ui, names, wanted)
    return {
        "org": org,
        "channels": channels,
        "grants": [g for g in grants or [] if g["org_id"] == org_id],
        "held": [g for g in grants or [] if g["to_org_id"] == org_id],
        "grantees": grantees,
        "names": names,
        "electronic": {k.value for k in ELECTRONIC},
        "may_report": ui.can("report_facts", org_id, ids),
        "done": str(ui.request.query_params.get("done") or ""),
        "errors": errors or {},
    }


@router.get("/orgs/{org_id}/resources")
async def resources(ui: UiDep, org_id: str) -> Response:
    return ui.page("resources.html", **await _context(ui, org_id))


async def _record(ui: Ui, channel_id: str, prefix: str, model: type[Payload], verb: str, values: dict[str, Any]) -> Response:
    """A resource's command from its form; back to the resources page, or the page again with the refusal beside it."""
    org_id = str(ui.form.get("org_id") or "")
    errors = await ui.submit(model, values, "contacts", verb, {"channel_id": channel_id})
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/resources?done={prefix}#ch-{channel_id}")
    shown = {f"{prefix}-{channel_id}-{k}": v for k, v in errors.items()}
    return ui.page("resources.html", 422, **await _context(ui, org_id, shown))


def _day(ui: Ui, name: str) -> Any:
    return ui.form.get(name) or None


@router.post("/channels/{channel_id}/updates")
async def refresh(ui: UiDep, channel_id: str) -> Response:
    """The resource was refreshed today or on the day given (P1 for a notice board)."""
    return await _record(ui, channel_id, "up", Update, "refresh_channel", {"at": _day(ui, "at")})


@router.post("/channels/{channel_id}/stats")
async def report_stats(ui: UiDep, channel_id: str) -> Response:
    """Audience figures for a period that has begun (K4)."""
    values = {"period": str(ui.form.get("period") or "").strip() or None}
    values |= {k: str(ui.form.get(k) or "").replace(" ", "").replace("\u00a0", "") or None for k in FIGURES}
    return await _record(ui, channel_id, "st", Stats, "report_channel_stats", values)


@router.post("/channels/{channel_id}/access")
async def grant_access(ui: UiDep, channel_id: str) -> Response:
    """The parent (P10, T7) or the CC may follow the channel from a day on."""
    values = {"to_org_id": ui.form.get("to_org_id") or None, "since": _day(ui, "since")}
    return await _record(ui, channel_id, "ac", Access, "grant_channel_access", values)


@router.post("/channels/{channel_id}/access-revocation")
async def revoke_access(ui: UiDep, channel_id: str) -> Response:
    """An org's access to the channel ends from a day on."""
    values = {"to_org_id": ui.form.get("to_org_id") or None, "effective_on": _day(ui, "effective_on")}
    return await _record(ui, channel_id, "rv", AccessRevocation, "revoke_channel_access", values)


@router.post("/channels/{channel_id}/closure")
async def close(ui: UiDep, channel_id: str) -> Response:
    """The resource no longer runs from a day on (its history stays)."""
    values = {"effective_on": _day(ui, "effective_on"), "reason": str(ui.form.get("reason") or "").strip() or None}
    return await _record(ui, channel_id, "cl", Closure, "close_channel", values)


NOT_AHEAD = "A contact base is copied as it stands: choose today or a day already past."


async def _submissions(ui: Ui, org_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    ids = [o["id"] for o in await lineage(ui, org)]
    rows = await ui.ask("contacts", "list_submissions", {"org_id": org_id})
    wanted = [org.get("parent_id") or "", *(r["parent_id"] or "" for r in rows)]
    names = await org_names(ui, wanted, parties=False)
    names |= await names_only(ui, names, wanted)
    may_report = ui.can("report_facts", org_id, ids)
    done = str(ui.request.query_params.get("done") or "")
    return {"org": org, "rows": rows, "names": names, "may_report": may_report, "done": done, "errors": errors or {}}


@router.get("/orgs/{org_id}/submissions")
async def submissions(ui: UiDep, org_id: str) -> Response:
    return ui.page("submissions.html", **await _submissions(ui, org_id))


@router.post("/orgs/{org_id}/submissions")
async def submit(ui: UiDep, org_id: str) -> Response:
    """P10, T7: the contact base as it stood on a day (today unless given) is frozen for the parent."""
    body, problems = parse(Submission, {"at": _day(ui, "at")})
    errors = ui.errors(problems)
    if body is not None:
        try:
            payload = {**body.model_dump(mode="json", exclude_none=True), "org_id": org_id}
            made = await ui.ask("contacts", "submit_contact_base", payload, command=True)
            return ui.back(f"/ui/submissions/{made['id']}?done=submitted")
        except ApiError as e:
            errors = ui.errors(e.error)
            if any(d.rule == "not_after_today" for d in e.error.details):
                errors["at"] = ui.fmt.gettext(NOT_AHEAD)
    return ui.page("submissions.html", 422, **await _submissions(ui, org_id, errors))


async def _holders(ui: Ui, entries: list[dict[str, Any]]) -> dict[str, str]:
    """Person id → name of the post holders behind a base's lines (their orgs' officers, at most twenty orgs)."""
    names: dict[str, str] = {}
    for org_id in list(dict.fromkeys(e["org_id"] for e in entries if e.get("org_id")))[:20]:
        officers, _ = await ui.maybe("registry", "list_officers", {"org_id": org_id})
        names |= {o["person_id"]: o["full_name"] for o in officers or [] if o.get("full_name")}
    return names


@router.get("/submissions/{submission_id}")
async def submission(ui: UiDep, submission_id: str) -> Response:
    """One frozen contact base: its lines, each address still honouring its owner's consent now."""
    found = await ui.ask("contacts", "get_submission", {"submission_id": submission_id})
    wanted = [found["org_id"], found.get("parent_id") or "", *(e["org_id"] for e in found["entries"])]
    names = await org_names(ui, wanted, parties=False)
    names |= await names_only(ui, names, wanted)
    holders = await _holders(ui, found["entries"])
    done = str(ui.request.query_params.get("done") or "")
    return ui.page("submission.html", submission=found, names=names, holders=holders, done=done)


@router.get("/submissions/{submission_id}/export.csv")
async def export(ui: UiDep, submission_id: str) -> Response:
    """The frozen base as CSV, the same columns as `GET /contact-base/submissions/{id}/export.csv`."""
    found = await ui.ask("contacts", "get_submission", {"submission_id": submission_id})
    rows = ([entry.get(column) for column in EXPORT_COLUMNS] for entry in found["entries"])
    name = f"contact-base-{found['org_id']}-{found['at']}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(csvcells.table(EXPORT_COLUMNS, rows), media_type="text/csv; charset=utf-8", headers=headers)
