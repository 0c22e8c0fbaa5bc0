"""The org tree (search, expand, move) and an org's page: facts, officers, members, channels, compliance, KPI."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.contacts import ChannelKind
from contracts.officers import Appointment, OfficerRole
from contracts.registry import Headcount, OrgChanges

from ..forms import flag
from ..page import PageRoute, Ui, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
LIGHTS = {"met": "green", "breached": "red", "unknown": "amber", "not_applicable": "grey"}


async def lineage(ui: Ui, org: dict[str, Any]) -> list[dict[str, Any]]:
    """The org and the orgs above it, as far up as the user may read (breadcrumbs and §5 checks)."""
    chain = [org]
    while chain[-1]["parent_id"] and len(chain) < 8:
        parent, _ = await ui.maybe("registry", "get_org", {"org_id": chain[-1]["parent_id"]})
        if parent is None:
            break
        chain.append(parent)
    return chain


async def tree_root(ui: Ui) -> str | None:
    """The root of the tree this user sees: their own org, or the CC for an admin."""
    if ui.who.actor.org_id:
        return ui.who.actor.org_id
    central = await ui.ask("registry", "list_orgs", {"level": "central"})
    return central[0]["id"] if central else None


def nest(orgs: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    """Children by parent id, names in order, for the expandable tree."""
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    for org in orgs:
        by_parent.setdefault(org["parent_id"], []).append(org)
    for rows in by_parent.values():
        rows.sort(key=lambda o: o["name"])
    return by_parent


@router.get("/tree")
async def tree(ui: UiDep, q: str | None = None) -> Response:
    root_id = await tree_root(ui)
    if q and q.strip():
        found = await ui.ask("registry", "list_orgs", {"q": q.strip()[:200], "limit": 200})
        return ui.page("tree.html", found=found, q=q, root=None, children={})
    orgs = await ui.ask("registry", "get_subtree", {"org_id": root_id}) if root_id else []
    return ui.page("tree.html", found=None, q="", root=orgs[0] if orgs else None, children=nest(orgs))


Section = Literal["inbox", "materials", "moderation", "audits", "kpi", "contacts", "appeals"]


@router.get("/my/{section}")
async def my_section(ui: UiDep, section: Section) -> Response:
    """A menu item: the section at the root of the user's part of the union (the CC for an admin)."""
    root = await tree_root(ui)
    return ui.back(f"/ui/orgs/{root}/{section}" if root else "/ui/tree")


@router.get("/orgs/{org_id}")
async def org_page(ui: UiDep, org_id: str) -> Response:
    return ui.page("org.html", **await org_context(ui, org_id), errors={})


async def org_context(ui: Ui, org_id: str) -> dict[str, Any]:
    """Everything the org page shows; each section may be refused or unavailable on its own."""
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    chain = await lineage(ui, org)
    ids = [o["id"] for o in chain]
    children, _ = await ui.maybe("registry", "list_children", {"org_id": org_id})
    officers, _ = await ui.maybe("registry", "list_officers", {"org_id": org_id})
    channels, channels_error = await ui.maybe("contacts", "list_channels", {"org_id": org_id})
    sheet_link, _ = await ui.maybe("contacts", "get_sheet_channel", {"org_id": org_id})
    compliance, compliance_error = await ui.maybe("audits", "get_compliance", {"org_id": org_id})
    period = str(date.today().year)
    kpi, kpi_error = await ui.maybe("kpi", "get_kpi", {"org_id": org_id, "period": period})
    members = None
    if ui.can("read_personal_data", org_id, ids) and org["level"] == "primary":
        members, _ = await ui.maybe("registry", "list_members", {"org_id": org_id, "limit": 50})
    return {
        "org": org,
        "chain": list(reversed(chain)),
        "ids": ids,
        "children": children or [],
        "officers": [o for o in officers or [] if o.get("in_post", True)],
        "members": members,
        "channels": channels,
        "channels_error": channels_error,
        "sheet_link": sheet_link,
        "compliance": compliance,
        "compliance_error": compliance_error,
        "lights": LIGHTS,
        "kpi": kpi,
        "kpi_error": kpi_error,
        "period": period,
        "parents": await _parents(ui, org, ids),
        "roles": list(OfficerRole),
        "channel_kinds": list(ChannelKind),
        "done": str(ui.request.query_params.get("done") or ""),
    }


async def _parents(ui: Ui, org: dict[str, Any], ids: list[str]) -> list[dict[str, Any]]:
    """Where the user may move an org: the CC or a territorial org they can see (admins; staff below their root)."""
    if org["level"] == "central" or not ui.can("shape_tree", org["id"], ids):
        return []
    levels = ("central",) if org["level"] == "territorial" else ("central", "territorial")
    return [
        o
        for level in levels
        for o in await ui.ask("registry", "list_orgs", {"limit": 500, "level": level})
        if o["id"] not in (org["id"], org["parent_id"])
    ]


@router.post("/orgs/{org_id}/move")
async def move_org(ui: UiDep, org_id: str) -> Response:
    values = {"parent_id": ui.form.get("parent_id") or None, "effective_on": ui.form.get("effective_on") or None}
    errors = await ui.submit(OrgChanges, values, "registry", "change_org", {"org_id": org_id}, required=("parent_id",))
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}")
    return ui.page("org.html", 422, **await org_context(ui, org_id), errors=errors)


@router.post("/orgs/{org_id}/headcount")
async def report_headcount(ui: UiDep, org_id: str) -> Response:
    values = {"members": ui.form.get("members") or None, "as_of": ui.form.get("as_of") or None}
    errors = await ui.submit(Headcount, values, "registry", "report_headcount", {"org_id": org_id})
    return await _after(ui, org_id, "hc", errors)


@router.post("/orgs/{org_id}/officers")
async def appoint(ui: UiDep, org_id: str) -> Response:
    """A new person takes a post (H3, M2): a chair, an information worker or activist, a press secretary."""
    form = ui.form
    values = {
        "full_name": (form.get("full_name") or "").strip() or None,
        "role": form.get("role") or None,
        "since": form.get("since") or None,
        "released": flag(form, "released"),
        "trained": flag(form, "trained"),
    }
    errors = await ui.submit(Appointment, values, "registry", "assign_officer", {"org_id": org_id}, required=("full_name",))
    return await _after(ui, org_id, "of", errors)


async def _after(ui: Ui, org_id: str, prefix: str, errors: dict[str, str]) -> Response:
    """Back to the org page, or the page again with the refusal beside the form's fields."""
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}")
    shown = {f"{prefix}-{k}": v for k, v in errors.items()}
    return ui.page("org.html", 422, **await org_context(ui, org_id), errors=shown)
