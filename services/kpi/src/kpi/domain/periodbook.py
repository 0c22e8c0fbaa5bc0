"""An org's book for one period: the targets its elected body set, and whether the period is closed (X).
A closed period's figures are frozen; facts learnt later show beside them as a restatement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from contracts.base import Event
from contracts.kpi import INDICATORS, PeriodClosed, SetTargets, TargetSet
from kit.errors import RuleBroken, conflict

from .indicators import DEFAULT_TARGETS, Figure, Value
from .periods import Period


@dataclass(frozen=True)
class PeriodBook:
    """The state of one org's period stream."""

    targets: dict[str, Decimal] = field(default_factory=dict)
    closed: PeriodClosed | None = None


def evolve(book: PeriodBook, event: Event) -> PeriodBook:
    """The book after one more of its events."""
    match event:
        case TargetSet():
            return PeriodBook(dict(event.targets), book.closed)
        case PeriodClosed():
            return PeriodBook(book.targets, event)
    return book


def stream_id(org_id: str, period: str) -> str:
    """One stream per org and period holds its targets and its closing."""
    return f"period-{org_id}-{period}"


def decide_targets(book: PeriodBook, cmd: SetTargets) -> list[Event]:
    """Sets the period's targets, unless it is closed (its figures, targets included, are frozen)."""
    if book.closed is not None:
        raise RuleBroken("X", f"the period {cmd.period} is closed; its targets are frozen", field="period")
    return [TargetSet(org_id=cmd.org_id, period=cmd.period, targets=dict(cmd.targets))]


def decide_close(book: PeriodBook, org_id: str, period: Period, today: date, figures: dict[str, Any]) -> list[Event]:
    """Closes a period that is over, freezing the figures as they stand; a period closes once."""
    if book.closed is not None:
        raise conflict(f"the period {period.name} was closed on {book.closed.closed_on.isoformat()}")
    if today <= period.last:
        raise RuleBroken("X", f"the period {period.name} runs until {period.last.isoformat()}; close it after", field="period")
    return [PeriodClosed(org_id=org_id, period=period.name, closed_on=today, figures=figures)]


def target_of(targets: Mapping[str, Decimal], indicator: str) -> Decimal | None:
    """The target set for the indicator, else the norm of the rules (K2: M1's 5 %), else none."""
    return targets.get(indicator, DEFAULT_TARGETS.get(indicator))


def met(value: Value, target: Decimal | None) -> bool | None:
    """Whether the value reaches the target (every indicator counts up); None without both."""
    if value is None or target is None:
        return None
    return Decimal(str(value)) >= target


def line(figure: Figure, target: Decimal | None, rolled: Value) -> dict[str, Any]:
    """One indicator as the kpi query answers it."""
    return {
        "value": figure.value,
        "target": None if target is None else float(target),
        "met": met(figure.value, target),
        "rollup": rolled,
        "components": figure.components,
    }


def with_restatement(frozen: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """A closed period's line: the frozen figure, and beside it what the facts known now say, if that differs."""
    changed = frozen.get("value") != current.get("value") or frozen.get("rollup") != current.get("rollup")
    restatement = {"value": current.get("value"), "rollup": current.get("rollup"), "components": current.get("components")}
    return {**frozen, "restatement": restatement if changed else None}


def figures_of(lines: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The lines in indicator order."""
    return {k: dict(lines[k]) for k in INDICATORS if k in lines}
