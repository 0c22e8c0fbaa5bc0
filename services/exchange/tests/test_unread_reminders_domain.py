"""Reminding the orgs that have not read a material, without IO: only a sent material, only while some have not read
it, once a day per material and sender."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from exchange.domain.material import NOTHING, Material, decide_remind_unread, evolve

from contracts.base import Event
from contracts.exchange import Content, Kind, MaterialCascaded, MaterialDrafted, UnreadReminded
from kit.errors import Refused

DAY = date(2026, 3, 2)
NEWS = Content(title="Индексация", body="Текст", kind=Kind.NEWS)


def history(*events: Event) -> Material:
    m = NOTHING
    for e in events:
        m = evolve(m, e)
    return m


DRAFTED = MaterialDrafted(material_id="m1", org_id="cc", content=NEWS)
CASCADED = MaterialCascaded(material_id="m1", org_id="cc", cascade_id="c1", on=DAY)


def refusal(m: Material, sender: str, unread: list[str], day: date) -> tuple[str | None, str]:
    with pytest.raises(Refused) as caught:
        decide_remind_unread(m, sender, unread, day)
    [detail] = caught.value.details
    return detail.field, detail.rule


def test_a_cascaded_material_reminds_each_unread_org_once() -> None:
    [event] = decide_remind_unread(history(DRAFTED, CASCADED), "cc", ["p3", "t1", "p3"], DAY)
    assert event == UnreadReminded(material_id="m1", org_id="cc", org_ids=["p3", "t1"], reminded_on=DAY)


def test_a_draft_has_no_one_to_remind() -> None:
    assert refusal(history(DRAFTED), "cc", ["t1"], DAY) == ("material_id", "not_sent")


def test_no_material_no_reminder() -> None:
    assert refusal(NOTHING, "cc", ["t1"], DAY) == ("material_id", "exists")


def test_when_every_org_has_read_it_there_is_nothing_to_remind() -> None:
    assert refusal(history(DRAFTED, CASCADED), "cc", [], DAY) == ("material_id", "all_read")


def test_a_second_reminder_the_same_day_is_refused_and_the_next_day_allowed() -> None:
    m = history(DRAFTED, CASCADED)
    m = evolve(m, decide_remind_unread(m, "cc", ["t1"], DAY)[0])
    assert refusal(m, "cc", ["t1"], DAY) == ("material_id", "once_a_day")
    assert decide_remind_unread(m, "cc", ["t1"], DAY + timedelta(days=1))


def test_another_sender_of_the_same_material_keeps_its_own_day() -> None:
    passed_on = MaterialCascaded(material_id="m1", org_id="t1", cascade_id="c2", on=DAY)
    m = history(DRAFTED, CASCADED, passed_on, UnreadReminded(material_id="m1", org_id="cc", org_ids=["t1"], reminded_on=DAY))
    assert refusal(m, "cc", ["t1"], DAY)[1] == "once_a_day"
    [event] = decide_remind_unread(m, "t1", ["p1"], DAY)
    assert event.org_ids == ["p1"]  # type: ignore[attr-defined]
