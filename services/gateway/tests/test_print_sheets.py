"""The notice-board sheet as a reader gets it: the PDF's text, its paper, its QR code, its typography, and user text
that would be markup printed as written (no servers)."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import pypdf
import pypdfium2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.sheets import Link, Sheet, render
from gateway.sheets.typography import NBSP, bound, dashes, quotes
from profset_testing.sheets import A3, A4, page_sizes, qr_codes, same_size, text_of

CHAT = Link("https://t.me/nevsky_yard_union", "Чат профкома верфи", "chat")
SHEET = Sheet(
    title="Индексация заработной платы с 1 июля",
    body="Коллективный договор подписан. Работодатель обязуется проиндексировать заработную плату.",
    org_name="ППО АО «Невская верфь»",
    sender_name="Санкт-Петербургская территориальная организация",
    day=date(2026, 5, 12),
    topics=("заработная плата", "коллективный договор"),
    link=CHAT,
)


@pytest.mark.parametrize(("paper", "size"), [("a4", A4), ("a3", A3)])
def test_a_sheet_reads_back_with_its_title_org_sender_date_and_qr_code(paper: str, size: tuple[float, float]) -> None:
    pdf = render(SHEET, paper)  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for shown in (SHEET.title, SHEET.org_name, SHEET.sender_name, "12 мая 2026", "заработная плата"):
        assert shown in text, shown
    assert all(same_size(s, size) for s in page_sizes(pdf)), page_sizes(pdf)
    assert qr_codes(pdf) == [CHAT.url]


def test_without_an_electronic_channel_the_sheet_has_no_qr_code_but_says_where_to_ask() -> None:
    pdf = render(Sheet(**{**SHEET.__dict__, "link": None}))
    assert qr_codes(pdf) == []
    assert "спросите в профкоме" in text_of(pdf)


HOSTILE = [
    '#import "evil.typ": * #panic("boom")',
    "[скобки] и {фигурные} #{1 + 1}",
    "$x^2$ и \\u{41} и \\",
    "*жирный* _курсив_ `код` ~ тильда",
    "<метка> @ссылка http://example.org // комментарий /* блок */",
    "= Заголовок",
    "+ пункт 1. и 2) и -- и --- и ...",
    "#set page(width: 1pt)",
    "\u202eперевёрнутый\u0000 текст\u0007",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_text_that_would_be_markup_is_printed_as_written(title: str) -> None:
    org = f"ППО {title}"
    pdf = render(Sheet(**{**SHEET.__dict__, "title": title, "org_name": org, "body": title, "topics": (title,)}))
    text = text_of(pdf)
    written = title.replace("\u202e", "").replace("\u0000", "").replace("\u0007", "")
    expected = " ".join(dashes(quotes(written)).replace("\u00a0", " ").split())
    assert text.count(expected) >= 4, (expected, text)  # the title, the body, the topic and the org's name
    assert all(same_size(s, A4) for s in page_sizes(pdf))


def test_russian_typography_quotes_dashes_and_hyphenation() -> None:
    assert quotes('Он сказал "мы "победим" вместе"') == "Он сказал «мы „победим“ вместе»"
    assert dashes("Зарплата - главное") == "Зарплата\u00a0— главное"
    assert bound("в цехе 12 %") == "в\u00a0цехе 12\u00a0%"
    body = " ".join(["Профессиональный союз судостроителей добивается перераспределения внебюджетных средств"] * 40)
    pdf = render(Sheet(**{**SHEET.__dict__, "title": 'Итоги "переговоров" - коротко', "body": body}))
    raw = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Итоги «переговоров» — коротко" in text_of(pdf)
    # a hyphen's glyph reads back as a soft hyphen, or as "-" when the page has a real one (the sender's name)
    assert any(line.endswith(("\u00ad", "-")) for line in raw.splitlines()), "long justified text is hyphenated"


def inside_pages(pdf: bytes) -> bool:
    """Whether every character's box lies on its page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            width, height = page.get_size()
            chars = page.get_textpage()
            for i in range(chars.count_chars()):
                left, bottom, right, top = chars.get_charbox(i)
                if left < 0 or bottom < 0 or right > width or top > height:
                    return False
    finally:
        document.close()
    return True


@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_very_long_titles_and_bodies_flow_onto_further_pages_never_off_them(paper: str) -> None:
    title = "Очень длинный заголовок " * 20 + "Сверхдлинноесловобезединогопробела" * 8
    body = "\n\n".join([("Абзац о работе профсоюза " * 60), "https://example.org/" + "a" * 400, "Ы" * 2000, "слово " * 3000])
    pdf = render(Sheet(**{**SHEET.__dict__, "title": title, "body": body}), paper)  # type: ignore[arg-type]
    sizes = page_sizes(pdf)
    assert len(sizes) > 2 and all(same_size(s, A4 if paper == "a4" else A3) for s in sizes)
    assert inside_pages(pdf)
    assert qr_codes(pdf) == [CHAT.url], "the QR code comes after the text, on the last page"


