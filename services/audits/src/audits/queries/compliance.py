"""Compliance of an org, or a summary over its subtree, as of any date and as known on any day (`known_on`: only
facts recorded by its end count) — computed from the facts' history. Who may see is decided on today's tree as known
now, whatever either date (DESIGN.md §5)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.audits import GetCompliance, ListRules, Status, SummariseCompliance
from kit.readcache import WHOLE_TREE, ReadCache, Reading
from kit.rpc import Context
from kit.tokens import Actor
from mirrors.treemirror import Orgs, known_by_end_of, orgs_on

from ..domain.catalogue import BY_ID, CATALOGUE, assess
from ..domain.readings import READINGS
from ..domain.verdicts import Verdict
from ..tables import TREE
from .facts import gather


def verdict_row(v: Verdict) -> dict[str, Any]:
    """A verdict with its rule's titles, as the API answers it."""
    rule = BY_ID[v.rule]
    return {
        "rule": v.rule,
        "title": rule.title,
        "title_ru": rule.title_ru,
        "status": v.status.value,
        "detail": v.detail,
        "detail_ru": v.detail_ru,
        "norm": v.norm,
        "reads": list(rule.reads),
    }


async def tree_for(conn: AsyncConnection, actor: Actor, org_id: str, day: date, today: date, action: str = "read_orgs") -> Orgs:
    """The tree on `day`, once the actor may do `action` at the org where it stands `today` (404 if it does not exist
    on `day`)."""
    tree = await orgs_on(conn, TREE, day, today)
    tree.require(actor, action, org_id)
    return tree


async def kept_tree_for(reading: Reading, ctx: Context, org_id: str, day: date, known_on: date | None) -> Orgs:
    """The same as known on `known_on`, the tree kept in the read cache (every compliance view reads it whole) under
    its days; access is checked on today's places, as known now, whatever `known_on`."""
    known, today = known_by_end_of(known_on, ctx.tz), ctx.today
    tree = await reading.get(("tree", day, today, known_on), lambda conn: orgs_on(conn, TREE, day, today, known), WHOLE_TREE)
    tree.require(ctx.actor, "read_orgs", org_id)
    return tree


async def verdicts_of(conn: AsyncConnection, tree: Orgs, org_ids: list[str]) -> dict[str, list[Verdict]]:
    """Each org's verdicts on the tree's day."""
    return {o: assess(f) for o, f in (await gather(conn, tree, org_ids)).items()}


def list_rules() -> list[dict[str, Any]]:
    """The catalogue as data, each rule with the reading it applies, for the UI, integrators and officers."""
    return [
        {
            "rule": r.id,
            "title": r.title,
            "title_ru": r.title_ru,
            "reading": READINGS[r.id][0],
            "reading_ru": READINGS[r.id][1],
            "levels": list(r.levels),
            "reads": list(r.reads),
            "norm": r.norm,
        }
        for r in CATALOGUE
    ]


class ComplianceQueries:
    """`get_compliance` and `summarise_compliance`."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache

    async def get_compliance(self, q: GetCompliance, ctx: Context) -> list[dict[str, Any]]:
        """Every rule of the org's level on `as_of`, as known on `known_on` (DESIGN.md §3, §7)."""
        reading = await self.cache.reading()
        tree = await kept_tree_for(reading, ctx, q.org_id, q.as_of or ctx.today, q.known_on)

        async def rows(conn: AsyncConnection) -> list[dict[str, Any]]:
            return [verdict_row(v) for v in (await verdicts_of(conn, tree, [q.org_id]))[q.org_id]]

        return await reading.get(("compliance", q.org_id, tree.day, q.known_on), rows)

    async def list_rules(self, _q: ListRules, _ctx: Context) -> list[dict[str, Any]]:
        """The rule catalogue."""
        return list_rules()

    async def summarise_compliance(self, q: SummariseCompliance, ctx: Context) -> dict[str, Any]:
        """Per rule, how many orgs of the subtree have each verdict, and which breach it, as known on `known_on`."""
        reading = await self.cache.reading()
        tree = await kept_tree_for(reading, ctx, q.org_id, q.as_of or ctx.today, q.known_on)
        subtree = tree.subtree(q.org_id)
        shown = tree.within(ctx.actor, "read_orgs", subtree)
        # the orgs of that day's subtree that have left the actor's since: usually none, so the key stays small
        hidden = tuple(sorted(set(subtree) - set(shown)))

        async def summary(conn: AsyncConnection) -> dict[str, Any]:
            return summarise(q.org_id, tree, await verdicts_of(conn, tree, shown))

        return await reading.get(("summary", q.org_id, tree.day, q.known_on, hidden), summary, WHOLE_TREE)


def summarise(org_id: str, tree: Orgs, verdicts: dict[str, list[Verdict]]) -> dict[str, Any]:
    """Counts a subtree's verdicts per rule and status, with the orgs breaching each rule."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    breaching: dict[str, list[str]] = defaultdict(list)
    for found_org, found in verdicts.items():
        for v in found:
            counts[v.rule][v.status.value] += 1
            if v.status is Status.BREACHED:
                breaching[v.rule].append(found_org)
    rules = {
        rule: {**{s.value: counts[rule][s.value] for s in Status}, "breaching": sorted(breaching[rule])}
        for rule in BY_ID
        if rule in counts
    }
    levels = Counter(tree.levels[o] for o in verdicts)
    return {"org_id": org_id, "as_of": tree.day.isoformat(), "orgs": len(verdicts), "levels": dict(levels), "rules": rules}
