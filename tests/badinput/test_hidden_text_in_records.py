"""Direction overrides and other invisible characters in the record's texts (the tester's F6): a remediation item's
action, a finding's note, a plan's items, a plan report's summary and the erasure's basis (the legal record of an
erasure, which a reversed run of text could make read other than it is) are refused with 422 naming the field — rule
`one_line` for a line, `lines` for a text that may keep its line breaks. A plan item has a length a line can have.
The same holds for the reasons of leaving, relief, disbanding, dissolving an org, closing a channel, rejecting or
taking down a publication, for a closed item's note, a review's decision and appeals' texts. An item to
put right is never closed before its audit began (F10)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.appeals import Answer
from contracts.audits import Closing, Finding, PlanBody, PlanReport, Remediation, Review
from contracts.contacts import Closure
from contracts.exchange import Decision, Draft, Takedown
from contracts.officers import Disbanding, Relief
from contracts.people import ErasureRequest, Leaving
from contracts.registry import Dissolution
from profset_testing import Stack
from profset_testing.api import admit, post, union

HIDDEN = [
    "Приказ \u202efdp.exe",
    "изоляция\u2067",
    "метка\u200b",
    "\ufeffначало",
    "ESC\x1b[31m",
    "слово\u2060соединитель",  # the word joiner, invisible operators, annotations, fillers, noncharacters
    "a\u2062b",
    "\ufff9сноска\ufffb",
    "пусто\u3164",
    "не\uffffсимвол",
]
AUDIT_TEXTS = [
    (Remediation, {"owner_role": "chair", "due_on": "2026-06-01"}, "action", "one_line"),
    (Finding, {"rule": "P1", "severity": "minor"}, "note", "lines"),
    (PlanReport, {}, "summary", "lines"),
    (ErasureRequest, {}, "basis", "one_line"),
]
REASONS = [  # a reason for the record, and what a member or an org's staff write to each other
    (Leaving, {}, "reason", "lines"),
    (Relief, {}, "reason", "lines"),
    (Disbanding, {"effective_on": "2026-06-01"}, "reason", "lines"),
    (Closure, {}, "reason", "lines"),
    (Dissolution, {"effective_on": "2026-06-01"}, "reason", "lines"),
    (Closing, {}, "note", "lines"),
    (Review, {"body": "Президиум ЦК"}, "decision", "lines"),
    (Decision, {"approve": False}, "reason", "lines"),
    (Takedown, {}, "reason", "lines"),
    (Draft, {"org_id": "00000000-0000-4000-8000-000000000000", "title": "Т", "kind": "news"}, "body", "lines"),
    (Answer, {}, "text", "lines"),
]


def fields_refused(reply: Any) -> list[tuple[str, str]]:
    assert reply.status_code == 422, reply.text
    return [(d["field"], d["rule"]) for d in reply.json()["error"]["details"]]


@pytest.mark.parametrize("text", HIDDEN)
def test_the_contracts_refuse_a_hidden_character_naming_the_field_and_the_rule(text: str) -> None:
    for model, rest, field, rule in AUDIT_TEXTS + REASONS:
        with pytest.raises(ValidationError) as refused:
            model.model_validate({**rest, field: f"Текст {text} конец"})
        assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [((field,), rule)], model
    with pytest.raises(ValidationError) as refused:
        PlanBody.model_validate({"items": ["Стенд", f"Пункт {text}"]})
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("items", 1), "one_line")]


def test_a_note_or_summary_keeps_its_lines_and_a_plan_item_is_a_line_of_readable_length() -> None:
    text = "Первая строка.\r\n\tВторая строка."
    assert Finding(rule="P1", severity="minor", note=text).note == text  # type: ignore[arg-type]
    assert PlanReport(summary=text).summary == text
    for breaking in ("\u2028", "\x85", "\x0b"):
        with pytest.raises(ValidationError):
            PlanReport(summary=f"a{breaking}b")
    assert Leaving(reason=text).reason == text and Answer(text=text).text == text
    shown = "пере\u00adнос, ZWNJ \u200c, семья \U0001f468\u200d\U0001f469\u200d\U0001f467"  # typography and emoji stay
    assert Answer(text=shown).text == shown and Leaving(reason=shown).reason == shown
    assert PlanBody(items=["п" * 500]).items == ["п" * 500]
    with pytest.raises(ValidationError) as refused:
        PlanBody(items=["п" * 100_000])
    assert [e["loc"] for e in refused.value.errors()] == [("items", 0)]


async def test_hidden_text_in_an_audit_a_plan_or_an_erasure_is_refused_at_the_door(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    org = p["id"]
    audit = (await post(stack, h, f"/api/v1/orgs/{org}/audits", {"planned_on": "2026-01-10"}))["id"]
    await post(stack, h, f"/api/v1/audits/{audit}/start", {}, 200)
    person = await admit(stack, h, org, full_name="Кузнецова Мария", since="2010-01-01")
    quarter = f"{stack.today().year}-Q{(stack.today().month - 1) // 3 + 1}"
    assert (await stack.http.put(f"/api/v1/orgs/{org}/plans/{quarter}", json={"items": ["Стенд"]}, headers=h)).status_code == 200
    doors: list[tuple[str, str, dict[str, Any], str, str]] = [
        ("POST", f"/api/v1/audits/{audit}/remediation", {"owner_role": "chair", "due_on": "2099-01-01"}, "action", "one_line"),
        ("POST", f"/api/v1/audits/{audit}/findings", {"rule": "P1", "severity": "minor"}, "note", "lines"),
        ("POST", f"/api/v1/orgs/{org}/plans/{quarter}/report", {}, "summary", "lines"),
        ("POST", f"/api/v1/members/{person}/erasure", {}, "basis", "one_line"),
        ("POST", f"/api/v1/members/{person}/leaving", {}, "reason", "lines"),
    ]
    for text in HIDDEN[:2]:
        for method, path, body, field, rule in doors:
            answer = await stack.http.request(method, path, json={**body, field: f"Текст {text} конец"}, headers=h)
            assert fields_refused(answer) == [(field, rule)], (path, repr(text))
        plan = await stack.http.put(f"/api/v1/orgs/{org}/plans/{quarter}", json={"items": [f"Пункт {text}"]}, headers=h)
        assert fields_refused(plan) == [("items.0", "one_line")]
    huge = await stack.http.put(f"/api/v1/orgs/{org}/plans/{quarter}", json={"items": ["п" * 100_000]}, headers=h)
    assert [f for f, _ in fields_refused(huge)] == ["items.0"]
    record = (await stack.http.get(f"/api/v1/members/{person}", headers=h)).json()
    assert record["erased"] is False and record["full_name"] == "Кузнецова Мария" and record["org_id"] == org
    shown = (await stack.http.get(f"/api/v1/audits/{audit}", headers=h)).json()
    assert (shown["findings"], shown["remediation"]) == ([], []), "nothing half-written"
    kept = await post(stack, h, f"/api/v1/audits/{audit}/findings", {"rule": "P1", "severity": "minor", "note": "Стенд\nпуст"})
    assert kept["findings"][0]["note"] == "Стенд\nпуст"


async def test_an_item_is_never_closed_before_its_audit_began(stack: Stack) -> None:
    h, _, _, p = await union(stack)
    audit = (await post(stack, h, f"/api/v1/orgs/{p['id']}/audits", {"planned_on": "2026-01-10"}))["id"]
    started = (await post(stack, h, f"/api/v1/audits/{audit}/start", {}, 200))["started_on"]
    item = {"action": "Оформить стенд", "owner_role": "chair", "due_on": "2099-01-01"}
    made = (await post(stack, h, f"/api/v1/audits/{audit}/remediation", item))["remediation"][0]["id"]
    closure = f"/api/v1/audits/{audit}/remediation/{made}/closure"
    for day in ("1990-01-01", date.fromordinal(date.fromisoformat(started).toordinal() - 1).isoformat()):
        early = await stack.http.post(closure, json={"closed_on": day}, headers=h)
        assert fields_refused(early) == [("closed_on", "C1")], day
    closed = await post(stack, h, closure, {"closed_on": started}, 200)
    assert closed["remediation"][0]["closed_on"] == started
