"""CSV files for `profset import`: any table, and a whole union of a chosen size."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]
NAMES = ["Иван", "Пётр", "Сергей", "Андрей", "Олег", "Николай", "Дмитрий", "Алексей"]


def write(folder: Path, name: str, header: list[str], rows: list[list[Any]]) -> None:
    """Writes `<folder>/<name>.csv`: the header, then the rows."""
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def union_files(folder: Path, territorial: int = 20, primary: int = 979, members: int = 50_000) -> None:
    """A CC, `territorial` territorial orgs and `primary` primary orgs; headcounts, two officers each, members."""
    orgs = [["cc", "ЦК", "central", "", "1990-01-01"]]
    orgs += [[f"t{i}", f"Территориальная {i}", "territorial", "cc", "1991-01-01"] for i in range(territorial)]
    orgs += [[f"p{i}", f"ППО {i}", "primary", f"t{i % territorial}", "1995-01-01"] for i in range(primary)]
    write(folder, "orgs", ["ref", "name", "level", "parent_ref", "registered_on"], list(reversed(orgs)))
    write(folder, "headcounts", ["org_ref", "members", "as_of"], [[f"p{i}", 100 + i, "2025-01-01"] for i in range(primary)])
    officers = [[f"o{i}", f"p{i}", f"Председатель {i}", "chair", "2020-01-01", "", "true", ""] for i in range(primary)]
    officers += [[f"w{i}", f"p{i}", f"Информработник {i}", "info_worker", "2021-01-01", "", "", "true"] for i in range(primary)]
    write(folder, "officers", ["ref", "org_ref", "full_name", "role", "since", "until", "released", "trained"], officers)
    names = itertools.cycle(itertools.product(SURNAMES, NAMES))
    rows = []
    for i in range(members):
        surname, name = next(names)
        rows.append(
            [f"m{i}", f"p{i % primary}", f"{surname} {name} №{i}", "1980-01-01" if i % 2 else "", "слесарь", "2010-01-01"]
        )
    write(folder, "members", ["ref", "org_ref", "full_name", "birth_date", "position", "since"], rows)
