"""The org tree (search, expand, move) and an org's page: facts, officers, members, channels, compliance, KPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.contacts import ChannelKind
from contracts.envelope import Error, ErrorCode
from contracts.officers import Appointment, OfficerRole
from contracts.registry import Headcount, OrgChanges

from ...errors import ApiError
from ..forms import flag
from ..page import PageRoute, Ui, UiDep
from ..paging import PAGE, Paged, one_page, served

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


OPEN_AT_MOST = 20
"""How many orgs one address of the tree may open (each costs a few registry calls)."""


@dataclass(frozen=True)
class TreeState:
    """What the tree's address says: the orgs opened, and for a level paged past its first page the cursor and the
    place of the page's first org (`after-<id>_at`: the registry's page can't say it)."""

    opened: tuple[str, ...]
    after: dict[str, str]
    at: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, query: Any) -> TreeState:
        opened = tuple(dict.fromkeys(i for i in query.getlist("open") if i))[:OPEN_AT_MOST]
        levels = {k.removeprefix("after-"): v for k, v in query.items() if k.startswith("after-") and v}
        after = {k: v for k, v in levels.items() if not k.endswith("_at")}
        return cls(opened, after, {k: levels[f"{k}_at"] for k in after if f"{k}_at" in levels})

    def url(self, opened: list[str], after: dict[str, str]) -> str:
        """The tree's address for a state (levels on their first page carry no cursor)."""
        params = [("open", i) for i in dict.fromkeys(opened)]
        for k, v in after.items():
            params += [(f"after-{k}", v), (f"after-{k}_at", self.at.get(k, ""))] if v else []
        return f"/ui/tree?{urlencode([(k, v) for k, v in params if v])}" if params else "/ui/tree"


@dataclass
class Node:
    """An org in the tree; an opened one with the page of its children shown."""

    org: dict[str, Any]
    path: list[str]
    """The ids from the tree's root down to this org."""
    page: Paged | None = None
    children: list[Node] = field(default_factory=list)
    toggle: str = ""
    """Where its control leads: opening it, or closing it when open."""
    pages: str = ""
    """Its children's pages' address, without the cursor of its own level."""

    @property
    def opens(self) -> bool:
        """Whether it has orgs under it to open (the registry counts an org's children)."""
        return bool(self.org.get("children"))


async def opened_paths(ui: Ui, root_id: str, opened: tuple[str, ...]) -> dict[str, list[str]]:
    """Each opened org's path from the tree's root down to it; an org outside the user's subtree is refused (§5)."""
    paths = {}
    for org_id in opened:
        org = await ui.ask("registry", "get_org", {"org_id": org_id})  # 403 outside the subtree, 404 if none
        ids = [o["id"] for o in reversed(await lineage(ui, org))]
        if root_id not in ids:
            raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="the org is outside your part of the union"))
        paths[org_id] = ids[ids.index(root_id) :]
    return paths


async def grow(ui: Ui, state: TreeState, root: dict[str, Any], paths: dict[str, list[str]]) -> Node:
    """The tree from its root down the opened paths, one registry call per open org, each level a page of 50 that
    `list_children` answers (ui/paging.py); only a level whose page must hold an opened org is read whole, to find it."""
    expanded = {i for path in paths.values() for i in path} | {root["id"]}
    after = {k: v for k, v in state.after.items() if k in expanded}  # the levels' cursors, as each level is cut

    def below(org_id: str) -> set[str]:
        """The opened orgs under it and the orgs on their paths."""
        return {i for path in paths.values() if org_id in path[:-1] for i in path[path.index(org_id) + 1 :]}

    def opening(node: Node) -> str:
        kept = [o for o in paths if o not in node.path]  # the orgs above it open with it
        return state.url([*kept, node.org["id"]], after)

    def closing(node: Node) -> str:
        """Closing it closes what is open under it and keeps its parent open, on the page it stands on."""
        org_id, gone = node.org["id"], below(node.org["id"]) | {node.org["id"]}
        kept = [o for o, path in paths.items() if org_id not in path]
        parent = node.path[-2]
        if parent != root["id"] and not any(parent in paths[o] for o in kept):
            kept.append(parent)
        return state.url(kept, {k: v for k, v in after.items() if k not in gone})

    def paging(node: Node) -> str:
        """Another page of its children closes the orgs opened under it and keeps it open."""
        org_id, gone = node.org["id"], below(node.org["id"])
        kept = [o for o in paths if o not in gone]
        if org_id != root["id"] and not any(org_id in paths[o] for o in kept):
            kept.append(org_id)
        return state.url(kept, {k: v for k, v in after.items() if k not in gone and k != org_id})

    async def visit(org: dict[str, Any], path: list[str]) -> Node:
        node = Node(org, path)
        if org["id"] not in expanded:
            node.toggle = opening(node)
            return node
        on_path = {p[len(path)] for p in paths.values() if len(p) > len(path) and p[len(path) - 1] == org["id"]}
        if after.get(org["id"]) is None and on_path:
            node.page, after[org["id"]] = await holding(ui, org["id"], on_path)
        else:
            node.page, after[org["id"]] = await children_page(ui, org["id"], after.get(org["id"]), state.at.get(org["id"]))
        state.at[org["id"]] = str(node.page.at)
        node.children = [await visit(child, [*path, child["id"]]) for child in node.page.rows]
        node.toggle = closing(node) if len(path) > 1 else ""
        node.pages = paging(node)
        return node

    return await visit(root, [root["id"]])


