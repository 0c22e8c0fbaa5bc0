"""A closed period's answer is frozen as a whole: its members stay as they stood at the closing, and a headcount
backdated into the period shows beside them as a restatement, as the indicators' late facts do."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from profset_testing import Stack, eventually
from profset_testing.api import get, post, union

LAST_YEAR = datetime.now(ZoneInfo("Europe/Moscow")).year - 1


async def test_a_closed_periods_members_stay_frozen_beside_a_late_headcount(stack: Stack) -> None:
    h, _cc, t, p = await union(stack)
    path = f"/api/v1/orgs/{p['id']}/kpi/{LAST_YEAR}"
    closed = await stack.http.post(f"{path}/close", headers=h)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["members"], closed.json()["members_live"]) == (None, False), "the reply is the frozen answer"
    frozen = await get(stack, h, path)
    assert (frozen["members"], frozen["members_live"], frozen["members_restatement"]) == (None, False, None)

    await post(stack, h, f"/api/v1/orgs/{p['id']}/headcount", {"members": 7, "as_of": f"{LAST_YEAR}-03-01"})

    async def restated() -> dict[str, Any]:
        answer: dict[str, Any] = await get(stack, h, path)
        return answer if answer["members_restatement"] == 7 else {}

    later = await eventually(restated)
    assert (later["members"], later["members_live"]) == (None, False), "the frozen answer keeps its members"
    assert figures(later) == figures(frozen), "the indicators stay frozen too, late facts beside them"
    open_ = await get(stack, h, f"/api/v1/orgs/{t['id']}/kpi/{LAST_YEAR}")
    assert (open_["members"], open_["members_live"], open_["members_restatement"]) == (7, True, None), "open: live"


def figures(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's indicators without their restatements."""
    return {k: {f: v for f, v in line.items() if f != "restatement"} for k, line in answer["indicators"].items()}
