"""The kpi service's public events, commands and queries: targets per org per period (X), the period's
figures frozen when it is closed, and the two inputs no other service knows — media mentions with their
tone (K5) and feedback response times (K7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from .base import Count, Event, OneLine, Payload
from .registry import ORG_ID, Level

PERIOD = Field(pattern=r"^\d{4}(-Q[1-4])?$", description="A calendar year or a quarter", examples=["2026-Q3"])
REPORTED_PERIOD = Field(
    pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description="A year, quarter or month", examples=["2026-07"]
)
INDICATORS = ("K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9")
"""The effectiveness indicators of RULES.md X."""
PARTS = {"K5": ("citations",), "K6": ("non_union",)}
"""The figures an indicator gives beside its value (K5: citations of union leaders beside positive publications;
K6: the non-union audience beside members' reach), each with a target of its own (`K5.citations`, `K6.non_union`)."""
TARGET_KEYS = (*INDICATORS, *(f"{k}.{part}" for k, parts in PARTS.items() for part in parts))
"""What a target may be set for: an indicator, or one of its parts."""
TargetValue = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=18, decimal_places=6)]


class Tone(StrEnum):
    """How a publication speaks of the union (K5)."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Medium(StrEnum):
    """Where a publication appeared (K5)."""

    PRINT = "print"
    ELECTRONIC = "electronic"
    INTERNET = "internet"


SHARE_TARGETS = frozenset({"K2", "K3", "K6"})
"""Targets that are fractions of a whole: at most 1."""
INDEX_TARGETS = frozenset({"K7"})
"""K7's digital-maturity index runs from 0 to 100; every other target is a whole count."""


def _known_indicators(targets: dict[str, Decimal]) -> dict[str, Decimal]:
    unknown = sorted(set(targets) - set(TARGET_KEYS))
    if unknown:
        raise PydanticCustomError(
            "indicator", "unknown indicator {names}; use K1–K9, K5.citations or K6.non_union", {"names": ", ".join(unknown)}
        )
    for key, value in targets.items():
        if key in SHARE_TARGETS and value > 1:
            raise PydanticCustomError("indicator", "{key} is a share: a target from 0 to 1", {"key": key})
        if key in INDEX_TARGETS and value > 100:
            raise PydanticCustomError("indicator", "{key} is an index: a target from 0 to 100", {"key": key})
        if key not in SHARE_TARGETS | INDEX_TARGETS and value != value.to_integral_value():
            raise PydanticCustomError("indicator", "{key} counts whole things: a target without a fraction", {"key": key})
    return {key: abs(value) for key, value in targets.items()}  # -0 is 0


# --- events -------------------------------------------------------------------------------------


class TargetSet(Event, context="kpi", aggregate="target", name="set"):
    """An org's elected body set its numeric targets for a period (X); a later setting replaces them."""

    org_id: str = ORG_ID
    period: str = PERIOD
    targets: dict[str, Decimal] = Field(
        description='Target per indicator or part, e.g. {"K2": "0.05", "K5.citations": "3"}; ratios are fractions'
    )


class PeriodClosed(Event, context="kpi", aggregate="period", name="closed"):
    """An org's period was closed: its figures as they stood are frozen and never change."""

    org_id: str = ORG_ID
    period: str = PERIOD
    closed_on: date = Field(description="The day it was closed", examples=["2026-10-05"])
    figures: dict[str, Any] = Field(
        description="Per indicator the frozen `value`, `target`, `met`, `rollup` and `components` (since the exact readings "
        "also `value_exact`, `rollup_exact`, `rollup_met` and `parts`), as the kpi query answered"
    )


class MediaMentionReported(Event, context="kpi", aggregate="media_mention", name="reported", subject_field="mention_id"):
    """A publication about the org or citing its leaders appeared in the media (K5)."""

    mention_id: str = Field(description="Opaque id of the report")
    org_id: str = ORG_ID
    on: date = Field(description="Date of the publication", examples=["2026-08-14"])
    outlet: str = Field(description="The newspaper, channel or site", examples=["Балтийский курьер"])
    medium: Medium = Field(description="Print, electronic media or the internet")
    tone: Tone = Field(description="How it speaks of the union")
    cites_leader: bool = Field(description="It quotes a leader of the union")
    title: str | None = Field(None, description="Headline")
    url: str | None = Field(None, description="Where it can be read")


