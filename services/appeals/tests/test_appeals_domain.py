"""An appeal's rules without IO: due times, answers, closure, escalation one level up, routing to a level above."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from appeals.domain import appeal
from appeals.domain.routing import addressee

from contracts.appeals import AppealFiled, Outcome, ReceivedBy
from kit.errors import RuleBroken

FILED = datetime(2026, 3, 2, 9, tzinfo=UTC)


def filed(hours: int = 72) -> appeal.Appeal:
    event = AppealFiled(
        appeal_id="a1",
        person_id="p1",
        org_id="ppo",
        member_org_id="ppo",
        situation_id="dismissal",
        text="pd1:x",
        received_by=ReceivedBy.PORTAL,
        filed_at=FILED,
        due_at=appeal.due(FILED, hours),
    )
    return appeal.evolve(appeal.NOTHING, event)


def test_an_unanswered_appeal_escalates_to_the_parent_once_it_is_late_and_not_before() -> None:
    a = filed()
    assert appeal.decide_escalate(a, "to", 72, FILED + timedelta(hours=71)) == []
    [up] = appeal.decide_escalate(a, "to", 72, FILED + timedelta(hours=72))
    assert (up.org_id, up.from_org_id, up.due_at) == ("to", "ppo", FILED + timedelta(hours=144))
    a = appeal.evolve(a, up)
    assert appeal.decide_escalate(a, "cc", 72, FILED + timedelta(hours=100)) == [], "a repeat decides nothing"
    assert appeal.decide_escalate(a, None, 72, FILED + timedelta(hours=200)) == [], "nobody is above the CC"


def test_an_answer_stops_escalation_and_counts_on_time_only_before_the_first_due_time() -> None:
    a = filed()
    [answer] = appeal.decide_answer(a, "pd1:y", "staff", FILED + timedelta(hours=5))
    assert answer.first and answer.on_time
    a = appeal.evolve(a, answer)
    assert appeal.decide_escalate(a, "to", 72, FILED + timedelta(days=30)) == []
    [second] = appeal.decide_answer(a, "pd1:z", "staff", FILED + timedelta(hours=6))
    assert not second.first and not second.on_time
    late = appeal.decide_answer(filed(), "pd1:y", "staff", FILED + timedelta(hours=73))[0]
    assert late.first and not late.on_time


def test_a_closed_appeal_takes_no_answer_and_no_second_closure() -> None:
    a = appeal.evolve(filed(), appeal.decide_close(filed(), Outcome.RESOLVED, "staff", FILED)[0])
    with pytest.raises(RuleBroken, match="closed"):
        appeal.decide_answer(a, "pd1:y", "staff", FILED)
    with pytest.raises(RuleBroken, match="closed"):
        appeal.decide_close(a, Outcome.RESOLVED, "staff", FILED)
    assert appeal.decide_escalate(a, "to", 72, FILED + timedelta(days=30)) == []


def test_an_appeal_goes_to_the_members_org_or_one_above_it_and_nowhere_else() -> None:
    lineage = ["ppo", "to", "cc"]
    assert addressee(lineage, None) == "ppo"
    assert addressee(lineage, "cc") == "cc"
    with pytest.raises(RuleBroken) as refused:
        addressee(lineage, "another-ppo")
    assert refused.value.as_error().details[0].field == "to_org_id"
