"""The formulas of K1–K9 (RULES.md X) for one org and one period, as written in docs/kpi.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .facts import INFORMATION_POSTS, Channel, OrgFacts, covering
from .feedback import measured
from .periods import Period, parse_period, week_of
from .shown import Exact, shown, up

Value = Exact | None
"""An exact figure (a count, or a ratio as a fraction), or none."""


@dataclass(frozen=True)
class Figure:
    """An indicator's exact value for an org and period, the parts it was made of, and the figures beside it."""

    value: Value
    components: dict[str, Any] = field(default_factory=dict)
    at_most: Value = None
    """Set when `value` is only the least the figure can be (K6's non-union audience: no service records who follows
    which public resource)."""
    parts: dict[str, Figure] = field(default_factory=dict)
    """The indicator's other figures (K5's citations, K6's non-union audience), each with a target of its own."""

    @property
    def most(self) -> Value:
        """The most the figure can be: its value when that is exact."""
        return self.value if self.at_most is None else self.at_most


AUDIENCE_KINDS = frozenset({"website", "social_page"})
"""K4 counts the audience of websites and social pages."""
REACHES = {"mailing_list": frozenset({"work_email", "personal_email"}), "chat": frozenset({"mobile", "messenger"})}
"""K6: the electronic channels with members (P3) and the kinds of address each reaches a member at: a mailing list
their e-mail, a chat their mobile or messenger."""
DIGITAL_KINDS = frozenset({"mailing_list", "chat", "social_page", "website", "feedback_form"})
"""K7: resources worked with digital tools; notice boards, print and (telephone) hotlines are not."""
FAST_HOURS, SLOW_HOURS = 24, 72
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
    share = None if not budget.total else Fraction(budget.information) / Fraction(budget.total)
    return Figure(share, {"total": str(budget.total), "information": str(budget.information)})


def exchange_regularity(f: OrgFacts, p: Period) -> Figure:
    """K3: share of the period's weeks in which the org sent up, cascaded or acknowledged a material (X5)."""
    inside = [a for a in f.acts if p.contains(a.on)]
    weeks = p.weeks()
    active = {week_of(a.on) for a in inside}
    materials = {a.material_id for a in inside if a.kind in ("sent_up", "cascaded")}
    return Figure(
        Fraction(len(active), len(weeks)),
        {
            "active_weeks": len(active),
            "weeks": len(weeks),
            "materials": len(materials),
            "materials_per_week": shown(Fraction(len(materials), len(weeks))),
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
    """K5, two figures: publications in the period positive in tone (the value) and those citing a union leader
    (part `citations`); a publication counts once in each figure it qualifies for."""
    inside = [m for m in f.mentions if p.contains(m.on)]
    positive, citations = sum(m.tone == "positive" for m in inside), sum(m.cites_leader for m in inside)
    components = {
        "positive": positive,
        "citing_leaders": citations,
        "negative": sum(m.tone == "negative" for m in inside),
        "reported": len(inside),
    }
    return Figure(positive, components, parts={"citations": Figure(citations)})


def reach(f: OrgFacts, p: Period) -> Figure:
    """K6: the members reached, each once, by the org's mailing lists and chats for members running on the period's
    last day — those with an address of a kind one of them uses, usable that day — ÷ its members (at most 1); the
    non-union audience of its public resources is a figure of its own."""
    running = [c for c in f.channels if c.runs_on(p.last)]
    for_members = [c for c in running if c.kind in REACHES and c.audience == "members"]
    used = frozenset().union(*(REACHES[c.kind] for c in for_members))
    reached = sum(n for held, n in f.members_addresses.items() if held & used)
    subscribers = _subscribers(f, for_members, p.last)
    public = bounds(_subscribers(f, [c for c in running if c.audience == "public"], p.last))
    non_union = Figure(public[0], at_most=_unless_equal(*public))
    members = f.members
    components = {
        "reached": reached,
        "members": members,
        "on_record": sum(f.members_addresses.values()),
        "channels": len(for_members),
        "subscribers_at_least": max(subscribers, default=0),
        "subscribers_at_most": sum(subscribers),
    }
    share = Fraction(min(reached, members), members) if members else None
    return Figure(share, components, parts={"non_union": non_union})


def bounds(subscribers: list[int]) -> tuple[int, int]:
    """People following several resources, each counted once, known only by each resource's count: at least the
    largest's, at most all of them added (one resource is exact)."""
    return max(subscribers, default=0), sum(subscribers)


def digital_maturity(f: OrgFacts, p: Period) -> Figure:
    """K7: an index 0–100, five components of 20 points each (docs/kpi.md), counted exactly."""
    running = [c for c in f.channels if c.runs_on(p.last)]
    published = any(c.kind in AUDIENCE_KINDS or c.audience == "public" for c in running)
    form = any(c.kind == "feedback_form" for c in running)
    hotline = any(c.kind == "hotline" for c in running)
    hours, appeals = _average_hours(f, p), measured(f.appeals, p)
    # measured where the org has appeals with a verdict; the reported figure only where it has none
    speed = 20 * (appeals.share_on_time if appeals.share_on_time is not None else _speed(hours))
    digital = 20 * Fraction(sum(c.kind in DIGITAL_KINDS for c in running), len(running)) if running else Fraction(0)
    fixed = {"contacts_published": 20 if published else 0, "feedback_form": 20 if form else 0, "hotline": 20 if hotline else 0}
    index = sum(fixed.values()) + speed + digital
    points = {**fixed, "feedback_speed": shown(speed, 1), "digital_share": shown(digital, 1)}
    measures = {"speed_from": "appeals" if appeals.appeals else "reports", "appeals": appeals.shown()}
    measures["appeals_subtree"] = measured(f.subtree_appeals, p).shown()
    return Figure(index, {**points, "average_hours": None if hours is None else str(up(hours, 2)), **measures})


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


def _subscribers(f: OrgFacts, channels: list[Channel], day: date) -> list[int]:
    """Each channel's subscribers by its latest report for a span ending on or before the day (none reported: 0)."""
    return [_subscribers_by(f, c.channel_id, day) for c in channels]


def _subscribers_by(f: OrgFacts, channel_id: str, day: date) -> int:
    """The channel's subscribers by its latest report for a span ending on or before the day."""
    dated = [(parse_period(s.period, months=True).last, s) for s in f.stats if s.channel_id == channel_id]
    before = [(end, s) for end, s in dated if end <= day]
    return (max(before, key=lambda pair: pair[0])[1].subscribers or 0) if before else 0


def _unless_equal(least: Exact, most: Exact) -> Exact | None:
    """The upper bound, or None when it equals the lower one (the figure is exact)."""
    return None if most == least else most


def _speed(hours: Fraction | None) -> Fraction:
    """The share of K7's speed component earned: whole within a day, half within three days (compared exactly)."""
    if hours is None or hours > SLOW_HOURS:
        return Fraction(0)
    return Fraction(1) if hours <= FAST_HOURS else Fraction(1, 2)


def _average_hours(f: OrgFacts, p: Period) -> Fraction | None:
    """The exact average answer time over the period's reports, weighted by questions answered."""
    reports = [r for r in covering(f.feedback, p) if r.answered > 0]
    answered = sum(r.answered for r in reports)
    if not answered:
        return None
    return sum((Fraction(r.average_hours) * r.answered for r in reports), Fraction(0)) / answered
