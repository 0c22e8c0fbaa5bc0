"""A closed period's answer is frozen as a whole: its members too, with a later count beside them (no IO)."""

from __future__ import annotations

from kpi.domain.periodbook import members_shown


def test_an_open_period_shows_its_members_live() -> None:
    assert members_shown(None, 7) == {"members": 7, "members_live": True, "members_restatement": None}


def test_a_closed_period_shows_its_members_as_they_stood_at_its_closing() -> None:
    frozen = {"K6": {"value": None, "components": {"members": None, "reached": 0}}}
    assert members_shown(frozen, 7) == {"members": None, "members_live": False, "members_restatement": 7}, (
        "a headcount backdated into the period shows beside the frozen figure, not in it"
    )
    frozen = {"K6": {"components": {"members": 120}}}
    assert members_shown(frozen, 120) == {"members": 120, "members_live": False, "members_restatement": None}
    assert members_shown(frozen, None)["members"] == 120


def test_a_period_closed_before_members_were_frozen_says_its_members_are_live() -> None:
    assert members_shown({"K6": {"value": 0.5}}, 7) == {"members": 7, "members_live": True, "members_restatement": None}
    assert members_shown({}, None)["members_live"] is True