class FeedbackTimesReported(
    Event, context="kpi", aggregate="feedback", name="response_times_reported", subject_field="report_id"
):
    """How fast an org answered members' questions in a period (K7); a later report for the period restates it."""

    report_id: str = Field(description="`<org id>:<period>`: one current report per org and period")
    org_id: str = ORG_ID
    period: str = REPORTED_PERIOD
    answered: int = Field(ge=0, description="Questions answered in the period")
    average_hours: Decimal = Field(ge=0, description="Average hours from question to answer", examples=["18.5"])


# --- commands and queries -----------------------------------------------------------------------


class Targets(Payload):
    """The body of `PUT /orgs/{id}/targets/{period}`: target per indicator; omitted ones have none."""

    targets: dict[str, TargetValue] = Field(
        description='e.g. {"K2": 0.05, "K9": 2, "K5.citations": 3}; ratios are fractions; K5.citations and K6.non_union '
        "are the targets of those parts"
    )

    _known = field_validator("targets")(_known_indicators)


class SetTargets(Targets):
    """Set an org's targets for a period (replacing any set before)."""

    org_id: str = ORG_ID
    period: str = PERIOD


class ClosePeriod(Payload):
    """Close an org's period after its last day: its figures are frozen."""

    org_id: str = ORG_ID
    period: str = PERIOD


class MediaMention(Payload):
    """A publication to report (the body of `POST /orgs/{id}/media-mentions`)."""

    on: date = Field(description="Date of the publication")
    outlet: OneLine = Field(min_length=1, max_length=300, description="The newspaper, channel or site")
    medium: Medium = Field(description="Print, electronic media or the internet")
    tone: Tone = Field(description="How it speaks of the union")
    cites_leader: bool = Field(False, description="It quotes a leader of the union")
    title: OneLine | None = Field(None, max_length=500, description="Headline")
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$", description="Where it can be read")


class ReportMediaMention(MediaMention):
    """Report a media mention (K5)."""

    org_id: str = ORG_ID


class FeedbackTimes(Payload):
    """Response times for a period (the body of `PUT /orgs/{id}/feedback-times/{period}`)."""

    answered: Count = Field(ge=0, le=10_000_000, description="Questions answered in the period")
    average_hours: Decimal = Field(ge=0, le=100_000, max_digits=9, decimal_places=2, description="Average hours to answer")


class ReportFeedbackTimes(FeedbackTimes):
    """Report how fast an org answered members' questions in a period (K7)."""

    org_id: str = ORG_ID
    period: str = REPORTED_PERIOD


KNOWN_ON = Field(
    None,
    description="Only facts (targets, closings and reports included) recorded by the end of this day count; defaults to "
    "all known now",
    examples=["2026-03-31"],
)


class GetKpi(Payload):
    """K1–K9 of an org for a period: value, target, met, the subtree's roll-up; frozen if closed."""

    org_id: str = ORG_ID
    period: str = PERIOD
    known_on: date | None = KNOWN_ON


class GetTargets(Payload):
    """An org's targets for a period."""

    org_id: str = ORG_ID
    period: str = PERIOD
    known_on: date | None = KNOWN_ON


class ListRanking(Payload):
    """A level's orgs (under `org_id`, else the caller's subtree) ranked by one indicator's roll-up."""

    period: str = PERIOD
    indicator: str = Field(pattern=r"^K[1-9]$", description="The indicator", examples=["K6"])
    level: Level = Field(description="Which level's orgs to rank", examples=["primary"])
    org_id: str | None = Field(None, description="Only orgs under this one; defaults to the caller's root")
    known_on: date | None = KNOWN_ON


class GetSeries(Payload):
    """One indicator of an org over consecutive periods of one kind (years or quarters)."""

    org_id: str = ORG_ID
    indicator: str = Field(pattern=r"^K[1-9]$", description="The indicator", examples=["K2"])
    start: str = PERIOD
    end: str = PERIOD
    known_on: date | None = KNOWN_ON


class ListMediaMentions(Payload):
    """The media mentions reported for an org in a period."""

    org_id: str = ORG_ID
    period: str = PERIOD
    known_on: date | None = KNOWN_ON


VERBS: dict[str, type[Payload]] = {
    "set_targets": SetTargets,
    "close_period": ClosePeriod,
    "report_media_mention": ReportMediaMention,
    "report_feedback_times": ReportFeedbackTimes,
    "get_kpi": GetKpi,
    "get_targets": GetTargets,
    "list_ranking": ListRanking,
    "get_series": GetSeries,
    "list_media_mentions": ListMediaMentions,
}
"""What `svc.kpi.<verb>` accepts."""
