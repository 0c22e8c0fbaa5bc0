"""A value refused by its pattern (an e-mail, an address on the internet, a period) reads in plain Russian beside its
field, never as «the value of the field “the form”» (no servers)."""

from __future__ import annotations

from contracts.contacts import Stats
from contracts.exchange import Party
from gateway.ui.forms import messages, parse
from gateway.ui.i18n import Formats


def test_a_malformed_email_and_period_are_named_in_russian() -> None:
    ru = Formats("ru")
    _, problems = parse(Party, {"kind": "fnpr", "name": "ФНПР", "email": "не почта"})
    assert messages(ru, problems) == {"email": "Значение записано неверно."}
    _, problems = parse(Stats, {"period": "2025-13", "visits": "10"})
    assert messages(ru, problems) == {"period": "Такого периода нет: укажите год, квартал или месяц."}
