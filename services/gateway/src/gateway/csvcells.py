"""CSV exports a spreadsheet cannot run: a cell that would start a formula is written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What Excel, LibreOffice and Google Sheets read as the start of a formula (or strip before one)."""
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def neutral(cell: Any) -> Any:
    """The cell, or its text behind a `'` when a spreadsheet would take it for a formula; a plain number stays one."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header and rows as CSV, every cell neutralised (None is an empty cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([neutral(cell) for cell in row] for row in rows)
    return out.getvalue()
