"""A count is a whole number, never true or false (the tester's F7: `"members": true` was stored as a headcount of
one), and a page's cursor that is no id is refused naming `cursor` rather than read as no cursor at all."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contracts.audits import Completion
from contracts.contacts import Stats, Subscription
from contracts.exchange import Participation
from contracts.kpi import FeedbackTimes
from contracts.officers import Training
from contracts.registry import Headcount
from profset_testing import Stack
from profset_testing.api import admit, get, union

COUNTS: list[tuple[type[Any], dict[str, Any], str]] = [
    (Headcount, {}, "members"),
    (FeedbackTimes, {"average_hours": "1.5"}, "answered"),
    (Participation, {"org_id": "o"}, "on_site"),
    (Stats, {"period": "2026-05"}, "subscribers"),
    (Subscription, {"publication": "solidarnost", "year": 2026}, "copies"),
    (Training, {"course": "Школа", "on": "2024-11-15"}, "hours"),
    (Completion, {}, "score"),
]


@pytest.mark.parametrize(("model", "rest", "field"), COUNTS)
def test_a_count_of_true_or_false_is_refused_and_a_number_as_text_still_taken(
    model: type[Any], rest: dict[str, Any], field: str
) -> None:
    for flag in (True, False):
        with pytest.raises(ValidationError) as refused:
            model.model_validate({**rest, field: flag})
        assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [((field,), "int_type")]
    assert getattr(model.model_validate({**rest, field: "5"}), field) == 5, "a form sends its numbers as text"
    with pytest.raises(ValidationError):
        model.model_validate({**rest, field: -1})
    schema = model.model_json_schema()["properties"][field]
    assert "minimum" in str(schema) and "'ge'" not in str(schema), schema


async def test_a_headcount_of_true_is_refused_and_none_is_stored(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    for flag in (True, False):
        answer = await stack.http.post(f"/api/v1/orgs/{p['id']}/headcount", json={"members": flag}, headers=h)
        assert answer.status_code == 422, answer.text
        assert [(d["field"], d["rule"]) for d in answer.json()["error"]["details"]] == [("members", "int_type")]
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}")).get("members") is None


async def test_a_cursor_that_is_no_id_is_refused_naming_it(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    await admit(stack, h, p["id"], full_name="Кузнецова Мария", since="2010-01-01")
    lists = ["/api/v1/orgs", "/api/v1/members", f"/api/v1/orgs/{p['id']}/members"]
    for path in lists:
        for cursor in ("garbage", "'; drop table x --", "0190F3A2-7C1E-7B2A-9D41-3F0C2B5E8A50x"):
            answer = await stack.http.get(
                path, params={"cursor": cursor, "q": "куз"} if "members" in path else {"cursor": cursor}, headers=h
            )
            assert answer.status_code == 422, (path, cursor, answer.text)
            assert [d["field"] for d in answer.json()["error"]["details"]] == ["cursor"], answer.text
    first = await stack.http.get("/api/v1/orgs", params={"limit": 1}, headers=h)
    assert first.status_code == 200 and 'rel="next"' in first.headers["Link"]
    after = first.headers["Link"].split("cursor=")[1].split(">")[0]
    second = await get(stack, h, "/api/v1/orgs", limit=1, cursor=after)
    assert [o["id"] for o in second] != [o["id"] for o in first.json()], "a real cursor pages on"


async def test_the_next_page_of_a_filtered_list_keeps_its_filter(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    for name in ("Кузнецова Мария", "Кузьмин Олег", "Кузьмина Анна", "Петров Иван", "Сидоров Пётр"):
        await admit(stack, h, p["id"], full_name=name, since="2010-01-01")
    for path in ("/api/v1/members", f"/api/v1/orgs/{p['id']}/members"):
        seen, address = [], f"{path}?q=куз&limit=1"
        while address:
            answer = await stack.http.get(address, headers=h)
            assert answer.status_code == 200, answer.text
            seen += [m["full_name"] for m in answer.json()]
            link = answer.headers.get("Link")
            address = link[1 : link.index(">")] if link else ""
            assert not link or "q=" in link, link
        assert sorted(seen) == ["Кузнецова Мария", "Кузьмин Олег", "Кузьмина Анна"], (path, seen)
    levels = [o["level"] for o in await _all(stack, h, "/api/v1/orgs?level=primary&limit=1")]
    assert levels and set(levels) == {"primary"}


async def _all(stack: Stack, h: dict[str, str], address: str) -> list[Any]:
    rows: list[Any] = []
    while address:
        answer = await stack.http.get(address, headers=h)
        rows += answer.json()
        link = answer.headers.get("Link")
        address = link[1 : link.index(">")] if link else ""
    return rows
