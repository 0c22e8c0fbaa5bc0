"""The formulas of K1–K9 (RULES.md X) for one org and one period, as written in docs/kpi.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .facts import INFORMATION_POSTS, OrgFacts, covering
from .periods import Period, parse_period, week_of

Value = int | float | None


@dataclass(frozen=True)
class Figure:
    """An indicator's value for an org and period, and the parts it was made of."""

    value: Value
    components: dict[str, Any] = field(default_factory=dict)


AUDIENCE_KINDS = frozenset({"website", "social_page"})
"""K4 counts the audience of websites and social pages."""
REACH_KINDS = frozenset({"mailing_list", "chat"})
"""K6: electronic channels with members (P3): mailing lists and chats."""
DIGITAL_KINDS = frozenset({"mailing_list", "chat", "social_page", "website", "feedback_form"})
"""K7: resources worked with digital tools; notice boards, print and (telephone) hotlines are not."""
FAST_HOURS, SLOW_HOURS = Decimal(24), Decimal(72)
"""K7: an answer within a day earns the whole speed component, within three days half of it."""


def information_structure(f: OrgFacts, p: Period) -> Figure:
    """K1: 1 if someone holds an information post on the period's last day, else 0 (M2)."""
    holders = sorted({post.person_id for post in f.posts if post.role in INFORMATION_POSTS and post.held_on(p.last)})
    return Figure(1 if holders else 0, {"holders": len(holders)})


def information_spending(f: OrgFacts, p: Period) -> Figure:
    """K2: information spending ÷ total budget of the period's calendar year (M1: as a rule ≥ 0.05)."""
    budget = f.budgets.get(p.first.year)
    if budget is None:
        return Figure(None, {"total": None, "information": None})
    share = None if not budget.total else fraction(budget.information / budget.total)
    return Figure(share, {"total": str(budget.total), "information": str(budget.information)})


def exchange_regularity(f: OrgFacts, p: Period) -> Figure:
    """K3: share of the period's weeks in which the org sent up, cascaded or acknowledged a material (X5)."""
    inside = [a for a in f.acts if p.contains(a.on)]
    weeks = p.weeks()
    active = {week_of(a.on) for a in inside}
    materials = {a.material_id for a in inside if a.kind in ("sent_up", "cascaded")}
    return Figure(
        fraction(len(active) / len(weeks)),
        {
            "active_weeks": len(active),
            "weeks": len(weeks),
            "materials": len(materials),
            "materials_per_week": fraction(len(materials) / len(weeks)),
        },
    )


def audience(f: OrgFacts, p: Period) -> Figure:
    """K4: visits of the org's websites and social pages in the period, with engagement and subscribers."""
    kinds = {c.channel_id for c in f.channels if c.kind in AUDIENCE_KINDS}
    visits = engagement = subscribers = 0
    reporting = 0
    for channel_id in sorted(kinds):
        reports = covering([s for s in f.stats if s.channel_id == channel_id], p)
        if not reports:
            continue
        reporting += 1
        visits += sum(r.visits or 0 for r in reports)
        engagement += sum(r.engagement or 0 for r in reports)
        subscribers += max(reports, key=lambda r: parse_period(r.period, months=True).last).subscribers or 0
    components = {"visits": visits, "engagement": engagement, "subscribers": subscribers, "resources_reporting": reporting}
    return Figure(visits if reporting else None, components)


def media_citation(f: OrgFacts, p: Period) -> Figure:
    """K5: publications in the period that are positive in tone or cite a union leader, each counted once."""
    inside = [m for m in f.mentions if p.contains(m.on)]
    counted = [m for m in inside if m.tone == "positive" or m.cites_leader]
    return Figure(
        len(counted),
        {
            "positive": sum(m.tone == "positive" for m in inside),
            "citing_leaders": sum(m.cites_leader for m in inside),
            "negative": sum(m.tone == "negative" for m in inside),
            "reported": len(inside),
        },
    )


def reach(f: OrgFacts, p: Period) -> Figure:
    """K6: subscribers of the org's mailing lists and chats for members ÷ its members, on the period's last day."""
    covered = 0
    for c in f.channels:
        if c.kind in REACH_KINDS and c.audience == "members" and c.runs_on(p.last):
            covered += _subscribers_by(f, c.channel_id, p.last)
    members = f.members
    value = None if not members else fraction(min(1.0, covered / members))
    return Figure(value, {"covered": covered, "members": members})


