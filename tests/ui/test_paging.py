"""Without a browser: a long list's pages (gateway/ui/paging.py) follow one another without a gap or a repeat, even
when many rows share the date the list is ordered by; a cursor whose row is gone starts again from the first page."""

from __future__ import annotations

import random

from gateway.ui.paging import PAGE, paged, served


def _rows(n: int) -> list[dict[str, str]]:
    """n rows, all planned for the same two days, in no particular order of their ids."""
    return [{"id": f"{(i * 37) % 101:03d}", "planned_on": "2026-03-0" + str(1 + i % 2)} for i in range(n)]


def test_pages_cover_the_list_once_whatever_order_its_ties_came_in() -> None:
    rows, shuffle = _rows(120), random.Random(32).shuffle
    seen: list[str] = []
    cursor = None
    while True:
        answer = list(rows)
        shuffle(answer)  # each page's request may get the ties in another order
        page = paged(answer, cursor, by="planned_on", newest_first=True)
        assert page.at == len(seen) + 1 and page.total == 120
        seen += [r["id"] for r in page.rows]
        cursor = page.next
        if not page.more:
            break
    assert sorted(seen) == sorted(r["id"] for r in rows), "every row once"
    assert len(seen) == 120 and page.last == 120
    newest = sorted(r["id"] for r in rows if r["planned_on"] == "2026-03-02")
    assert seen[: len(newest)] == newest, "newest first, ties by id"


def test_a_cursor_whose_row_is_gone_starts_from_the_first_page() -> None:
    page = paged(_rows(60), "gone")
    assert (page.at, len(page.rows), page.more, page.last) == (1, 50, True, 50)
    assert paged([], None).rows == [] and not paged([], None).more


def test_a_services_page_says_more_only_when_it_was_given_the_extra_row() -> None:
    rows = [{"id": f"r{i}"} for i in range(PAGE + 1)]
    full = served(rows, "51")
    assert (full.at, full.last, full.more, full.next, full.total) == (51, 50 + PAGE, True, f"r{PAGE - 1}", None)
    exact = served(rows[:PAGE], None)
    assert (exact.at, exact.more, exact.next) == (1, False, None)
    assert served([], "x").rows == [] and served([], "0").at == 1
    assert served(rows, "9" * 23).at == 1 and served(rows, "-5").at == 1, "a typed place beyond any list starts again"
