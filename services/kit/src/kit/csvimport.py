"""Reading CSV files for an import: one pydantic model per row, every problem named by file, line and column,
and a progress bar for the writing that follows. Plumbing only; each service brings its own row models."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError


class Row(BaseModel):
    """A CSV row: unknown columns are refused, so a misspelt header never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class Problem:
    """A row that cannot be imported, by file and line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class Outcome:
    """What an import did: rows written and skipped per kind, or the problems that stopped it."""

    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    changed: list[Problem] = field(default_factory=list)
    """Known rows that differ from what was imported: not applied, reported."""


@dataclass(frozen=True)
class Line:
    """A parsed row and where it came from."""

    line: int
    row: Any


def read_rows(path: Path, model: type[Row], problems: list[Problem]) -> list[Line]:
    """Every row of the file that parses (empty cells are absent values); the others become problems.
    A missing file is no rows; a `ref` seen twice is a problem of the second row."""
    if not path.exists():
        return []
    parsed, seen = [], set[str]()
    for line, raw in records(path):
        row = parse(path.name, line, raw, model, problems)
        if row is None:
            continue
        key = getattr(row, "ref", None)
        if key is not None and key in seen:
            problems.append(Problem(path.name, line, "ref", f"{key!r} appears twice in the file"))
            continue
        if key is not None:
            seen.add(key)
        parsed.append(Line(line, row))
    return parsed


def parse(file: str, line: int, raw: dict[str | None, Any], model: type[Row], problems: list[Problem]) -> Row | None:
    """One record as its row (empty cells are absent values), or None with its problems added."""
    if None in raw:
        problems.append(Problem(file, line, "row", "more cells than the header names"))
        return None
    try:
        return model.model_validate({str(k).strip(): v for k, v in raw.items() if v not in ("", None)})
    except ValidationError as e:
        problems += [Problem(file, line, ".".join(map(str, err["loc"])) or "row", err["msg"]) for err in e.errors()]
        return None


def records(path: Path) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """Each record with the line it starts on (a quoted cell may hold line breaks: the record ends lines later)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        _ = reader.fieldnames  # reads the header, so the first record starts on the next line
        start = reader.line_num + 1
        for raw in reader:
            yield start, raw
            start = reader.line_num + 1


class Progress:
    """A one-line progress bar per kind of row, on a terminal or any text stream."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def show(self, kind: str, done: int, total: int) -> None:
        """Redraws the bar (on stderr unless told otherwise); ends the line when done."""
        out = self.out or sys.stderr
        if not total:
            return
        filled = 30 * done // total
        out.write(f"\r{kind:<14} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            out.write("\n")
        out.flush()
