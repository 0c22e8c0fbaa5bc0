"""The KPI targets form without a browser: what a reader types becomes the targets the contract accepts (a share in
per cent a fraction), each refusal names its indicator, and the targets set read back as they were typed."""

from __future__ import annotations

from decimal import Decimal

from gateway.ui.i18n import Formats
from gateway.ui.routes.kpi import read_targets, shown_targets, typed


def test_a_number_typed_in_russian_or_english_is_read_plainly() -> None:
    assert typed("1\u00a0500,5", "ru") == "1500.5"
    assert typed(" 2 500 ", "ru") == "2500"
    assert typed("1,500.5", "en") == "1500.5"


def test_shares_are_typed_in_per_cent_and_counts_whole() -> None:
    form = {"K2": "5,5", "K9": "3", "K1": "1,5", "K6_non_union": "200", "K3": "", "K7": "abc"}
    targets, wrong = read_targets(form, "ru")
    assert targets == {"K2": Decimal("0.055"), "K9": Decimal("3"), "K6.non_union": Decimal("200")}
    assert sorted(wrong) == ["K1", "K7"], "a fraction of a count and a word are refused, each by its indicator"


def test_a_share_above_a_hundred_per_cent_and_an_index_above_a_hundred_are_refused() -> None:
    _, wrong = read_targets({"K3": "101", "K7": "100,5", "K5_citations": "-1"}, "ru")
    assert sorted(wrong) == ["K3", "K5.citations", "K7"]
    _, wrong = read_targets({"K3": "100", "K7": "100"}, "ru")
    assert wrong == []


def test_targets_set_read_back_as_a_reader_types_them() -> None:
    shown = shown_targets(Formats("ru"), {"K2": 0.055, "K9": 3.0, "K4": 12000.0, "K5.citations": 2.0})
    assert shown == {"K2": "5,5", "K9": "3", "K4": "12000", "K5_citations": "2"}
    typed_back, wrong = read_targets(shown, "ru")
    assert not wrong and typed_back["K2"] == Decimal("0.055") and typed_back["K4"] == Decimal("12000")
