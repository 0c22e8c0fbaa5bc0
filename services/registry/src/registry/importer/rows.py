"""The CSV files an import reads, one pydantic model per row; empty cells are absent values.

A `parent_ref` or `org_ref` names an org by its `ref` in these files (or an earlier import), or by its id.

orgs.csv        ref, name, level, parent_ref, registered_on
headcounts.csv  org_ref, members, as_of
officers.csv    ref, org_ref, full_name, role, since, until, released, trained
members.csv     ref, org_ref, full_name, birth_date, position, since
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pydantic import Field

from contracts.base import OneLine
from contracts.officers import OfficerRole
from contracts.registry import Level
from kit.csvimport import Line, Problem, Row, parse, read_rows, records

REF = Field(min_length=1, max_length=100, description="The row's key in the source system; a re-run skips known keys")


class OrgRow(Row):
    ref: str = REF
    name: OneLine = Field(min_length=1, max_length=300)
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
    full_name: OneLine = Field(min_length=1, max_length=300)
    role: OfficerRole
    since: date
    until: date | None = None
    released: bool = False
    trained: bool = False


class MemberRow(Row):
    ref: str = REF
    org_ref: str = REF
    full_name: OneLine = Field(min_length=1, max_length=300)
    birth_date: date | None = None
    position: OneLine | None = Field(None, max_length=300)
    since: date


FILES: dict[str, type[Row]] = {"orgs": OrgRow, "headcounts": HeadcountRow, "officers": OfficerRow, "members": MemberRow}
"""Each kind of row and its file, `<kind>.csv`, in the order they are imported."""


UNCHANGED = ("orgs", "headcounts")
"""Kinds whose rows are checked for changes on a re-run; people's rows keep no digest of their data."""


def digest(kind: str, row: Row) -> str | None:
    """What a re-run compares for the kinds in UNCHANGED."""
    return hashlib.sha256(row.model_dump_json().encode()).hexdigest() if kind in UNCHANGED else None


def read(folder: Path, kind: str, problems: list[Problem]) -> list[Line]:
    """Every row of `<kind>.csv` that parses; the others become problems."""
    return read_rows(folder / f"{kind}.csv", FILES[kind], problems)


def chunks(folder: Path, kind: str, problems: list[Problem], size: int, seen: set[int] | None = None) -> Iterator[list[Line]]:
    """The rows of `<kind>.csv` that parse, `size` at a time, so a million members never sit in memory at once; the
    others become problems. With `seen`, a `ref` met before is a problem of its later row: `seen` keeps 8-byte
    digests of the refs, not the refs, so it stays small (a collision would only report a false duplicate)."""
    path = folder / f"{kind}.csv"
    if not path.exists():
        return
    model, chunk = FILES[kind], []
    for line, raw in records(path):
        row = parse(path.name, line, raw, model, problems)
        if row is None:
            continue
        if seen is not None:
            ref: str = row.ref  # type: ignore[attr-defined]  # every kind has a key (a headcount's is made)
            key = int.from_bytes(hashlib.blake2b(ref.encode(), digest_size=8).digest())
            if key in seen:
                problems.append(Problem(path.name, line, "ref", f"{ref!r} appears twice in the file"))
                continue
            seen.add(key)
        chunk.append(Line(line, row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = ["Line", "Problem", "chunks", "read"]
