"""A date at the calendar's end and invisible direction characters, as the independent attack sent them: each is
refused at the door with 422 naming the field, never a failed service (503) and never a reversed title in a letter."""

from __future__ import annotations

from profset_testing import Stack
from profset_testing.api import NEWS, chain

FAR = "9999-12-31"


async def test_a_date_at_the_end_of_the_calendar_is_invalid_naming_the_field(stack: Stack) -> None:
    h, o = await chain(stack)
    p1, t1 = o["p1"]["id"], o["t1"]["id"]
    asked = [
        ("GET", "/api/v1/orgs", {"known_on": FAR}, None, "known_on"),
        ("GET", f"/api/v1/orgs/{p1}", {"known_on": FAR}, None, "known_on"),
        ("GET", f"/api/v1/orgs/{t1}/children", {"known_on": FAR}, None, "known_on"),
        ("GET", f"/api/v1/orgs/{p1}/officers", {"known_on": FAR}, None, "known_on"),
        ("GET", f"/api/v1/orgs/{t1}/compliance", {"as_of": FAR}, None, "as_of"),
        ("GET", f"/api/v1/orgs/{t1}/compliance/summary", {"as_of": FAR}, None, "as_of"),
        ("POST", f"/api/v1/orgs/{p1}/contact-base/submissions", None, {"at": FAR}, "at"),
        ("POST", f"/api/v1/orgs/{p1}/headcount", None, {"members": 5, "as_of": FAR}, "as_of"),
        ("POST", f"/api/v1/orgs/{p1}/members", None, {"full_name": "Иванов Иван", "since": "1799-12-31"}, "since"),
    ]
    periods = [  # a year at the calendar's end (the second attack round: 503 from kpi)
        ("GET", f"/api/v1/orgs/{t1}/kpi/9999", None, None),
        ("GET", "/api/v1/kpi/rankings", {"period": "9999", "indicator": "K1", "level": "primary"}, None),
        ("POST", f"/api/v1/orgs/{t1}/kpi/9999/close", None, None),
        ("PUT", f"/api/v1/orgs/{t1}/targets/9999", None, {"K2": 0.1}),
    ]
    for method, path, params, body in periods:
        answer = await stack.http.request(method, path, params=params, json=body, headers=h)
        assert answer.status_code == 422, (path, answer.text)
        assert [d["field"] for d in answer.json()["error"]["details"]] == ["period"], (path, answer.text)
    for method, path, params, body, field in asked:
        answer = await stack.http.request(method, path, params=params, json=body, headers=h)
        assert answer.status_code == 422, (path, answer.text)
        details = answer.json()["error"]["details"]
        assert [(d["field"], d["rule"]) for d in details] == [(field, "date_in_range")], (path, answer.text)


async def test_a_title_with_a_direction_override_is_refused(stack: Stack) -> None:
    h, o = await chain(stack)
    hidden = ("Приказ \u202efdp.exe", "Невидимый\u200bпробел", "\ufeffЗаголовок", "изоляция\u2067", "a\u034fb", "a\u180eb")
    for text in (*hidden, "метка\U000e0041\U000e0042"):
        answer = await stack.http.post("/api/v1/materials", json={**NEWS, "org_id": o["cc"]["id"], "title": text}, headers=h)
        assert answer.status_code == 422, (repr(text), answer.text)
        assert [(d["field"], d["rule"]) for d in answer.json()["error"]["details"]] == [("title", "one_line")]
