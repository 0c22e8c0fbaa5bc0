"""`python -m bench.capacity [BENCHMARKS.md]`: what a national federation needs, worked out from a bench run's figures.

The workload of a federation of 20 million members and 100,000 primary orgs (`Federation`, each number a stated
assumption) is multiplied by the CPU each unit of work cost in the run (`commands.cpu.*` an admission,
`cascade.cpu.*` a delivery, `mail.cpu.*` a letter, `gateway.cpu.*` a view) and set beside the rates the single-active
parts reached (one sender, one cascade runner, one writer of the tree), so the part that saturates first is named
from measurements, not guessed. docs/capacity.md reads its tables from here."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Federation:
    """A national federation's busiest hours, each number an assumption docs/capacity.md states."""

    members: int = 20_000_000
    primary: int = 100_000
    territorial: int = 1_000
    officers_mailed: int = 4  # addressees with a usable e-mail an org: a cascade's letters = orgs × this
    member_changes_a_year: float = 0.25  # admissions, leavings and transfers, a share of the members
    working_hours: int = 250 * 8
    busy_hour_share: float = 0.05  # of a year's member changes in its busiest hour (a campaign's, an import's day)
    staff_online: int = 20_000  # info workers and staff signed in at the busiest hour
    views_a_minute: float = 3.0  # pages and API reads each of them asks a minute
    event_bytes: int = 600  # one event on a stream: its payload and CloudEvents headers
    cc_cascades_a_week: int = 5
    territorial_cascades_a_week: int = 5  # each territorial org's, to its own primaries


def figures(markdown: str) -> dict[str, float]:
    """The value column of BENCHMARKS.md's figures table, by figure name, of the largest union measured (its rows come
    last); and `cascade.deliveries`, read from the cascade's unit ("s for 5080 deliveries")."""
    found = {}
    # | name | union ("1,000 orgs" or "–"; tables before the curve have no such column) | value | unit |
    row = r"^\| ([a-z_.0-9]+) \|(?: (?:[0-9,]+ orgs|–) \|)? ([0-9,.]+) \| ([^|]*) \|"
    for name, value, unit in re.findall(row, markdown, re.M):
        found[name] = float(value.replace(",", ""))
        if name == "cascade.seconds" and (n := re.search(r"for (\d+) deliveries", unit)):
            found["cascade.deliveries"] = float(n.group(1))
    return found


def _ms(f: dict[str, float], prefix: str) -> float:
    """The stack's CPU a unit (ms), every process of it but the bench's own clients."""
    if f"{prefix}.stack" in f:
        return f[f"{prefix}.stack"]
    return sum(v for k, v in f.items() if k.startswith(prefix + ".") and not k.endswith(".clients"))


def plan(f: dict[str, float], fed: Federation = Federation()) -> list[tuple[str, str, str]]:
    """(what, figure, how it follows) rows: cores at the busiest hour, and how long a national cascade takes."""
    orgs = fed.primary + fed.territorial + 1
    changes_busy = fed.members * fed.member_changes_a_year * fed.busy_hour_share / 3600
    views = fed.staff_online * fed.views_a_minute / 60
    command_ms, delivery_ms = _ms(f, "commands.cpu"), _ms(f, "cascade.cpu")
    letter_ms, view_ms = _ms(f, "mail.cpu"), _ms(f, "gateway.cpu")
    letters = fed.primary * fed.officers_mailed
    per_delivery_s = f["cascade.seconds"] / f["cascade.deliveries"]
    cascade_s = orgs * per_delivery_s
    mail_s = letters / f["mail.rate"]
    deliveries_a_week = fed.cc_cascades_a_week * orgs + fed.territorial_cascades_a_week * fed.primary
    exchange_gib = deliveries_a_week * 2 * fed.event_bytes / 2**30  # a delivery and its acknowledgement
    receipts_gib = deliveries_a_week * fed.officers_mailed * fed.event_bytes / 2**30  # a letter's receipt each
    return [
        ("member changes at the busiest hour", f"{changes_busy:,.0f}/s", _cores(changes_busy, command_ms)),
        ("views at the busiest hour", f"{views:,.0f}/s", _cores(views, view_ms)),
        ("a CC cascade: deliveries", f"{orgs:,}", f"{_cpu(orgs, delivery_ms)}; {cascade_s:,.0f} s at the run's pace"),
        (
            "a CC cascade: letters",
            f"{letters:,}",
            f"{_cpu(letters, letter_ms)}; {mail_s / 60:,.0f} min through one sender",
        ),
        ("tree changes, the one tree's writers", f"{f.get('tree.mixed', 0):,.0f}/s", "registrations, renames, moves, admissions"),
        ("EXCHANGE stream a week", f"{exchange_gib:,.1f} GiB", f"{deliveries_a_week:,} deliveries, each acknowledged"),
        ("NOTIFICATIONS stream a week", f"{receipts_gib:,.1f} GiB", f"{deliveries_a_week * fed.officers_mailed:,} receipts"),
    ]


def _cores(rate: float, ms: float) -> str:
    return f"× {ms:.2f} ms CPU = {rate * ms / 1000:.2f} cores"


def _cpu(units: int, ms: float) -> str:
    return f"× {ms:.2f} ms = {units * ms / 1000:,.0f} CPU s"


def main(argv: list[str]) -> int:
    """Prints the plan as a Markdown table."""
    source = Path(argv[0] if argv else "BENCHMARKS.md")
    f = figures(source.read_text())
    print("| what | how many | what it takes |\n|---|---:|---|")
    for row in plan(f):
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
