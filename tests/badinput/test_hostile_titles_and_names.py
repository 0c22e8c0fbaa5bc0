"""Titles and names are one line: a line break, a separator or another control character in one is refused at the door
with 422 naming the field and the rule `one_line` — over HTTP, straight over NATS, and for materials from outside."""

from __future__ import annotations

from typing import Any

import pytest

from kit.rpc import RequestClient
from profset_testing import Stack
from profset_testing.api import NEWS, chain

HOSTILE = ["Заголовок\nBcc: spy@example.org", "строка\u2028разделитель", "абзац\u2029", "ESC\x1b[31m", "таб\tуляция", "NEL\x85"]


async def test_a_title_or_name_with_a_control_character_is_refused_naming_the_field(stack: Stack) -> None:
    h, o = await chain(stack)
    p1, cc = o["p1"]["id"], o["cc"]["id"]
    doors: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/api/v1/materials", {**NEWS, "org_id": cc}, "title"),
        ("POST", f"/api/v1/orgs/{cc}/received-materials", {**NEWS, "party_id": o["fnpr"]["id"]}, "title"),
        ("POST", "/api/v1/orgs", {"name": "", "level": "primary", "parent_id": o["t1"]["id"]}, "name"),
        ("PATCH", f"/api/v1/orgs/{p1}", {"name": ""}, "name"),
        ("POST", "/api/v1/parties", {"kind": "media", "name": "", "email": "media@example.org"}, "name"),
        ("POST", f"/api/v1/orgs/{p1}/members", {"full_name": "", "since": "2010-01-01"}, "full_name"),
        ("POST", f"/api/v1/orgs/{p1}/officers", {"full_name": "", "role": "chair"}, "full_name"),
        ("POST", f"/api/v1/orgs/{p1}/channels", {"kind": "notice_board", "name": ""}, "name"),
        (
            "POST",
            f"/api/v1/orgs/{p1}/media-mentions",
            {"on": "2026-01-01", "outlet": "", "medium": "print", "tone": "positive"},
            "outlet",
        ),
    ]
    for method, path, body, field in doors:
        for text in HOSTILE:
            sent = {**body, field: (body[field] or "Имя") + text + " конец"}
            answer = await stack.http.request(method, path, json=sent, headers=h)
            assert answer.status_code == 422, (path, field, repr(text), answer.text)
            details = answer.json()["error"]["details"]
            assert [(d["field"], d["rule"]) for d in details] == [(field, "one_line")], (path, answer.text)
            assert "spy@example.org" not in answer.text, "a refusal does not echo what was typed"


@pytest.mark.parametrize("text", HOSTILE)
async def test_a_title_with_a_control_character_is_refused_straight_over_nats(stack: Stack, nc: Any, text: str) -> None:
    draft = {**NEWS, "org_id": "x", "title": f"Заголовок{text} конец"}
    reply = await RequestClient(nc).request("exchange", "draft_material", draft, token=stack.keys.token(service="exchange"))
    assert reply.error is not None and reply.error.code.value == "invalid", reply
    assert [(d.field, d.rule) for d in reply.error.details] == [("title", "one_line")]


async def test_a_trailing_line_break_is_trimmed_and_a_body_keeps_its_lines(stack: Stack) -> None:
    h, o = await chain(stack)
    body = {**NEWS, "org_id": o["cc"]["id"], "title": "Заголовок\n", "body": "Первая строка.\n\nВторая\tс табуляцией."}
    answer = await stack.http.post("/api/v1/materials", json=body, headers=h)
    assert answer.status_code == 201, answer.text
