"""Long lists a page at a time, as the members' search pages: 50 a page, the next page starting after the last row
shown (its id is the cursor in the address), so a page never grows with the list.

A service that pages its list itself (`limit`, `cursor`) is asked for one row more than a page (`served`): the extra
row says a next page follows, and the place of the page's first row travels in the address (`<param>_at`), as a
cursor can't say it. A list a service answers whole is cut here (`paged`), its ties on the order's date settled by
the rows' ids, so that a page starts where the one before it ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from contracts.envelope import Error

from ..errors import ApiError

if TYPE_CHECKING:
    from .page import Ui  # the page imports this module

PAGE = 50
LAST_PLACE = 100_000_000
"""A place in a list no address may name beyond (an address is typed by hand as well as followed)."""


@dataclass(frozen=True)
class Paged:
    """One page of a list: its rows, the place of its first row (1-based), the list's length, the next page's cursor."""

    rows: list[Any]
    at: int
    total: int | None
    """The list's length, when the whole list was read (a service's page doesn't say it)."""
    next: str | None

    @property
    def more(self) -> bool:
        """Whether a next page follows."""
        return self.next is not None

    @property
    def last(self) -> int:
        """The place of the page's last row."""
        return self.at + len(self.rows) - 1


def paged(
    rows: Sequence[Any], cursor: str | None, key: str = "id", by: str | None = None, newest_first: bool = False, size: int = PAGE
) -> Paged:
    """The page after the row whose `key` is `cursor` (the first page without one, or when that row is gone); `by`:
    the field the list is ordered by (newest first or oldest first), its ties settled by `key`."""
    if by is not None:
        rows = sorted(rows, key=lambda r: str(r.get(key)))
        rows = sorted(rows, key=lambda r: str(r.get(by) or ""), reverse=newest_first)  # stable: ties keep their order
    start = 0
    if cursor:
        start = next((i + 1 for i, r in enumerate(rows) if str(r.get(key)) == cursor), 0)
    shown = list(rows[start : start + size])
    more = start + size < len(rows)
    return Paged(shown, start + 1, len(rows), str(shown[-1].get(key)) if more and shown else None)


def served(rows: Sequence[Any], at: int | str | None, key: str = "id", size: int = PAGE) -> Paged:
    """A page from a service asked for `size + 1` rows after the cursor; `at`: the place of its first row, from the
    address (1 when missing, not a number or past any list's length)."""
    place = int(at) if isinstance(at, int) or (isinstance(at, str) and at.isdigit() and len(at) <= 9) else 1
    place = place if 0 < place <= LAST_PLACE else 1
    shown = list(rows[:size])
    more = len(rows) > size and bool(shown)
    return Paged(shown, place, None, str(shown[-1].get(key)) if more else None)


async def after_cursor(ui: Ui, service: str, verb: str, payload: dict[str, Any], cursor: str | None) -> tuple[Any, bool]:
    """A service's answer after the address's cursor, or from the list's start when the service finds no such row in
    it (gone since, or mistyped in the address): the answer, and whether it went on from the cursor."""
    if cursor:
        try:
            return await ui.ask(service, verb, {**payload, "cursor": cursor}), True
        except ApiError as e:
            if not any(d.field == "cursor" for d in e.error.details):
                raise
    return await ui.ask(service, verb, payload), False


@dataclass(frozen=True)
class Served:
    """A page a service answered (None when it refused: `error`), and the cursor it was read after (None: the first)."""

    page: Paged | None
    error: Error | None
    cursor: str | None


async def one_page(ui: Ui, service: str, verb: str, payload: dict[str, Any], cursor: str | None, at: str | None) -> Served:
    """A page of a list its service pages (`PAGE + 1` rows after the address's cursor), for a part of a page that may
    be refused on its own."""
    try:
        rows, went_on = await after_cursor(ui, service, verb, {**payload, "limit": PAGE + 1}, cursor)
    except ApiError as e:
        return Served(None, e.error, cursor or None)
    return Served(served(rows, at if went_on else None), None, cursor if went_on else None)


def address(path: str, **params: Any) -> str:
    """A page's address with its query (empty values left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", False)})
    return f"{path}?{query}" if query else path
