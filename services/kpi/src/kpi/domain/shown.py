"""How exact figures are shown. Every share is counted exactly and rounded only where it is shown (RULES.md,
counting conventions): cut, never rounded up, so a shown figure never looks as if it reached a target it
missed (4.996 % shows as 0.0499, not 0.05) — as audits shows M1's percentages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Exact = int | Fraction
"""A figure as counted: a whole count, or a ratio as an exact fraction (1/53 stays 1/53)."""

RATIO_PLACES = 4
"""Ratios are shown as fractions to 4 decimal places (0.0499 is 4.99 %)."""


def cut(x: Exact, places: int) -> Decimal:
    """The figure cut toward zero to `places` decimal places (figures are never negative)."""
    # integer arithmetic on the fraction's terms: a Fraction made per figure cost most of a union's K1–K9
    if isinstance(x, int):
        return _decimal(x * 10**places, places)
    return _decimal(x.numerator * 10**places // x.denominator, places)


def up(x: Exact, places: int) -> Decimal:
    """The figure rounded up to `places` decimal places: for a figure that must stay under a threshold (hours)."""
    if isinstance(x, int):
        return _decimal(x * 10**places, places)
    return _decimal(-(-x.numerator * 10**places // x.denominator), places)


def shown(x: Exact | None, places: int = RATIO_PLACES) -> int | float | None:
    """A figure as the answers show it: a count as it is, a ratio cut to `places` decimal places."""
    if x is None or isinstance(x, int):
        return x
    return float(cut(x, places))


def exact_text(x: Exact | None) -> str | None:
    """The exact figure as text any rational parser reads: a decimal when it ends ("0.04996"), else "1/53". One too
    long to read (a roll-up over many budgets has a denominator of thousands of digits) is cut to 30 places and
    ends in "…"."""
    if x is None:
        return None
    q = Fraction(x)
    if max(q.numerator.bit_length(), q.denominator.bit_length()) > LONGEST_BITS:
        return f"{cut(q, LONGEST_PLACES):f}…"
    places = _decimal_places(q.denominator)
    if places is None:
        return f"{q.numerator}/{q.denominator}"
    return format(_decimal(q.numerator * 10**places // q.denominator, places), "f")


def read_exact(text: str) -> Fraction:
    """The figure an exact text gives (one too long to read gives its 30 places)."""
    return Fraction(text.rstrip("…"))


LONGEST_BITS, LONGEST_PLACES = 96, 30
"""A fraction whose numerator or denominator is longer than 96 bits (28 digits) is shown to 30 places, cut."""


def _decimal_places(denominator: int) -> int | None:
    """How many decimal places a fraction with this denominator ends after; None if it never ends."""
    places = 0
    for prime in (2, 5):
        power = 0
        while denominator % prime == 0:
            denominator, power = denominator // prime, power + 1
        places = max(places, power)
    return places if denominator == 1 else None


def _decimal(units: int, places: int) -> Decimal:
    """`units` × 10^-places as a decimal, every digit kept (arithmetic would round it to the context's 28 digits)."""
    return Decimal(f"{units}E-{places}")
