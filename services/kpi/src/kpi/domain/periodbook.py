"""An org's book for one period: the targets its elected body set, and whether the period is closed (X).
A closed period's figures are frozen; facts learnt later show beside them as a restatement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from contracts.base import Event
from contracts.kpi import INDICATORS, PeriodClosed, SetTargets, TargetSet
from kit.errors import RuleBroken, conflict

from .indicators import DEFAULT_TARGETS, Figure
from .periods import Period
from .shown import RATIO_PLACES, exact_text, read_exact, shown

VALUE_PLACES = {"K7": 1}
"""K7's index is shown to 0.1 point; every other ratio, and every roll-up of a ratio, to 4 places."""
BOUNDED = frozenset({"K6.non_union"})
"""Lines that show the most their figure can be beside its value (K6's non-union audience counts each person once,
knowing only how many follow each public resource)."""
LEGACY_ERROR = {"K7": Fraction(1, 10)}
"""How far a figure frozen before exact figures were kept may be from the exact one for rounding alone."""


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
    """The target set for the indicator (or for one of its parts, `K5.citations`), else the norm of the rules
    (K2: M1's 5 %), else none."""
    return targets.get(indicator, DEFAULT_TARGETS.get(indicator))


def met(figure: Figure, target: Decimal | None) -> bool | None:
    """Whether the exact figure reaches the target (every indicator counts up): never a rounded one, so 4.996 %
    misses 5 %. None without both, or when the figure is known only between bounds on either side of it (K6's
    non-union audience)."""
    if figure.value is None or target is None:
        return None
    goal = Fraction(target)
    if figure.value >= goal:
        return True
    return None if figure.most is not None and figure.most >= goal else False


def line(indicator: str, figure: Figure, targets: Mapping[str, Decimal], rolled: Figure) -> dict[str, Any]:
    """One indicator (or one part of it) as the kpi query answers it: shown figures, exact ones and verdicts."""
    target = target_of(targets, indicator)
    answer: dict[str, Any] = {
        "value": shown(figure.value, VALUE_PLACES.get(indicator, RATIO_PLACES)),
        "value_exact": exact_text(figure.value),
        "target": None if target is None else float(target),
        "met": met(figure, target),
        "rollup": shown(rolled.value),
        "rollup_exact": exact_text(rolled.value),
        "rollup_met": met(rolled, target),
        "components": figure.components,
    }
    if indicator in BOUNDED:
        answer |= {"value_at_most": shown(figure.most), "rollup_at_most": shown(rolled.most)}
    if figure.parts:
        none = Figure(None)
        answer["parts"] = {
            name: line(f"{indicator}.{name}", part, targets, rolled.parts.get(name, none)) for name, part in figure.parts.items()
        }
    return answer


def with_restatement(indicator: str, frozen: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """A closed period's line: the frozen figure, and beside it what the facts known now say, if that differs."""
    keys = ("value", "value_exact", "met", "rollup", "rollup_exact", "rollup_met", "components", "parts")
    restatement = {k: current.get(k) for k in keys if k in current}
    return {**frozen, "restatement": restatement if _differs(indicator, frozen, current) else None}


def _differs(indicator: str, frozen: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether the facts known now give other figures than those frozen, compared exactly."""
    if "value_exact" not in frozen:
        return _differs_legacy(indicator, frozen, current)
    if any(frozen.get(k) != current.get(k) for k in ("value_exact", "rollup_exact")):
        return True
    now, then = current.get("parts") or {}, frozen.get("parts") or {}
    return any(_differs(f"{indicator}.{name}", then.get(name, {}), part) for name, part in now.items())


def _differs_legacy(indicator: str, frozen: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """A line frozen before exact figures were kept was rounded half to even (and its roll-up weighed rounded
    values): it differs only where the exact figure is further from it than a unit of its last place."""
    error = LEGACY_ERROR.get(indicator, Fraction(1, 10**RATIO_PLACES))
    for then, now in (("value", "value_exact"), ("rollup", "rollup_exact")):
        shown_then, exact_now = frozen.get(then), current.get(now)
        if shown_then is None or exact_now is None:
            if (shown_then is None) != (exact_now is None):
                return True
        elif abs(Fraction(str(shown_then)) - read_exact(exact_now)) > (0 if isinstance(shown_then, int) else error):
            return True
    return False


def members_shown(frozen: Mapping[str, Any] | None, live: int | None) -> dict[str, Any]:
    """An answer's members: an open period's are live; a closed one's as they stood at its closing (frozen with K6,
    which counts them), with the live count beside them as a restatement if it differs, so the answer is frozen as a
    whole. A period closed before they were kept shows the live count and says so (`members_live`)."""
    if frozen is None:
        return {"members": live, "members_live": True, "members_restatement": None}
    components = (frozen.get("K6") or {}).get("components") or {}
    if "members" not in components:
        return {"members": live, "members_live": True, "members_restatement": None}
    then = components["members"]
    return {"members": then, "members_live": False, "members_restatement": None if live == then else live}


def figures_of(lines: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The lines in indicator order."""
    return {k: dict(lines[k]) for k in INDICATORS if k in lines}
