"""Dates that cannot have happened are refused naming the field and the rule, and nothing is written: a member
admitted before they were born, an admission or a course dated before 1900."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack
from profset_testing.api import get, post, union


async def refused(stack: Stack, h: dict[str, str], path: str, body: dict[str, Any]) -> tuple[str, str]:
    reply = await stack.http.post(path, json=body, headers=h)
    assert reply.status_code == 422, reply.text
    [detail] = reply.json()["error"]["details"]
    return detail["field"], detail["rule"]


async def test_an_admission_before_birth_or_before_1900_is_refused(stack: Stack) -> None:
    h, _cc, _t, p = await union(stack)
    path = f"/api/v1/orgs/{p['id']}/members"
    born_later = {"full_name": "Нерождённый Будущий", "birth_date": "2020-01-01", "since": "2010-01-01"}
    assert await refused(stack, h, path, born_later) == ("since", "not_before_birth")
    assert await refused(stack, h, path, {"full_name": "Старый Давний", "since": "1800-01-01"}) == ("since", "not_before_1900")
    assert await get(stack, h, path) == [], "nothing was written"
    await post(stack, h, path, {**born_later, "since": "2020-01-01"})  # admitted the day they were born: possible


async def test_a_course_dated_before_1900_is_refused_as_an_appointment_is(stack: Stack) -> None:
    h, _cc, _t, p = await union(stack)
    worker = await post(stack, h, f"/api/v1/orgs/{p['id']}/officers", {"full_name": "Информ Раб", "role": "info_worker"})
    path = f"/api/v1/officers/{worker['id']}/trainings"
    assert await refused(stack, h, path, {"course": "Школа", "on": "1800-05-01"}) == ("on", "not_before_1900")
    await post(stack, h, path, {"course": "Школа", "on": "2020-05-01"})