WHOLE_LEVEL = 10000
"""The most orgs of a level read to find the page that holds an opened org (the registry's largest page)."""


async def children_page(ui: Ui, org_id: str, cursor: str | None, at: str | None) -> tuple[Paged, str]:
    """The page of the org's children after the cursor, and the cursor it was read after ("" on the first page)."""
    answer = await one_page(ui, "registry", "list_children", {"org_id": org_id}, cursor, at)
    if answer.page is None:
        raise ApiError(answer.error or Error(code=ErrorCode.UNAVAILABLE, message="the registry answered no page"))
    return answer.page, answer.cursor or ""


async def holding(ui: Ui, org_id: str, on_path: set[str]) -> tuple[Paged, str]:
    """The page of the org's children that holds an opened org, and the cursor before it: only a whole level tells
    where an org stands in it."""
    rows = await ui.ask("registry", "list_children", {"org_id": org_id, "limit": WHOLE_LEVEL})
    at = next((i for i, r in enumerate(rows) if r["id"] in on_path), 0) // PAGE * PAGE
    return served(rows[at : at + PAGE + 1], at + 1), str(rows[at - 1]["id"]) if at else ""


@router.get("/tree")
async def tree(ui: UiDep, q: str | None = None) -> Response:
    """The user's part of the union a level at a time: the root and its children; `open` (repeatable) opens an org
    down the path to it, `after-<org id>` pages a level."""
    if q and q.strip():
        found = await ui.ask("registry", "list_orgs", {"q": q.strip()[:200], "limit": 200})
        return ui.page("tree.html", found=found, q=q, root=None)
    root_id = await tree_root(ui)
    if root_id is None:
        return ui.page("tree.html", found=None, q="", root=None)
    state = TreeState.read(ui.request.query_params)
    paths = await opened_paths(ui, root_id, state.opened)
    root = await ui.ask("registry", "get_org", {"org_id": root_id})
    return ui.page("tree.html", found=None, q="", root=await grow(ui, state, root, paths))


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
    children, _ = await ui.maybe("registry", "list_children", {"org_id": org_id, "limit": PAGE + 1})
    officers, _ = await ui.maybe("registry", "list_officers", {"org_id": org_id})
    channels, channels_error = await ui.maybe("contacts", "list_channels", {"org_id": org_id})
    sheet_link, _ = await ui.maybe("contacts", "get_sheet_channel", {"org_id": org_id})
    compliance, compliance_error = await ui.maybe("audits", "get_compliance", {"org_id": org_id})
    period = str(ui.today.year)
    kpi, kpi_error = await ui.maybe("kpi", "get_kpi", {"org_id": org_id, "period": period})
    members = None
    if ui.can("read_personal_data", org_id, ids) and org["level"] == "primary":
        members, _ = await ui.maybe("registry", "list_members", {"org_id": org_id, "limit": 50})
    return {
        "org": org,
        "chain": list(reversed(chain)),
        "ids": ids,
        "children": (children or [])[:PAGE],
        "more_children": len(children or []) > PAGE,  # the rest in the tree, a page at a time
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
