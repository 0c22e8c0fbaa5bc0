"""What the schemathesis run found, pinned: each answers a refusal naming the field, over HTTP and straight over NATS."""

from __future__ import annotations

from typing import Any

from kit.rpc import RequestClient
from profset_testing import Stack

YEAR_ZERO = {
    "list_missing_plans": {"org_id": "x", "quarter": "0000-Q1"},
    "rank_contest": {"org_id": "x", "period": "0000", "level": "primary", "category": "information_work"},
    "submit_plan": {"org_id": "x", "quarter": "0000-Q1", "items": []},
}


async def test_a_year_zero_quarter_or_period_is_invalid_not_a_failure(stack: Stack, nc: Any) -> None:
    client = RequestClient(nc)
    for verb, payload in YEAR_ZERO.items():
        reply = await client.request("audits", verb, payload, token=stack.keys.token(service="audits"))
        assert reply.error is not None and reply.error.code.value == "invalid", (verb, reply)
        field = "quarter" if "quarter" in payload else "period"
        assert any(d.field == field for d in reply.error.details), (verb, reply.error)
    h = await stack.login("admin", "admin-password-for-tests")
    for path in ("/api/v1/orgs/x/plans-missing/0000-Q1", "/api/v1/orgs/x/contests/0000"):
        answer = await stack.http.get(path, headers=h)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"][0]["rule"] == "string_pattern_mismatch", answer.text


async def test_a_body_that_does_not_parse_is_refused_naming_the_body(stack: Stack) -> None:
    h = await stack.login("admin", "admin-password-for-tests")
    for body, kind in (
        (b'{"name": ', "application/json"),
        (b"\xff\xfe\x00{", "application/json"),
        (b"--x\r\nnot multipart", "multipart/form-data; boundary=x"),
        (b"name=%ZZ&level", "application/x-www-form-urlencoded"),
    ):
        answer = await stack.http.post("/api/v1/orgs", content=body, headers={**h, "Content-Type": kind})
        assert answer.status_code in (400, 422), answer.text
        details = answer.json()["error"]["details"]
        assert details and all(d.get("field") and d.get("rule") for d in details), answer.text
    # a refusal Starlette makes itself (schemathesis's malformed bodies reached one as a 400) names its field too
    wrong_method = await stack.http.request("DELETE", "/api/v1/orgs", headers=h)
    assert wrong_method.status_code == 405, wrong_method.text
    assert wrong_method.json()["error"]["details"][0]["field"] == "method", wrong_method.text


async def test_text_with_a_nul_character_is_invalid_not_an_unavailable_server(stack: Stack, nc: Any) -> None:
    # found by test_fuzzed_payloads: PostgreSQL cannot store a NUL, and the lookup failed as "unavailable"
    reply = await RequestClient(nc).request(
        "contacts", "get_submission", {"submission_id": "\x00"}, token=stack.keys.token(service="contacts")
    )
    assert reply.error is not None and reply.error.code.value == "invalid", reply
    assert [(d.field, d.rule) for d in reply.error.details] == [("submission_id", "no_nul_character")]
    h = await stack.login("admin", "admin-password-for-tests")
    answer = await stack.http.post("/api/v1/orgs", json={"name": "Н\x00", "level": "central"}, headers=h)
    assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "name", answer.text
