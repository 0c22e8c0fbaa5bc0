"""A remediation item is closed on a day it could have been put right: not after today, never before its audit began."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

import pytest
from audits.domain import audit

from contracts.audits import ChecklistItem, Status
from contracts.officers import OfficerRole
from kit.errors import RuleBroken

STARTED = date(2026, 5, 12)
TODAY = date(2026, 6, 20)


def with_an_item() -> audit.Audit:
    state = reduce(audit.evolve, audit.decide_schedule("a", "o", "t", date(2026, 5, 10), True), audit.NONE)
    checklist = [ChecklistItem(rule="P1", status=Status.BREACHED, detail="", detail_ru="")]
    state = reduce(audit.evolve, audit.decide_start(state, STARTED, checklist, TODAY), state)
    assigned = audit.decide_remediation(state, "i", "Оформить стенд", OfficerRole.CHAIR, date(2026, 6, 1), None)
    return reduce(audit.evolve, assigned, state)


def test_an_item_closed_before_its_audit_began_is_refused_naming_closed_on() -> None:
    state = with_an_item()
    for day in (date(1990, 1, 1), STARTED - timedelta(days=1)):
        with pytest.raises(RuleBroken) as refused:
            audit.decide_close(state, "i", day, None, TODAY)
        assert [(d.field, d.rule) for d in refused.value.details] == [("closed_on", "C1")], refused.value
        assert STARTED.isoformat() in str(refused.value)


@pytest.mark.parametrize("day", [STARTED, STARTED + timedelta(days=3), TODAY])
def test_an_item_closed_on_or_after_the_audits_start_and_by_today_is_taken(day: date) -> None:
    (closed,) = audit.decide_close(with_an_item(), "i", day, "Стенд оформлен", TODAY)
    assert closed.closed_on == day  # type: ignore[attr-defined]
