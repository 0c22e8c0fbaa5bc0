"""Reading timelines: the value on a valid date, counting only what was recorded by a recording instant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from ..tables import memberships, officers


def membership_on(day: date, known: datetime, org_ids: Iterable[str] | None = None) -> Any:
    """Per person, the org of their membership on `day` (null: not a member), as known by `known`."""
    m = memberships.c
    latest = (
        select(m.person_id, m.org_id)
        .where(m.effective_on <= day, m.recorded_at < known)
        .order_by(m.person_id, m.effective_on.desc(), m.position.desc())
        .ext(distinct_on(m.person_id))
    )
    if org_ids is not None:
        latest = latest.where(m.person_id.in_(select(m.person_id).where(m.org_id.in_(list(org_ids)))))
    return latest.subquery()


def records_per_org(day: date, known: datetime) -> Any:
    """How many personal membership records each org holds on `day`."""
    on = membership_on(day, known)
    return select(on.c.org_id, func.count().label("records")).where(on.c.org_id.is_not(None)).group_by(on.c.org_id)


def released_per_org(day: date, known: datetime) -> Any:
    """How many released (full-time) officials hold a post in each org on `day` (T1)."""
    o = officers.c
    relieved = and_(o.until <= day, o.relieved_recorded_at < known)
    return (
        select(o.org_id, func.count(func.distinct(o.person_id)).label("released"))
        .where(o.released, o.since <= day, o.recorded_at < known, or_(o.until.is_(None), ~relieved))
        .group_by(o.org_id)
    )
