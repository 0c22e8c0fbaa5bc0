"""H2 in full without IO: who controls an org's publications, before or after publication, on today's tree."""

from __future__ import annotations

from functools import reduce

import pytest
from exchange.domain import control
from exchange.domain.material import (
    NOTHING,
    Material,
    decide_edit,
    decide_moderation,
    decide_pre_moderation_lifted,
    decide_publication,
    decide_review,
    evolve,
)

from contracts.base import Event
from contracts.exchange import (
    Content,
    MaterialApproved,
    MaterialDrafted,
    MaterialPublished,
    PublicationConfirmed,
    PublicationRequested,
    PublicationTakenDown,
)
from kit.errors import Refused, RuleBroken

# CC; territorial t1 (pre-moderates) and t2 (does not); primaries p1 under t1, p4 under t2, p2 straight under the CC
PARENTS: dict[str, str | None] = {"cc": None, "t1": "cc", "t2": "cc", "p1": "t1", "p4": "t2", "p2": "cc"}
PRE_MODERATES = {"cc": False, "t1": True, "t2": False}
NEWS = Content(title="Индексация", body="Оклады растут.", kind="news", for_publication=True)


def lineage(org: str, parents: dict[str, str | None] = PARENTS) -> list[str]:
    chain: list[str] = []
    current: str | None = org
    while current is not None:
        chain.append(current)
        current = parents[current]
    return chain


def drafted(org: str) -> Material:
    return evolve(NOTHING, MaterialDrafted(material_id="m", org_id=org, content=NEWS))


def after(m: Material, events: list[Event]) -> Material:
    return reduce(evolve, events, m)


def published(org: str) -> Material:
    """Drafted at `org` and asked to be published under its parent's policy."""
    m = drafted(org)
    moderator = control.moderator_of(lineage(org))
    return after(m, decide_publication(m, moderator, PRE_MODERATES.get(moderator or "", False)))


# RULES.md H2: "Each level controls the content of the information resources of the level below (CC: all; territorial:
# its primary orgs)", read as: the parent controls, before publication if it pre-moderates, else after it; the CC all.
@pytest.mark.parametrize(
    ("author", "state", "moderator", "queues"),
    [
        ("p1", "pending", "t1", {"t1", "cc"}),  # the parent pre-moderates: waits for approval
        ("p4", "under_review", "t2", {"t2", "cc"}),  # it does not: published at once, in its queue for review
        ("p2", "under_review", "cc", {"cc"}),  # a primary straight under the CC: the CC reviews it
        ("t1", "under_review", "cc", {"cc"}),  # a territorial org: the CC
        ("cc", "approved", None, set()),  # the CC has no higher body
    ],
)
def test_the_level_above_controls_every_publication_before_or_after_it(
    author: str, state: str, moderator: str | None, queues: set[str]
) -> None:
    m = published(author)
    assert m.moderation == state
    assert control.moderator_of(lineage(author)) == moderator
    assert {org for org in PARENTS if control.in_queue_of(org, lineage(author))} == queues
    assert (control.review_of(state) is not None) == bool(queues), "whatever waits, waits in some queue"


def test_a_territorial_org_does_not_review_another_territorials_primary_orgs() -> None:
    assert not control.in_queue_of("t1", lineage("p4"))
    assert control.in_queue_of("cc", lineage("p4")), "the CC sees a primary's publication under t2, which doesn't moderate"


def test_a_moved_primary_orgs_queue_follows_its_parent_today() -> None:
    moved = {**PARENTS, "p1": "t2"}
    assert control.in_queue_of("t2", lineage("p1", moved)) and not control.in_queue_of("t1", lineage("p1", moved))
    assert control.moderator_of(lineage("p1", moved)) == "t2"


def test_what_is_published_waits_for_review_and_is_confirmed_once() -> None:
    m = published("p4")
    assert decide_pre_moderation_lifted(m, "t2") == [], "it no longer waits for approval"
    confirmed = after(m, decide_review(m, "t2", True, None, "staff.t2"))
    assert confirmed.moderation == "confirmed" and "confirmed" in control.PUBLISHED
    with pytest.raises(RuleBroken) as twice:
        decide_review(confirmed, "t2", True, None, "staff.t2")
    assert (twice.value.rule, twice.value.details[0].field) == ("H2", "material_id")
    with pytest.raises(RuleBroken, match="H2"):
        decide_review(confirmed, "t2", False, "поздно", "staff.t2")


def test_a_taken_down_material_is_no_longer_published_and_is_a_draft_again() -> None:
    m = published("p4")
    with pytest.raises(RuleBroken) as no_reason:
        decide_review(m, "cc", False, "  ", "staff.cc")
    assert (no_reason.value.rule, no_reason.value.details[0].field) == ("H2", "reason")
    [down] = decide_review(m, "cc", False, " нарушает устав ", "staff.cc")
    assert isinstance(down, PublicationTakenDown) and (down.moderator_id, down.reason) == ("cc", "нарушает устав")
    gone = after(m, [down])
    assert gone.moderation == "taken_down" and gone.moderation not in control.PUBLISHED
    with pytest.raises(RuleBroken, match="edit it"):
        decide_publication(gone, "t2", False)
    again = after(gone, decide_edit(gone, NEWS))
    assert again.moderation == "none"
    assert isinstance(decide_publication(again, "t2", False)[0], MaterialPublished)


@pytest.mark.parametrize("state_of", ["drafted", "pending", "approved"])
def test_only_what_awaits_review_after_publication_is_confirmed_or_taken_down(state_of: str) -> None:
    m = {"drafted": drafted("p1"), "pending": published("p1"), "approved": published("cc")}[state_of]
    for confirm in (True, False):
        with pytest.raises(RuleBroken) as refused:
            decide_review(m, "t1", confirm, "причина", "staff.t1")
        assert (refused.value.rule, refused.value.details[0].field) == ("H2", "material_id")


def test_turning_pre_moderation_off_publishes_what_waited_for_review_never_out_of_control() -> None:
    m = published("p1")
    [lifted] = decide_pre_moderation_lifted(m, "t1")
    assert isinstance(lifted, MaterialPublished) and lifted.pre_moderation_lifted and lifted.moderator_id == "t1"
    assert after(m, [lifted]).moderation == "under_review"
    with pytest.raises(Refused, match="not awaiting moderation"):
        decide_moderation(after(m, [lifted]), "t1", True, None, "staff.t1")


def test_what_is_asked_again_is_refused_and_the_ccs_own_goes_out_by_policy() -> None:
    for m in (published("p1"), published("p4")):
        with pytest.raises(Refused) as again:
            decide_publication(m, "t1", True)
        assert again.value.details[0].rule == "H2"
    [own] = decide_publication(drafted("cc"), None, True)
    assert isinstance(own, MaterialApproved) and own.moderator_id is None
    assert isinstance(decide_publication(drafted("p1"), "t1", True)[0], PublicationRequested)
    assert isinstance(decide_review(published("p4"), "t2", True, None, "u")[0], PublicationConfirmed)


@pytest.mark.parametrize(
    ("actor_org", "author", "recorded"),
    [("t2", "p4", "t2"), ("cc", "p4", "cc"), (None, "p4", "t2"), ("cc", "t1", "cc")],
)
def test_a_decision_is_recorded_for_the_org_that_took_it(actor_org: str | None, author: str, recorded: str) -> None:
    assert control.deciding_org(actor_org, lineage(author)) == recorded
