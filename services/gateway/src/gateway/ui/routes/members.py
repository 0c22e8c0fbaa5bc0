"""Personal membership records (D3) from the browser: admitting a member to a primary org, finding one by name in the
user's part of the union, a member's record with its transfer to another primary org and its leaving."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.people import Admission, Leaving, Transfer

from ..names import names_only, org_names
from ..page import PageRoute, Ui, UiDep
from .orgs import lineage, org_context

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
PAGE = 50  # members a page shows; the next page starts after the last one shown (the API's cursor)


@router.get("/members")
async def find(ui: UiDep, q: str | None = None, cursor: str | None = None, at: int = 1) -> Response:
    """Members whose name starts with the words typed, in the user's subtree today (§5), a page at a time."""
    typed = (q or "").strip()[:200]
    found: list[dict[str, Any]] | None = None
    errors: dict[str, str] = {}
    if len(typed) == 1:
        errors = ui.errors([{"field": "q", "rule": "string_too_short"}])
    elif typed:
        query = {"q": typed, "subtree": True, "limit": PAGE + 1, **({"cursor": cursor} if cursor else {})}
        found = await ui.ask("registry", "list_members", query)  # one more than a page: is there a next one?
    more = found is not None and len(found) > PAGE
    found = found[:PAGE] if found is not None else None
    names = await org_names(ui, [m["org_id"] for m in found or [] if m.get("org_id")], parties=False)
    first = max(at, 1) if cursor else 1  # the place of the page's first member, for its heading only
    return ui.page("members.html", q=typed, found=found, names=names, errors=errors, more=more, at=first)


@router.post("/orgs/{org_id}/members")
async def admit(ui: UiDep, org_id: str) -> Response:
    """A new member of a primary org from a date (today unless given)."""
    f = ui.form
    values = {
        "full_name": str(f.get("full_name") or "").strip() or None,
        "birth_date": f.get("birth_date") or None,
        "position": str(f.get("position") or "").strip() or None,
        "since": f.get("since") or None,
    }
    errors = await ui.submit(Admission, values, "registry", "admit_member", {"org_id": org_id})
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}?done=admitted")
    return ui.page("org.html", 422, **await org_context(ui, org_id), errors={f"mb-{k}": v for k, v in errors.items()})


async def _record(ui: Ui, person_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    member = await ui.ask("registry", "get_member", {"person_id": person_id})
    primaries, _ = await ui.maybe("registry", "list_orgs", {"level": "primary", "limit": 500})
    wanted = [member.get("org_id") or "", *(h["org_id"] for h in member.get("history", []) if h.get("org_id"))]
    home, _ = await ui.maybe("registry", "get_org", {"org_id": member["org_id"]}) if member.get("org_id") else (None, None)
    ids = [o["id"] for o in await lineage(ui, home)] if home else []
    names = await org_names(ui, wanted, parties=False)
    return {
        "member": member,
        "names": names,
        "named": await names_only(ui, names, wanted),  # the orgs of a readable record's history, beyond the subtree too
        "destinations": sorted((o for o in primaries or [] if o["id"] != member.get("org_id")), key=lambda o: o["name"]),
        "may_change": bool(ids) and ui.can("report_facts", ids[0], ids),
        "done": str(ui.request.query_params.get("done") or ""),
        "errors": errors or {},
    }


@router.get("/members/{person_id}")
async def record(ui: UiDep, person_id: str) -> Response:
    return ui.page("member.html", **await _record(ui, person_id))


async def _change(ui: Ui, person_id: str, prefix: str, model: Any, verb: str, values: dict[str, Any], done: str) -> Response:
    errors = await ui.submit(model, values, "registry", verb, {"person_id": person_id})
    if not errors:
        return ui.back(f"/ui/members/{person_id}?done={done}")
    shown = {f"{prefix}-{k}": v for k, v in errors.items()}
    return ui.page("member.html", 422, **await _record(ui, person_id, shown))


@router.post("/members/{person_id}/transfer")
async def transfer(ui: UiDep, person_id: str) -> Response:
    """The member's record moves to another primary org from a date; both must be in the user's subtree today."""
    values = {"org_id": ui.form.get("org_id") or None, "effective_on": ui.form.get("effective_on") or None}
    return await _change(ui, person_id, "tr", Transfer, "transfer_member", values, "transferred")


@router.post("/members/{person_id}/leaving")
async def leaving(ui: UiDep, person_id: str) -> Response:
    """The member leaves the union from a date, for the reason given."""
    values = {
        "effective_on": ui.form.get("effective_on") or None,
        "reason": str(ui.form.get("reason") or "").strip() or None,
    }
    return await _change(ui, person_id, "lv", Leaving, "record_leaving", values, "left")
