"""C1, first half: the CC reviews the union's information work at least once a year, by its elected body."""

from __future__ import annotations

from datetime import date

from contracts.audits import InformationWorkReviewed
from contracts.base import Event
from kit.errors import RuleBroken


def decide_review(
    review_id: str, org_id: str, level: str | None, on: date, today: date, body: str, decision: str | None
) -> list[Event]:
    """Records a review held by the elected body of the CC, on a day the CC existed and not after today."""
    if level is None:
        raise RuleBroken("C1", f"the org does not exist on {on}", field="on")
    if level != "central":
        raise RuleBroken("C1", "the yearly review of information work is the CC's", field="org_id")
    if on > today:
        raise RuleBroken("C1", "a review is recorded once held, not before", field="on")
    return [InformationWorkReviewed(review_id=review_id, org_id=org_id, on=on, body=body, decision=decision)]
