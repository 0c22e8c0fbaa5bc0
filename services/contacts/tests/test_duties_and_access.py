"""Print runs (P2), information meetings (P7), channel access (P10, T7) and whose posts a submitted contact base
holds (T7), without IO: each table is read off RULES.md at its boundaries."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

import pytest
from contacts.domain import access, channels, duties
from contacts.domain.access import Place
from contacts.domain.contact_base import Point, Post, base_entries, orgs_in_base

from contracts.base import Event
from contracts.contacts import Audience, ChannelKind, ContactKind, PrintKind
from kit.errors import Refused, RuleBroken

D = date.fromisoformat
TODAY = D("2026-12-07")


def print_run(on: date, copies: int = 50, org_exists: bool = True) -> list[Event]:
    return duties.decide_print_run(org_exists, "pr", "ppo", on, TODAY, PrintKind.LEAFLET, "Листовка", copies, None)


def meeting(on: date, org_exists: bool = True) -> list[Event]:
    return duties.decide_meeting(org_exists, "m", "ppo", on, TODAY, "Зарплата", 40, True, False)


@pytest.mark.parametrize(("record", "what"), [(print_run, "print run"), (meeting, "meeting")])
@pytest.mark.parametrize(
    ("on", "field", "rule"),
    [
        (TODAY, None, None),  # done today: recorded
        (D("1995-03-01"), None, None),  # long ago, the org existing then
        (TODAY + timedelta(days=1), "on", "not_after_today"),  # tomorrow has not happened
        (D("2199-12-31"), "on", "not_after_today"),
    ],
)
def test_a_print_run_or_a_meeting_is_recorded_once_it_happened(record, what: str, on: date, field, rule) -> None:
    if rule is None:
        [event] = record(on)
        assert event.on == on  # type: ignore[attr-defined]
        return
    with pytest.raises(Refused) as refused:
        record(on)
    assert (refused.value.details[0].field, refused.value.details[0].rule) == (field, rule)
    assert what in refused.value.message


@pytest.mark.parametrize(("copies", "refused"), [(1, False), (50, False), (0, True), (-3, True)])
def test_a_print_run_has_at_least_one_copy(copies: int, refused: bool) -> None:
    if not refused:
        assert print_run(TODAY, copies)[0].copies == copies  # type: ignore[attr-defined]
        return
    with pytest.raises(RuleBroken, match="P2") as broken:
        print_run(TODAY, copies)
    assert broken.value.details[0].field == "copies"


@pytest.mark.parametrize("record", [print_run, meeting])
def test_nothing_is_recorded_for_an_org_that_did_not_exist_that_day(record) -> None:
    with pytest.raises(RuleBroken, match="H1") as broken:
        record(D("1990-01-01"), org_exists=False)
    assert broken.value.details[0].field == "org_id"


CC, T, OTHER_T, P, SIBLING = "cc", "t", "t2", "p", "p2"
"""The union: the CC over two territorial orgs; a primary org and its sibling under the first."""
PLACES = {P: Place("primary", T, CC), T: Place("territorial", CC, CC), CC: Place("central", None, CC)}


def opened(kind: ChannelKind = ChannelKind.MAILING_LIST, org: str = P, closed_on: date | None = None) -> channels.Resource:
    events: list[Event] = channels.decide_open(True, "ch", org, kind, "Рассылка", None, Audience.ACTIVISTS, D("2020-01-01"))
    if closed_on:
        events += channels.decide_close(reduce(channels.evolve, events, channels.NONE), closed_on, None)
    return reduce(channels.evolve, events, channels.NONE)


@pytest.mark.parametrize(
    ("org", "to", "rule"),
    [
        (P, T, None),  # P10: the parent is given access
        (P, CC, None),  # the CC (C2 keeps every org's chairs and activists)
        (P, SIBLING, "P10"),
        (P, OTHER_T, "P10"),
        (P, P, "P10"),  # not to itself
        (T, CC, None),  # T7: the CC's department, its parent
        (T, P, "T7"),  # not down the tree
        (CC, CC, "T7"),  # the CC opens its channels to no one above it
    ],
)
def test_access_goes_to_the_parent_today_or_to_the_cc(org: str, to: str, rule: str | None) -> None:
    resource = opened(org=org)
    if rule is None:
        [granted] = access.decide_grant(resource, PLACES[org], to, TODAY)
        assert (granted.org_id, granted.to_org_id, granted.since) == (org, to, TODAY)  # type: ignore[attr-defined]
        return
    with pytest.raises(RuleBroken) as broken:
        access.decide_grant(resource, PLACES[org], to, TODAY)
    assert (broken.value.rule, broken.value.details[0].field) == (rule, "to_org_id")


def test_a_grandparent_that_is_not_the_cc_is_refused() -> None:
    """A primary org under a territorial org's sub-body (any depth the tree allows): only the parent or the CC."""
    deep = Place("primary", "district", CC)
    with pytest.raises(RuleBroken, match="P10") as broken:
        access.decide_grant(opened(), deep, T, TODAY)
    assert broken.value.details[0].field == "to_org_id"


