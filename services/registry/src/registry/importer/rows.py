"""The CSV files an import reads, one pydantic model per row; empty cells are absent values.

A `parent_ref` or `org_ref` names an org by its `ref` in these files (or an earlier import), or by its id.

orgs.csv        ref, name, level, parent_ref, registered_on
headcounts.csv  org_ref, members, as_of
officers.csv    ref, org_ref, full_name, role, since, until, released, trained
members.csv     ref, org_ref, full_name, birth_date, position, since
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.officers import OfficerRole
from contracts.registry import Level

REF = Field(min_length=1, max_length=100, description="The row's key in the source system; a re-run skips known keys")


class Row(BaseModel):
    """A CSV row: unknown columns are refused, so a misspelt header never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class OrgRow(Row):
    ref: str = REF
    name: str = Field(min_length=1, max_length=300)
    level: Level
    parent_ref: str | None = None
    registered_on: date


class HeadcountRow(Row):
    org_ref: str = REF
    members: int = Field(ge=0, le=10_000_000)
    as_of: date

    @property
    def ref(self) -> str:
        return f"{self.org_ref}@{self.as_of.isoformat()}"


class OfficerRow(Row):
    ref: str = REF
    org_ref: str = REF
    full_name: str = Field(min_length=1, max_length=300)
    role: OfficerRole
    since: date
    until: date | None = None
    released: bool = False
    trained: bool = False


class MemberRow(Row):
    ref: str = REF
    org_ref: str = REF
    full_name: str = Field(min_length=1, max_length=300)
    birth_date: date | None = None
    position: str | None = Field(None, max_length=300)
    since: date


FILES: dict[str, type[Row]] = {"orgs": OrgRow, "headcounts": HeadcountRow, "officers": OfficerRow, "members": MemberRow}
"""Each kind of row and its file, `<kind>.csv`, in the order they are imported."""

R = TypeVar("R", bound=Row)


@dataclass(frozen=True)
class Problem:
    """A row that cannot be imported, by file and line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Line:
    """A parsed row and where it came from."""

    line: int
    row: Any


def read(folder: Path, kind: str, problems: list[Problem]) -> list[Line]:
    """Every row of `<kind>.csv` that parses; the others become problems. A missing file is no rows."""
    path = folder / f"{kind}.csv"
    if not path.exists():
        return []
    model, parsed, seen = FILES[kind], [], set[str]()
    for line, raw in _records(path):
        if None in raw:
            problems.append(Problem(path.name, line, "row", "more cells than the header names"))
            continue
        try:
            row = model.model_validate({k.strip(): v for k, v in raw.items() if v not in ("", None)})
        except ValidationError as e:
            for err in e.errors():
                problems.append(Problem(path.name, line, ".".join(map(str, err["loc"])) or "row", err["msg"]))
            continue
        key = getattr(row, "ref", "")
        if key in seen:
            problems.append(Problem(path.name, line, "ref", f"{key!r} appears twice in the file"))
            continue
        seen.add(key)
        parsed.append(Line(line, row))
    return parsed


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        for raw in reader:
            yield reader.line_num, raw
