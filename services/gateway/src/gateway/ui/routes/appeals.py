"""Members' appeals for staff (D1, D2, K7): the appeals an org holds, one appeal with its answer and close forms, and an
appeal staff record for a member who phoned, called the hotline or came in."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.appeals import Answer, Assignment, Closure, Filing, Outcome, Question, State
from contracts.envelope import Error, ErrorCode
from contracts.officers import OfficerRole
from kit import clock

from ...errors import ApiError
from ..forms import parse
from ..names import org_names
from ..page import PageRoute, Ui, UiDep
from ..paging import one_page
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
STATES = {"open": "waiting for an answer", "answered": "answered", "closed": "closed"}
SHOWN = {"open": "Open", "overdue": "Overdue", "all": "All"}
OFFLINE = ("phone", "hotline", "visit")  # D2: how staff received it; the portal files its own
FIELDS = {  # what the forms call their fields, so a refusal names the field the reader sees
    "text": "Text",
    "outcome": "Outcome",
    "person_id": "Member",
    "situation_id": "Life situation",
    "received_by": "How it came",
    "to_org_id": "Who holds it",
    "appeal_id": "Appeal",
    "post": "Post",
    "title": "Name of the situation",
    "topics": "Topics (X4)",
    "steps": "Steps, one a line",
    "level": "Level that usually answers",
    "answer_within_hours": "First answer within, hours",
}


def named(ui: Ui, errors: dict[str, str], **labels: str) -> dict[str, str]:
    """Each message begins with the name of the field it is about, as the form labels it (`labels`: this form's own)."""
    fmt, fields = ui.fmt, FIELDS | labels
    out = {}
    for field, text in errors.items():
        name = fmt.gettext(fields[field]) if field in fields and text else None
        out[field] = fmt.gettext("%(field)s: %(message)s", field=name, message=text[:1].lower() + text[1:]) if name else text
    return out


async def situations(ui: Ui) -> dict[str, dict[str, Any]]:
    """The catalogue in force, by id."""
    rows, _ = await ui.maybe("appeals", "list_situations", {})
    return {s["id"]: s for s in rows or []}


@router.get("/orgs/{org_id}/appeals")
async def appeals_of(
    ui: UiDep, org_id: str, state: str = "open", cursor: str | None = None, cursor_at: str | None = None
) -> Response:
    """The appeals the org holds in one state, newest first, a page at a time (the appeals service pages them)."""
    chosen = State(state) if state in SHOWN else State.OPEN
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    listed = await one_page(ui, "appeals", "list_appeals", {"org_id": org_id, "state": chosen.value}, cursor, cursor_at)
    if listed.page is None:
        raise ApiError(listed.error or Error(code=ErrorCode.UNAVAILABLE, message="the appeals service answered no page"))
    page = listed.page
    rows = page.rows
    ids = [o["id"] for o in await lineage(ui, org)]
    context = {
        "org": org,
        "rows": rows,
        "page": page,
        "state": chosen.value,
        "shown": SHOWN,
        "states": STATES,
        "titles": {k: s["title"] for k, s in (await situations(ui)).items()},
        "names": await org_names(ui, [r["org_id"] for r in rows], parties=False),
        "may_record": ui.can("report_facts", org_id, ids),
        "people": await _names_of(ui, [r["person_id"] for r in rows]) if ui.can("read_personal_data", org_id, ids) else {},
    }
    return ui.page("appeals.html", **context)


NAMED = 50
"""Appeals of a list shown with their member's name (the rest by their situation alone; open one to see who)."""


async def _names_of(ui: Ui, person_ids: list[str]) -> dict[str, str]:
    """Members' names for those who may read them (each asked of the registry, which decides)."""
    wanted = list(dict.fromkeys(person_ids))[:NAMED]
    found = await asyncio.gather(*(ui.maybe("registry", "get_member", {"person_id": p}) for p in wanted))
    return {p: m["full_name"] for p, (m, _) in zip(wanted, found, strict=True) if m and m.get("full_name")}


async def _appeal_context(ui: Ui, appeal_id: str) -> dict[str, Any]:
    appeal = await ui.ask("appeals", "get_appeal", {"appeal_id": appeal_id})
    late = appeal["state"] == "open" and not appeal.get("first_answer_at")
    appeal["overdue"] = late and datetime.fromisoformat(appeal["due_at"]) <= clock.now()
    holder, _ = await ui.maybe("registry", "get_org", {"org_id": appeal["org_id"]})
    ids = [o["id"] for o in await lineage(ui, holder)] if holder else [appeal["org_id"]]
    member, _ = await ui.maybe("registry", "get_member", {"person_id": appeal["person_id"]})
    wanted = [appeal["org_id"], appeal.get("filed_org_id") or "", *(a["org_id"] for a in appeal["answers"])]
    wanted += [e["from_org_id"] for e in appeal["escalations"]] + [e["to_org_id"] for e in appeal["escalations"]]
    return {
        "appeal": appeal,
        "situation": (await situations(ui)).get(appeal["situation_id"]),
        "member": member,
        "names": await org_names(ui, wanted, parties=False),
        "states": STATES,
        "outcomes": list(Outcome),
        "posts": list(OfficerRole),
        "may_act": appeal["state"] != "closed" and ui.can("report_facts", appeal["org_id"], ids),
        "errors": {},
        "values": {},
    }


@router.get("/appeals/{appeal_id}")
async def appeal_page(ui: UiDep, appeal_id: str) -> Response:
    return ui.page("appeal.html", **await _appeal_context(ui, appeal_id))


async def _again(ui: Ui, appeal_id: str, errors: dict[str, str], values: dict[str, Any], text: str = "") -> Response:
    """The appeal's page with the refusal beside the form's fields, the reader's text kept."""
    context = await _appeal_context(ui, appeal_id)
    shown = named(ui, errors, text=text or "Text of the answer")
    if text:  # the question's form: its field is `question` on the page, `text` in the command
        shown = {("question" if k == "text" else k): v for k, v in shown.items()}
        values = {"question": values.get("text")}
    return ui.page("appeal.html", 422, **{**context, "errors": shown, "values": values})


@router.post("/appeals/{appeal_id}/answers")
async def answer(ui: UiDep, appeal_id: str) -> Response:
    values = {"text": str(ui.form.get("text") or "").strip() or None}
    errors = await ui.submit(Answer, values, "appeals", "answer_appeal", {"appeal_id": appeal_id})
    if not errors:
        return ui.back(f"/ui/appeals/{appeal_id}")
    return await _again(ui, appeal_id, errors, values)


@router.post("/appeals/{appeal_id}/questions")
async def ask_member(ui: UiDep, appeal_id: str) -> Response:
    """Asks the member for more (sealed with their key); the member answers in the portal."""
    values = {"text": str(ui.form.get("question") or "").strip() or None}
    errors = await ui.submit(Question, values, "appeals", "ask_member", {"appeal_id": appeal_id})
    if not errors:
        return ui.back(f"/ui/appeals/{appeal_id}")
    return await _again(ui, appeal_id, errors, values, text="Question to the member")


@router.post("/appeals/{appeal_id}/assignment")
async def assign(ui: UiDep, appeal_id: str) -> Response:
    """Gives the appeal to a post of the org that holds it (a post, never a private person)."""
    values = {"post": ui.form.get("post") or None}
    errors = await ui.submit(Assignment, values, "appeals", "assign_appeal", {"appeal_id": appeal_id})
    if not errors:
        return ui.back(f"/ui/appeals/{appeal_id}")
    return await _again(ui, appeal_id, errors, values)


@router.post("/appeals/{appeal_id}/closure")
async def close(ui: UiDep, appeal_id: str) -> Response:
    """Closing takes two steps: the outcome, then a confirmation that says what will change."""
    values = {"outcome": ui.form.get("outcome") or None}
    body, problems = parse(Closure, values)
    if body is None:
        return await _again(ui, appeal_id, ui.errors(problems), values)
    if ui.form.get("confirmed") != "yes":
        context = await _appeal_context(ui, appeal_id)
        return ui.page("appeal_close.html", appeal=context["appeal"], situation=context["situation"], outcome=body.outcome.value)
    errors = await ui.submit(Closure, values, "appeals", "close_appeal", {"appeal_id": appeal_id})
    if not errors:
        return ui.back(f"/ui/appeals/{appeal_id}")
    return await _again(ui, appeal_id, errors, values)


async def _record_context(ui: Ui, org_id: str, q: str | None) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    found: list[dict[str, Any]] = []
    query = (q or "").strip()[:200]
    if len(query) >= 2:
        found = await ui.ask("registry", "list_members", {"org_id": org_id, "subtree": True, "q": query, "limit": 50})
    return {
        "org": org,
        "q": query,
        "found": [m for m in found if not m.get("erased")],
        "names": await org_names(ui, [m["org_id"] for m in found], parties=False),
        "situations": list((await situations(ui)).values()),
        "channels": OFFLINE,
        "errors": {},
        "values": {},
    }


@router.get("/orgs/{org_id}/appeals/new")
async def record_form(ui: UiDep, org_id: str, q: str | None = None) -> Response:
    return ui.page("appeal_new.html", **await _record_context(ui, org_id, q))


@router.post("/orgs/{org_id}/appeals")
async def record(ui: UiDep, org_id: str) -> Response:
    """D2: an appeal a member made by phone, hotline or visit, recorded by staff of the member's part of the union."""
    f = ui.form
    values = {
        "person_id": f.get("person_id") or None,
        "situation_id": f.get("situation_id") or None,
        "text": str(f.get("text") or "").strip() or None,
        "received_by": f.get("received_by") or None,
        "to_org_id": f.get("to_org_id") or None,
    }
    errors: dict[str, str] = {}
    if values["received_by"] == "portal":  # the member files in the portal; staff record the offline ways only
        errors = ui.errors([{"field": "received_by", "rule": "enum"}])
    body, problems = parse(Filing, values)
    if body is None:
        errors = ui.errors(problems) | errors
    elif not errors:
        made, errors = await ui.attempt("appeals", "file_appeal", body.model_dump(mode="json", exclude_none=True))
        if made:
            return ui.back(f"/ui/appeals/{made['id']}")
    context = await _record_context(ui, org_id, str(f.get("q") or ""))
    shown = named(ui, errors, text="What the member said")
    return ui.page("appeal_new.html", 422, **{**context, "errors": shown, "values": values})
