"""K7's speed of feedback as kpi measures it from members' appeals (D1): each org's median time to a first answer and
the share answered on time, beside the figure reported by hand where an org has no appeals."""

from __future__ import annotations

import asyncio
from typing import Any

from .page import Ui

SHOWN_CHILDREN = 30
"""Orgs below shown with their own figures (a bigger subtree: open them one by one)."""


def speed_of(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """K7's speed parts of one kpi answer: measured own and subtree figures, where they come from, the reported hours."""
    if not report:
        return None
    parts = (report.get("indicators", {}).get("K7") or {}).get("components") or {}
    if not parts:
        return None
    return {
        "source": parts.get("speed_from") or "reports",
        "own": parts.get("appeals") or {},
        "subtree": parts.get("appeals_subtree") or {},
        "reported_hours": parts.get("average_hours"),
    }


async def feedback(ui: Ui, org: dict[str, Any], period: str) -> dict[str, Any] | None:
    """The org's K7 speed for the period and that of the orgs directly under it; None when kpi cannot say now."""
    report, _ = await ui.maybe("kpi", "get_kpi", {"org_id": org["id"], "period": period})
    mine = speed_of(report)
    if mine is None:
        return None
    children, _ = await ui.maybe("registry", "list_children", {"org_id": org["id"], "limit": SHOWN_CHILDREN})
    shown = children or []  # the registry's first page is by name
    answers = await asyncio.gather(*(ui.maybe("kpi", "get_kpi", {"org_id": c["id"], "period": period}) for c in shown))
    below = [{"org": c, "speed": speed_of(r)} for c, (r, _) in zip(shown, answers, strict=True)]
    return {"period": period, **mine, "below": [b for b in below if b["speed"] is not None]}
