"""The catalogue of life situations (D1): read by all staff; the CC's staff add, change and retire situations."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.appeals import Level, Situation
from contracts.envelope import Error, ErrorCode
from contracts.exchange import Topic
from kit.tokens import Role

from ...errors import ApiError
from ..forms import listed, parse
from ..page import PageRoute, Ui, UiDep
from .appeals import named, situations

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
SITUATION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CHOICES: dict[str, Any] = {"topics": list(Topic), "levels": list(Level)}


async def keeps_catalogue(ui: Ui) -> bool:
    """The CC keeps the catalogue: an admin, or staff of the CC itself (appeals decides; this only hides the forms)."""
    actor = ui.who.actor
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.STAFF or not actor.org_id:
        return False
    central, _ = await ui.maybe("registry", "list_orgs", {"level": "central"})
    return bool(central) and central[0]["id"] == actor.org_id


@router.get("/situations")
async def catalogue(ui: UiDep) -> Response:
    rows = list((await situations(ui)).values())
    return ui.page("situations.html", rows=rows, may_keep=await keeps_catalogue(ui))


def _form(ui: Ui, situation_id: str | None, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    return ui.page("situation.html", status, situation_id=situation_id, values=values, errors=errors, **CHOICES)


async def _kept(ui: Ui) -> None:
    if not await keeps_catalogue(ui):
        raise ApiError(Error(code=ErrorCode.FORBIDDEN, message="only the CC keeps the catalogue of life situations"))


@router.get("/situations/new")
async def new_situation(ui: UiDep) -> Response:
    await _kept(ui)
    return _form(ui, None, {"level": "primary", "answer_within_hours": 72, "topics": [], "steps": []}, {})


@router.get("/situations/{situation_id}")
async def edit_situation(ui: UiDep, situation_id: str) -> Response:
    await _kept(ui)
    found = (await situations(ui)).get(situation_id)
    if found is None:
        raise ApiError(Error(code=ErrorCode.NOT_FOUND, message="no such life situation"))
    return _form(ui, situation_id, found, {})


@router.post("/situations")
async def define(ui: UiDep) -> Response:
    """Adds a situation (its id from the form) or changes one (the id fixed by the page it came from)."""
    f = ui.form
    situation_id = str(f.get("situation_id") or "").strip()
    steps = [line.strip() for line in str(f.get("steps") or "").splitlines() if line.strip()]
    values: dict[str, Any] = {
        "title": str(f.get("title") or "").strip() or None,
        "topics": listed(f, "topics"),
        "steps": steps,
        "level": f.get("level") or None,
        "answer_within_hours": str(f.get("answer_within_hours") or "").strip() or None,
    }
    errors: dict[str, str] = {}
    if not SITUATION_ID.match(situation_id):
        errors = ui.errors([{"field": "situation_id", "rule": "missing" if not situation_id else "pattern_mismatch"}])
    hours = values["answer_within_hours"]
    checked = {**values, "answer_within_hours": int(hours) if hours and hours.isdigit() else hours}
    body, problems = parse(Situation, checked)
    if body is None:
        errors = ui.errors(problems) | errors
    elif not errors:
        payload = {**body.model_dump(mode="json"), "situation_id": situation_id}
        _, errors = await ui.attempt("appeals", "define_situation", payload)
        if not errors:
            return ui.back("/ui/situations")
    existing = situation_id if f.get("existing") == "yes" else None
    shown = {**values, "id": situation_id}
    return _form(ui, existing, shown, named(ui, _fields(errors)), 422)


def _fields(errors: dict[str, str]) -> dict[str, str]:
    """`answer_within_hours` and the like keep their names; a problem with one step is the steps' problem."""
    return {("steps" if k.startswith("steps") else k): v for k, v in errors.items()}


@router.post("/situations/{situation_id}/retirement")
async def retire(ui: UiDep, situation_id: str) -> Response:
    """Retiring asks first: the situation leaves the portal's list; appeals filed under it stay."""
    found = (await situations(ui)).get(situation_id)
    if ui.form.get("confirmed") != "yes":
        if found is None:
            raise ApiError(Error(code=ErrorCode.NOT_FOUND, message="no such life situation"))
        return ui.page("situation_retire.html", situation=found)
    _, errors = await ui.attempt("appeals", "retire_situation", {"situation_id": situation_id})
    if not errors:
        return ui.back("/ui/situations")
    rows = list((await situations(ui)).values())
    return ui.page("situations.html", 422, rows=rows, may_keep=await keeps_catalogue(ui), errors=named(ui, errors))
