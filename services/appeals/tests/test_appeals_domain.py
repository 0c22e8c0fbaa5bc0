"""An appeal's rules without IO: due times, answers, closure, escalation one level up, routing to a level above."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from appeals.domain import appeal
from appeals.domain.routing import addressee

from contracts.appeals import AppealFiled, EscalationReason, Outcome, ReceivedBy
from contracts.officers import OfficerRole
from kit.errors import RuleBroken

FILED = datetime(2026, 3, 2, 9, tzinfo=UTC)
HELD = frozenset({"chair", "info_worker"})
"""The posts of the holding org with a holder today."""


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


def test_staff_record_by_phone_unless_they_say_hotline_or_visit_and_never_claim_the_portal() -> None:
    assert appeal.received(None, by_member=False) is ReceivedBy.PHONE
    assert appeal.received(ReceivedBy.VISIT, by_member=False) is ReceivedBy.VISIT
    assert appeal.received(ReceivedBy.HOTLINE, by_member=False) is ReceivedBy.HOTLINE
    assert appeal.received(None, by_member=True) is ReceivedBy.PORTAL
    with pytest.raises(RuleBroken) as refused:
        appeal.received(ReceivedBy.PORTAL, by_member=False)
    assert refused.value.as_error().details[0].field == "received_by" and refused.value.rule == "D2"


def test_an_appeal_is_assigned_to_a_post_of_its_org_until_it_goes_up_a_level() -> None:
    a = filed()
    [given] = appeal.decide_assign(a, OfficerRole.CHAIR, HELD, "staff", FILED)
    assert (given.org_id, given.post) == ("ppo", OfficerRole.CHAIR)
    a = appeal.evolve(a, given)
    with pytest.raises(RuleBroken) as refused:
        appeal.decide_assign(a, OfficerRole.CHAIR, HELD, "staff", FILED)
    assert refused.value.as_error().details[0].field == "post"
    a = appeal.evolve(a, appeal.decide_assign(a, OfficerRole.INFO_WORKER, HELD, "staff", FILED)[0])
    assert a.post is OfficerRole.INFO_WORKER
    [up] = appeal.decide_escalate(a, "to", 72, FILED + timedelta(hours=73))
    assert appeal.evolve(a, up).post is None, "the org above assigns its own post"


def test_a_question_and_the_members_reply_are_no_answer_so_the_appeal_still_escalates() -> None:
    a = filed()
    [asked] = appeal.decide_ask(a, "pd1:q", "staff", FILED + timedelta(hours=1))
    assert (asked.person_id, asked.org_id, asked.text) == ("p1", "ppo", "pd1:q")
    a = appeal.evolve(a, asked)
    [added] = appeal.decide_supplement(a, "pd1:r", FILED + timedelta(hours=2))
    a = appeal.evolve(a, added)
    assert (a.questions, a.replies, a.answered) == (1, 1, False)
    assert appeal.decide_escalate(a, "to", 72, FILED + timedelta(hours=72)), "a question is not an answer"


def test_a_closed_appeal_takes_no_assignment_question_or_reply() -> None:
    a = appeal.evolve(filed(), appeal.decide_close(filed(), Outcome.RESOLVED, "staff", FILED)[0])
    for decide in (
        lambda: appeal.decide_assign(a, OfficerRole.CHAIR, HELD, "staff", FILED),
        lambda: appeal.decide_ask(a, "pd1:q", "staff", FILED),
        lambda: appeal.decide_supplement(a, "pd1:r", FILED),
    ):
        with pytest.raises(RuleBroken, match="closed") as refused:
            decide()
        assert refused.value.as_error().details[0].field == "appeal_id"


def test_an_appeal_is_never_assigned_to_a_post_nobody_holds_in_its_org() -> None:
    with pytest.raises(RuleBroken) as refused:
        appeal.decide_assign(filed(), OfficerRole.CHAIR, {"info_worker"}, "staff", FILED)
    detail = refused.value.as_error().details[0]
    assert (detail.field, detail.rule) == ("post", "post_vacant")


def test_an_appeal_of_a_dissolved_org_goes_at_once_to_the_nearest_org_above_that_exists() -> None:
    a = filed()
    soon = FILED + timedelta(hours=1)
    assert appeal.decide_rehouse(a, ["ppo", "to", "cc"], {"ppo", "to", "cc"}, 72, soon) == [], "its org exists"
    [up] = appeal.decide_rehouse(a, ["ppo", "to", "cc"], {"cc"}, 72, soon)
    assert (up.org_id, up.from_org_id, up.reason) == ("cc", "ppo", EscalationReason.ORG_DISSOLVED)
    assert up.due_at == soon + timedelta(hours=72), "a new due time at the level that takes it"
    moved = appeal.evolve(a, up)
    assert appeal.decide_rehouse(moved, ["cc"], {"cc"}, 72, soon) == [], "a repeat decides nothing"
    answered = appeal.evolve(a, appeal.decide_answer(a, "pd1:y", "staff", soon)[0])
    assert appeal.decide_rehouse(answered, ["ppo", "to"], {"to"}, 72, soon), "answered but not closed: it still moves"
    closed = appeal.evolve(a, appeal.decide_close(a, Outcome.RESOLVED, "staff", soon)[0])
    assert appeal.decide_rehouse(closed, ["ppo", "to"], {"to"}, 72, soon) == [], "a closed appeal stays where it ended"
    with pytest.raises(RuleBroken, match="no org above"):
        appeal.decide_rehouse(a, ["ppo", "to"], set(), 72, soon)