def digital_maturity(f: OrgFacts, p: Period) -> Figure:
    """K7: an index 0–100, five components of 20 points each (docs/kpi.md)."""
    running = [c for c in f.channels if c.runs_on(p.last)]
    published = any(c.kind in AUDIENCE_KINDS or c.audience == "public" for c in running)
    form = any(c.kind == "feedback_form" for c in running)
    hotline = any(c.kind == "hotline" for c in running)
    hours = _average_hours(f, p)
    speed = (
        Decimal(0)
        if hours is None
        else Decimal(1)
        if hours <= FAST_HOURS
        else Decimal("0.5")
        if hours <= SLOW_HOURS
        else Decimal(0)
    )
    digital = Decimal(sum(c.kind in DIGITAL_KINDS for c in running)) / len(running) if running else Decimal(0)
    points = {
        "contacts_published": 20 if published else 0,
        "feedback_form": 20 if form else 0,
        "hotline": 20 if hotline else 0,
        "feedback_speed": float(20 * speed),
        "digital_share": float(round(20 * digital, 1)),
    }
    index = round(sum((Decimal(str(v)) for v in points.values()), Decimal(0)), 1)
    return Figure(float(index), {**points, "average_hours": None if hours is None else str(hours)})


def participation(f: OrgFacts, p: Period) -> Figure:
    """K8: participants (on site and online) of the campaigns the org first reported in the period."""
    inside = [r for r in f.participation if p.contains(r.on)]
    on_site, online = sum(r.on_site for r in inside), sum(r.online for r in inside)
    return Figure(on_site + online, {"on_site": on_site, "online": online, "campaigns": len(inside)})


def trained(f: OrgFacts, p: Period) -> Figure:
    """K9: people in an information post on the period's last day with a training completed by then (M3)."""
    holders = {post.person_id for post in f.posts if post.role in INFORMATION_POSTS and post.held_on(p.last)}
    done = {t.person_id for t in f.trainings if t.on <= p.last}
    return Figure(len(holders & done), {"holders": len(holders)})


Formula = Callable[[OrgFacts, Period], Figure]

FORMULAS: dict[str, Formula] = {
    "K1": information_structure,
    "K2": information_spending,
    "K3": exchange_regularity,
    "K4": audience,
    "K5": media_citation,
    "K6": reach,
    "K7": digital_maturity,
    "K8": participation,
    "K9": trained,
}

RATIOS = frozenset({"K2", "K3", "K6", "K7"})
"""Indicators that roll up as averages weighted by members; the others are counts, summed."""

DEFAULT_TARGETS = {"K2": Decimal("0.05")}
"""M1's norm stands as K2's target until the org's elected body sets one."""


def _subscribers_by(f: OrgFacts, channel_id: str, day: date) -> int:
    """The channel's subscribers by its latest report for a span ending on or before the day."""
    dated = [(parse_period(s.period, months=True).last, s) for s in f.stats if s.channel_id == channel_id]
    before = [(end, s) for end, s in dated if end <= day]
    return (max(before, key=lambda pair: pair[0])[1].subscribers or 0) if before else 0


def _speed(hours: Decimal | None) -> Decimal:
    """The share of K7's speed component earned: whole within a day, half within three days."""
    if hours is None or hours > SLOW_HOURS:
        return Decimal(0)
    return Decimal(1) if hours <= FAST_HOURS else Decimal("0.5")


def _average_hours(f: OrgFacts, p: Period) -> Decimal | None:
    """The average answer time over the period's reports, weighted by questions answered."""
    reports = [r for r in covering(f.feedback, p) if r.answered > 0]
    answered = sum(r.answered for r in reports)
    if not answered:
        return None
    total = sum((r.average_hours * r.answered for r in reports), Decimal(0))
    return round(total / answered, 2)


def fraction(x: float | Decimal) -> float:
    """A ratio as the answers show it: a fraction rounded to 4 decimal places."""
    return round(float(x), 4)
