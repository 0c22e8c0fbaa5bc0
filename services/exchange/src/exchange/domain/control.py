"""H2 in full: who controls the content of an org's public resources, on today's tree.

RULES.md H2: "Each level controls the content of the information resources of the level below (CC: all;
territorial: its primary orgs)." The reading this service holds:

- A material meant for public resources is controlled by its org's **parent** (the moderator). The parent's policy
  says only *when* it controls: before publication (pre-moderation: the material waits for approval) or after it
  (the material goes out at once and waits in the parent's queue, published, to be confirmed or taken down). Never
  neither: a parent that turns pre-moderation off moves what waits for its approval to review after publication.
- **The CC controls all levels.** Its queue holds every publication of the union that waits for a decision, of either
  kind and at any depth — its own children's, and its grandchildren's whether or not their territorial org
  pre-moderates — and its staff may decide any of them. A territorial org's queue holds its primary orgs' alone.
- The CC's own materials have no higher body: they are published at once, approved by policy.
- Who controls a publication is decided on the tree as it stands today (DESIGN.md §5): a primary org that moved is
  reviewed by its new parent (and the CC), no longer by the old one; what it had waiting moves with it.
"""

from __future__ import annotations

from collections.abc import Sequence

BEFORE, AFTER = "before_publication", "after_publication"
WAITING = {"pending": BEFORE, "under_review": AFTER}
"""Moderation states that wait for the controlling org, and which kind of review each waits for."""
PUBLISHED = frozenset({"approved", "under_review", "confirmed"})
"""Moderation states in which a material stands published on its org's public resources."""

BELOW = "\x00below"
"""The head of the lineage of "some org strictly below": §5's moderation row is asked of what sits under an org."""


def moderator_of(lineage: Sequence[str]) -> str | None:
    """The org that controls the publications of the first org of `lineage` (itself, then up): its parent."""
    return lineage[1] if len(lineage) > 1 else None


def in_queue_of(org_id: str, lineage: Sequence[str]) -> bool:
    """Whether a publication of the lineage's first org waits in `org_id`'s queue: any org above it (H2: CC all)."""
    return org_id in lineage[1:]


def deciding_org(actor_org: str | None, lineage: Sequence[str]) -> str:
    """The org a decision is recorded for: the actor's own when it sits above the author (the parent, or the CC over
    all), else the parent (an administrator acts for it)."""
    if actor_org is not None and actor_org in lineage[1:]:
        return actor_org
    return moderator_of(lineage) or lineage[0]


def review_of(moderation: str) -> str | None:
    """`before_publication`, `after_publication`, or None when the material waits for nobody."""
    return WAITING.get(moderation)