@pytest.mark.parametrize(
    ("kind", "closed_on", "since", "ok"),
    [
        (ChannelKind.MAILING_LIST, None, TODAY, True),
        (ChannelKind.CHAT, None, TODAY, True),
        (ChannelKind.CHAT, TODAY, TODAY - timedelta(days=1), True),  # its last day running
        (ChannelKind.CHAT, TODAY, TODAY, False),  # closed
        (ChannelKind.CHAT, None, D("2019-12-31"), False),  # before it opened
        (ChannelKind.NOTICE_BOARD, None, TODAY, False),
        (ChannelKind.WEBSITE, None, TODAY, False),
    ],
)
def test_access_is_given_to_a_running_electronic_channel(kind: ChannelKind, closed_on, since: date, ok: bool) -> None:
    resource = opened(kind, closed_on=closed_on)
    if ok:
        assert access.decide_grant(resource, PLACES[P], T, since)
        return
    with pytest.raises(RuleBroken, match="P10") as broken:
        access.decide_grant(resource, PLACES[P], T, since)
    assert broken.value.details[0].field == "channel_id"


def test_a_second_grant_while_one_stands_is_refused_and_a_revoked_one_can_be_given_again() -> None:
    resource = opened()
    granted = reduce(channels.evolve, access.decide_grant(resource, PLACES[P], T, D("2026-01-15")), resource)
    assert granted.grants[0].holds_on(D("2026-01-15")) and not granted.grants[0].holds_on(D("2026-01-14"))
    for since in (D("2026-01-15"), D("2026-06-01"), D("2025-01-01")):
        with pytest.raises(Refused) as refused:
            access.decide_grant(granted, PLACES[P], T, since)
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("to_org_id", "changed")
    assert access.decide_grant(granted, PLACES[P], CC, D("2026-01-15")), "another org's grant is its own"

    with pytest.raises(Refused, match="after the access began"):
        access.decide_revoke(granted, T, D("2026-01-15"))
    revoked = reduce(channels.evolve, access.decide_revoke(granted, T, D("2026-07-01")), granted)
    assert revoked.grants[0].holds_on(D("2026-06-30")) and not revoked.grants[0].holds_on(D("2026-07-01"))
    with pytest.raises(Refused, match="no access to end"):
        access.decide_revoke(revoked, T, D("2026-08-01"))
    with pytest.raises(Refused) as overlapping:
        access.decide_grant(revoked, PLACES[P], T, D("2026-06-30"))
    assert overlapping.value.details[0].rule == "changed", "a grant overlapping the revoked one's days"
    again = reduce(channels.evolve, access.decide_grant(revoked, PLACES[P], T, D("2026-07-01")), revoked)
    assert [(g.since, g.until) for g in again.grants] == [(D("2026-01-15"), D("2026-07-01")), (D("2026-07-01"), None)]


LEVELS = {T: "territorial", P: "primary", SIBLING: "primary", "youth": "primary", CC: "central"}


def test_a_primary_org_sends_its_own_base_and_a_territorial_org_its_primaries_too() -> None:
    assert orgs_in_base(P, "primary", [P], LEVELS) == [P], "P10 unchanged"
    assert orgs_in_base(T, "territorial", [T, P, SIBLING], LEVELS) == [T, P, SIBLING], "T7"
    assert orgs_in_base(CC, "central", [CC, T, P, SIBLING], LEVELS) == [CC]


def test_the_base_has_a_line_per_org_post_holder_and_address_naming_other_orgs() -> None:
    posts = [
        Post(T, "t-chair", "chair"),
        Post(P, "p-chair", "chair"),
        Post(P, "p-chair", "info_activist"),
        Post(SIBLING, "s-press", "press_secretary"),
        Post(SIBLING, "t-chair", "chair"),  # the territorial org's chair chairs a primary org too: two lines
    ]
    points = [
        Point("t-chair", "c1", ContactKind.WORK_EMAIL),
        Point("p-chair", "c3", ContactKind.MOBILE),
        Point("p-chair", "c2", ContactKind.PERSONAL_EMAIL),
        Point("s-press", "c4", ContactKind.WORK_EMAIL),
        Point("nobody", "c5", ContactKind.WORK_EMAIL),
    ]
    entries = base_entries(T, [T, P, SIBLING], posts, points)
    assert [(e.org_id, e.person_id, e.role, e.contact_id) for e in entries] == [
        (None, "t-chair", "chair", "c1"),  # the submitting org's own line names no org
        (P, "p-chair", "chair,info_activist", "c3"),
        (P, "p-chair", "chair,info_activist", "c2"),
        (SIBLING, "s-press", "press_secretary", "c4"),
        (SIBLING, "t-chair", "chair", "c1"),
    ]
