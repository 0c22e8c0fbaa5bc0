"""Addresses, consent and resources without IO (T4, PD1, P1, P10)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

import pytest
from contacts.domain import channels, contacts
from contacts.domain.addresses import normalise
from contacts.domain.contacts import NOTHING, Contact

from contracts.base import Event
from contracts.contacts import Audience, ChannelKind, ConsentMethod, ContactKind
from kit.errors import Refused, RuleBroken

D = date.fromisoformat
TODAY = D("2026-12-07")


@pytest.mark.parametrize(
    ("kind", "written", "stored"),
    [
        (ContactKind.WORK_EMAIL, " Ivanov@Verf.RU ", "ivanov@verf.ru"),
        (ContactKind.MOBILE, "8 (912) 345-67-89", "+79123456789"),
        (ContactKind.MOBILE, "+7 912 345 67 89", "+79123456789"),
        (ContactKind.MOBILE, "9123456789", "+79123456789"),
        (ContactKind.MOBILE, "+375 29 123-45-67", "+375291234567"),
        (ContactKind.MESSENGER, "https://t.me/Sudprof_SPb", "@sudprof_spb"),
        (ContactKind.MESSENGER, "8-912-345-67-89", "+79123456789"),
    ],
)
def test_the_same_address_written_two_ways_is_one(kind: ContactKind, written: str, stored: str) -> None:
    assert normalise(kind, written) == stored


@pytest.mark.parametrize(
    ("kind", "written", "rule"),
    [
        (ContactKind.PERSONAL_EMAIL, "ivanov@", "email"),
        (ContactKind.WORK_EMAIL, "a..b@verf.ru", "email"),
        (ContactKind.MOBILE, "12345", "e164"),
        (ContactKind.MOBILE, "+7 912 345", "e164"),
        (ContactKind.MESSENGER, "@abc", "handle"),
    ],
)
def test_a_malformed_address_names_the_value_and_the_format(kind: ContactKind, written: str, rule: str) -> None:
    with pytest.raises(Refused) as refused:
        normalise(kind, written)
    assert (refused.value.details[0].field, refused.value.details[0].rule) == ("value", rule)


def recorded(kind: ContactKind, consent: bool = False) -> Contact:
    given = (D("2026-01-10"), ConsentMethod.WRITTEN) if consent else None
    return reduce(contacts.evolve, contacts.decide_add("c1", "p1", "o1", kind, "pd1:x", given, "staff"), NOTHING)


def test_a_personal_address_is_usable_only_while_consent_stands() -> None:
    assert recorded(ContactKind.WORK_EMAIL).usable, "a work address needs no consent"
    mobile = recorded(ContactKind.MOBILE)
    assert not mobile.usable
    mobile = reduce(contacts.evolve, contacts.decide_grant(mobile, D("2026-02-01"), ConsentMethod.ELECTRONIC, "staff"), mobile)
    assert mobile.usable
    withdrawn = reduce(contacts.evolve, contacts.decide_withdraw(mobile, D("2026-03-01"), "staff", TODAY), mobile)
    assert not withdrawn.usable and withdrawn.withdrawn_on == D("2026-03-01")
    with pytest.raises(Refused, match="no consent"):
        contacts.decide_withdraw(withdrawn, D("2026-03-02"), "staff", TODAY)


def test_a_withdrawn_address_is_erased_after_the_grace_period_and_never_before() -> None:
    mobile = recorded(ContactKind.MOBILE, consent=True)
    withdrawn = reduce(contacts.evolve, contacts.decide_withdraw(mobile, D("2026-03-01"), "staff", TODAY), mobile)
    assert contacts.decide_erase_withdrawn(withdrawn, D("2026-03-30"), 30) == []
    [erased] = contacts.decide_erase_withdrawn(withdrawn, D("2026-03-31"), 30)
    assert erased.event_name == "erased" and "2026-03-01" in erased.reason  # type: ignore[attr-defined]
    gone = contacts.evolve(withdrawn, erased)
    with pytest.raises(RuleBroken, match="PD1"):
        contacts.decide_grant(gone, D("2026-04-01"), ConsentMethod.WRITTEN, "staff")
    regranted = reduce(contacts.evolve, contacts.decide_grant(withdrawn, D("2026-03-05"), ConsentMethod.WRITTEN, "s"), withdrawn)
    assert contacts.decide_erase_withdrawn(regranted, D("2027-01-01"), 30) == [], "consent given again: nothing to erase"


def test_only_the_same_address_is_merged() -> None:
    a, b = recorded(ContactKind.WORK_EMAIL), Contact("c2", "p2", "o1", ContactKind.WORK_EMAIL)
    with pytest.raises(Refused, match="same address"):
        contacts.decide_merge(a, b, same_address=False, by="s")
    merged = reduce(contacts.evolve, contacts.decide_merge(a, b, same_address=True, by="s"), a)
    assert merged.merged_into == "c2" and not merged.usable
    with pytest.raises(Refused):
        contacts.decide_merge(b, b, same_address=True, by="s")


def test_resources_open_refresh_and_close_within_their_dates() -> None:
    events: list[Event] = channels.decide_open(
        True, "ch", "o1", ChannelKind.NOTICE_BOARD, "Стенд", None, Audience.MEMBERS, D("2020-01-01")
    )
    board = reduce(channels.evolve, events, channels.NONE)
    with pytest.raises(Refused):
        channels.decide_refresh(board, D("2019-12-31"), TODAY)
    with pytest.raises(Refused, match="after today") as ahead:
        channels.decide_refresh(board, TODAY + timedelta(days=1), TODAY)
    assert (ahead.value.details[0].field, ahead.value.details[0].rule) == ("at", "not_after_today")
    assert channels.decide_refresh(board, TODAY, TODAY), "today is a day come"
    board = reduce(channels.evolve, channels.decide_close(board, D("2025-01-01"), None), board)
    assert board.runs_on(D("2024-12-31")) and not board.runs_on(D("2025-01-01"))
    with pytest.raises(Refused, match="not running"):
        channels.decide_refresh(board, D("2025-01-02"), TODAY)
    with pytest.raises(RuleBroken, match="H1"):
        channels.decide_open(False, "x", "o1", ChannelKind.CHAT, "Чат", None, Audience.MEMBERS, D("2020-01-01"))
    with pytest.raises(Refused, match="at least one"):
        channels.decide_stats(board, "2024", None, None, None, TODAY)


def test_consent_dated_ahead_of_today_or_before_1900_is_refused_naming_the_field() -> None:
    contacts.consent_given(TODAY, TODAY, "given_at")
    for given, rule in (("2030-01-01", "not_after_today"), ("1899-12-31", "not_before_1900")):
        with pytest.raises(Refused) as refused:
            contacts.consent_given(D(given), TODAY, "consent.given_at")
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("consent.given_at", rule)


def test_a_withdrawal_is_dated_between_the_consent_and_today() -> None:
    mobile = recorded(ContactKind.MOBILE, consent=True)  # consent given on 2026-01-10
    for at, rule in (("2099-01-01", "not_after_today"), ("2026-01-09", "after_consent"), ("1800-01-01", "after_consent")):
        with pytest.raises(Refused) as refused:
            contacts.decide_withdraw(mobile, D(at), "staff", TODAY)
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("at", rule), at
    assert contacts.decide_withdraw(mobile, TODAY, "staff", TODAY), "withdrawn today counts"


def test_audience_figures_are_reported_for_a_period_that_has_begun() -> None:
    opened = channels.decide_open(True, "ch", "o1", ChannelKind.WEBSITE, "Сайт", None, Audience.PUBLIC, D("2020-01-01"))
    site = reduce(channels.evolve, opened, channels.NONE)
    assert channels.decide_stats(site, "2026-Q4", None, 100, None, TODAY), "the running quarter counts"
    assert channels.decide_stats(site, "2026-12", None, 100, None, TODAY), "and the running month"
    for period in ("2027", "2027-Q1", "2030-01"):
        with pytest.raises(Refused) as refused:
            channels.decide_stats(site, period, None, 100, None, TODAY)
        assert (refused.value.details[0].field, refused.value.details[0].rule) == ("period", "not_after_today"), period
    with pytest.raises(Refused) as odd:
        channels.decide_stats(site, "0001", None, 100, None, TODAY)
    assert odd.value.details[0].field == "period", "a year outside the calendar is refused, not a failure"