def off_page(pdf: bytes, bottom: float = 0.0) -> list[str]:
    """The characters whose box leaves their page, or comes nearer its foot than `bottom` points (the tester's check)."""
    out = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            width, height = page.get_size()
            chars = page.get_textpage()
            for i in range(chars.count_chars()):
                left, low, right, top = chars.get_charbox(i)
                if left < 0 or low < bottom or right > width or top > height:
                    out.append(chars.get_text_range(i, 1))
    finally:
        document.close()
    return out


RUNS = {
    "numbers": ("Номера цехов", "Цеха: " + " ".join(str(i) for i in range(1, 100))),
    "short words": ("Короткие слова", " ".join(["в", "на", "по", "из", "за", "от"] * 60)),
    "dates": ("Даты смен", "Смены: " + " ".join(f"{d} XI" for d in range(1, 29))),
    "wide capitals": ("Ш" * 23, "Ш" * 300),
    "wide title": ("Ш" * 300, "Ж" * 24 + " " + "W" * 300),
    "caps": ("ВНИМАНИЕ: ЧАСТНОПРЕДПРИНИМАТЕЛЬСКИЙ ВЫСОКОПРЕВОСХОДИТЕЛЬСТВО", "Тело."),
    "dashes": ("—" * 300, "m" * 300),
    "no-break spaces": (NBSP.join(["Слово"] * 40), NBSP.join(["ш"] * 200)),
}


@pytest.mark.parametrize("paper", ["a4", "a3"])
@pytest.mark.parametrize("case", RUNS)
def test_no_run_of_short_words_numbers_or_wide_letters_runs_off_the_page(case: str, paper: str) -> None:
    title, body = RUNS[case]
    long_name = "ППО " + "Щ" * 40 + " " + "профсоюзная организация " * 12
    pdf = render(Sheet(**{**SHEET.__dict__, "title": title, "body": body, "org_name": long_name}), paper)  # type: ignore[arg-type]
    assert off_page(pdf, bottom=5 * 72 / 25.4) == [], "every glyph on its page, the footer 5 mm above its foot"


def test_short_words_are_bound_one_at_a_time_never_as_a_run() -> None:
    assert bound("в на по из") == f"в{NBSP}на по{NBSP}из"
    assert bound("Цеха: 1 2 3 4") == f"Цеха: 1{NBSP}2 3{NBSP}4"
    assert bound("работа в цехе 12 %") == f"работа в{NBSP}цехе 12{NBSP}%"


def test_a_url_reads_back_whole_from_the_sheet_and_its_title_cut_at_300_never_splits_an_escape() -> None:
    url = "https://sudprof.example/news/2026/12/indeksaciya-zarplaty-na-verfi-i-v-cehah-zavoda-" + "x" * 60
    for title in ("a" * 299 + "\\", "a" * 299 + '"', "a" + "\\" * 299, '"' * 150 + "x" * 150):
        pdf = render(
            Sheet(**{**SHEET.__dict__, "title": title, "body": f"Подробнее: {url}", "link": Link(url, "Сайт", "website")})
        )
        raw = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert "\u200b" not in raw and url in "".join(raw.split()), raw
        assert off_page(pdf) == []


TEXT = st.text(st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, body=st.text(st.characters(codec="utf-8"), max_size=2000), org=TEXT, sender=TEXT, topic=TEXT)
def test_any_unicode_in_titles_bodies_and_names_always_renders_on_the_page(
    title: str, body: str, org: str, sender: str, topic: str
) -> None:
    sheet = Sheet(**{**SHEET.__dict__, "title": title, "body": body, "org_name": org, "sender_name": sender})
    for paper in ("a4", "a3"):
        pdf = render(Sheet(**{**sheet.__dict__, "topics": (topic,)}), paper)
        assert pdf.startswith(b"%PDF-") and off_page(pdf) == []


async def test_sheets_render_a_few_at_a_time_and_a_full_queue_answers_503_with_retry_after() -> None:
    from gateway.errors import ApiError
    from gateway.sheets.printer import Printer

    printer = Printer(1, 2)
    answers = await asyncio.gather(*(printer.render(SHEET, "a4") for _ in range(5)), return_exceptions=True)
    printed = [a for a in answers if isinstance(a, bytes)]
    refused = [a for a in answers if isinstance(a, ApiError)]
    assert len(printed) == 2 and len(refused) == 3, answers
    assert all(e.retry_after and e.error.code.value == "unavailable" for e in refused)
    assert (await printer.render(SHEET, "a4")).startswith(b"%PDF-"), "the queue empties"
