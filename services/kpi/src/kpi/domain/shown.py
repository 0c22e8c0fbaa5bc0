"""How exact figures are shown. Every share is counted exactly and rounded only where it is shown (RULES.md,
counting conventions): cut, never rounded up, so a shown figure never looks as if it reached a target it
missed (4.996 % shows as 0.0499, not 0.05) — as audits shows M1's percentages."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Exact = int | Fraction
"""A figure as counted: a whole count, or a ratio as an exact fraction (1/53 stays 1/53)."""

RATIO_PLACES = 4
"""Ratios are shown as fractions to 4 decimal places (0.0499 is 4.99 %)."""


def cut(x: Exact, places: int) -> Decimal:
    """The figure cut toward zero to `places` decimal places (figures are never negative)."""
    return Decimal(math.floor(Fraction(x) * 10**places)).scaleb(-places)


def up(x: Exact, places: int) -> Decimal:
    """The figure rounded up to `places` decimal places: for a figure that must stay under a threshold (hours)."""
    return Decimal(math.ceil(Fraction(x) * 10**places)).scaleb(-places)


def shown(x: Exact | None, places: int = RATIO_PLACES) -> int | float | None:
    """A figure as the answers show it: a count as it is, a ratio cut to `places` decimal places."""
    if x is None or isinstance(x, int):
        return x
    return float(cut(x, places))


def exact_text(x: Exact | None) -> str | None:
    """The exact figure as text any rational parser reads: a decimal when it ends ("0.04996"), else "1/53"."""
    if x is None:
        return None
    q = Fraction(x)
    rest, places = q.denominator, 0
    for prime in (2, 5):
        power = 0
        while rest % prime == 0:
            rest, power = rest // prime, power + 1
        places = max(places, power)
    if rest != 1:
        return f"{q.numerator}/{q.denominator}"
    return format(Decimal(q.numerator * 10**places // q.denominator).scaleb(-places), "f")
