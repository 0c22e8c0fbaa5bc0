"""Compliance over a subtree, drilled down: which orgs stand behind one count of the summary (a rule, a status)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from ..page import PageRoute, UiDep

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
Status = Literal["met", "breached", "unknown", "not_applicable"]
MOST = 500  # orgs asked about for one drill-down; a larger subtree is named as cut, never silently
AT_ONCE = 8  # compliance requests in flight: each computes every rule of one org


@router.get("/orgs/{org_id}/compliance/{rule}/{status}")
async def behind_a_count(ui: UiDep, org_id: str, rule: str, status: Status, as_of: date | None = None) -> Response:
    """The orgs of the subtree whose verdict on `rule` is `status`, each a link to its own compliance."""
    org = await ui.ask("registry", "get_org", {"org_id": org_id, "as_of": as_of})
    subtree = await ui.ask("registry", "get_subtree", {"org_id": org_id, "as_of": as_of})
    asked = subtree[:MOST]
    gate = asyncio.Semaphore(AT_ONCE)

    async def verdict(o: dict[str, Any]) -> dict[str, Any] | None:
        async with gate:
            found, _ = await ui.maybe("audits", "get_compliance", {"org_id": o["id"], "as_of": as_of})
        return next((v for v in found or [] if v["rule"] == rule), None)

    verdicts = await asyncio.gather(*(verdict(o) for o in asked))
    rows = [(o, v) for o, v in zip(asked, verdicts, strict=True) if v is not None and v["status"] == status]
    shown = {"org": org, "rule": rule, "verdict": status, "as_of": as_of, "rows": rows, "cut": len(subtree) > MOST}
    return ui.page("compliance_rule.html", **shown, most=MOST, total=len(subtree))
