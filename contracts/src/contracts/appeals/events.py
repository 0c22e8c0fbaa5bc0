"""The appeals service's public events: the catalogue of life situations the CC keeps, and members' appeals filed,
assigned to a post, answered, asked for more and supplemented by the member, escalated up the chain when an answer is
late, and closed (D1, D2, K7). An appeal's text, its answers, the questions to the member and the member's replies are
sealed with the member's own key, so erasing the member (PD1) erases them; counts and times remain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from ..base import Event, OneLine, Payload
from ..exchange.events import Topic
from ..officers import OfficerRole
from ..people import PERSON_ID, SEALED

APPEAL_ID = Field(description="Opaque id of the appeal", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a90"])
SITUATION_ID = Field(
    min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Id of the life situation", examples=["dismissal"]
)
TEXT = Field(min_length=1, max_length=10_000, description="What happened, in the member's words", examples=["Меня сокращают"])
ANSWER = Field(min_length=1, max_length=10_000, description="The answer to the member", examples=["Сокращение возможно только"])
QUESTION = Field(
    min_length=1, max_length=10_000, description="What the union asks the member to add", examples=["Пришлите копию уведомления"]
)
REPLY = Field(
    min_length=1, max_length=10_000, description="What the member adds, in their words", examples=["Уведомление прилагаю"]
)
POST = Field(description="A post of the org that holds the appeal (never a private person)", examples=["chair"])


Step = Annotated[OneLine, Field(min_length=1, max_length=500)]
"""One thing a member should know or do: a line of its own."""


class Level(StrEnum):
    """The level of the union that usually handles a situation."""

    PRIMARY = "primary"
    TERRITORIAL = "territorial"
    CENTRAL = "central"


class ReceivedBy(StrEnum):
    """How the appeal reached the union (D2: offline channels beside the portal)."""

    PORTAL = "portal"
    PHONE = "phone"
    HOTLINE = "hotline"
    VISIT = "visit"


class EscalationReason(StrEnum):
    """Why an appeal went up a level by itself."""

    LATE = "late"
    """Nobody answered it by its due time."""
    ORG_DISSOLVED = "org_dissolved"
    """The org that held it was dissolved; the nearest org above it that exists takes it."""


class Outcome(StrEnum):
    """How an appeal ended."""

    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    NOT_RESOLVED = "not_resolved"
    EXPLAINED = "explained"
    WITHDRAWN = "withdrawn"


class Situation(Payload):
    """A life situation of the catalogue: what it is, what it touches, what a member should know, who answers."""

    title: OneLine = Field(min_length=1, max_length=200, description="Its name", examples=["Увольнение или сокращение"])
    topics: list[Topic] = Field(
        default_factory=list, max_length=8, description="X4 topics it touches, each once", examples=[["employment"]]
    )
    steps: list[Step] = Field(
        default_factory=list,
        max_length=20,
        description="What a member should know or do, in order",
        examples=[["Не подписывайте соглашение о расторжении сразу"]],
    )
    level: Level = Field(Level.PRIMARY, description="The level that usually handles it", examples=["primary"])
    answer_within_hours: int = Field(
        72,
        strict=True,
        ge=1,
        le=24 * 60,
        description="Target time for the first answer; later, the appeal escalates one level up",
    )

    @field_validator("topics")
    @classmethod
    def _each_topic_once(cls, topics: list[Topic]) -> list[Topic]:
        if len(set(topics)) != len(topics):
            raise ValueError("each topic once")
        return topics


# --- events -------------------------------------------------------------------------------------


class SituationDefined(
    Event, context="appeals", aggregate="situation", name="defined", subject_field="situation_id", org_field=None
):
    """The CC defined a life situation of the catalogue, or changed it."""

    situation_id: str = SITUATION_ID
    situation: Situation = Field(description="Title, topics, steps, level and target time")


class SituationRetired(
    Event, context="appeals", aggregate="situation", name="retired", subject_field="situation_id", org_field=None
):
    """A life situation left the catalogue; appeals filed under it stay."""

    situation_id: str = SITUATION_ID


class AppealFiled(Event, context="appeals", aggregate="appeal", name="filed", subject_field="appeal_id"):
    """A member's appeal was filed (by the member in the portal, or recorded by staff for them) and reached an org."""

    appeal_id: str = APPEAL_ID
    person_id: str = PERSON_ID
    org_id: str = Field(description="The org that holds the appeal: the member's org or the level they chose")
    member_org_id: str = Field(description="The member's org when the appeal was filed")
    situation_id: str = SITUATION_ID
    text: str | None = Field(description=f"What happened. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])
    received_by: ReceivedBy = Field(description="How it came", examples=["portal"])
    filed_at: datetime = Field(description="When it was filed")
    due_at: datetime = Field(description="When the first answer is due; not answered by then, it escalates")


class AppealAnswered(Event, context="appeals", aggregate="appeal", name="answered", subject_field="appeal_id"):
    """An org answered the appeal (the first answer is what K7's speed counts)."""

    appeal_id: str = APPEAL_ID
    person_id: str = PERSON_ID
    org_id: str = Field(description="The org that answered")
    text: str | None = Field(description=f"The answer. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])
    answered_by: str = Field(description="The user who answered", examples=["staff.spb"])
    answered_at: datetime = Field(description="When")
    first: bool = Field(description="The appeal's first answer")
    on_time: bool = Field(description="Given before the appeal's first due time (the one set at filing)")


class AppealEscalated(Event, context="appeals", aggregate="appeal", name="escalated", subject_field="appeal_id"):
    """An appeal went up by itself: a level up when not answered in time, or to the nearest existing org over a dissolved one."""

    appeal_id: str = APPEAL_ID
    person_id: str | None = Field(None, description="The member whose appeal it is (so they can be told)")
    org_id: str = Field(description="The org that holds it now (the parent of the one that did not answer)")
    from_org_id: str = Field(description="The org that did not answer in time, or was dissolved")
    escalated_at: datetime = Field(description="When")
    due_at: datetime = Field(description="When the first answer is now due at the new level")
    reason: EscalationReason = Field(
        EscalationReason.LATE, description="Why it went up: late (no answer in time) or org_dissolved", examples=["late"]
    )


class AppealClosed(Event, context="appeals", aggregate="appeal", name="closed", subject_field="appeal_id"):
    """An appeal was closed with an outcome."""

    appeal_id: str = APPEAL_ID
    person_id: str | None = Field(None, description="The member whose appeal it is (so they can be told)")
    org_id: str = Field(description="The org that held it")
    outcome: Outcome = Field(description="How it ended", examples=["resolved"])
    closed_by: str = Field(description="The user who closed it")
    closed_at: datetime = Field(description="When")


class AppealAssigned(Event, context="appeals", aggregate="appeal", name="assigned", subject_field="appeal_id"):
    """Staff of the org that holds the appeal gave it to one of its posts to answer (until it goes up a level)."""

    appeal_id: str = APPEAL_ID
    org_id: str = Field(description="The org that holds it, whose post it is")
    post: OfficerRole = POST
    assigned_by: str = Field(description="The user who assigned it", examples=["staff.spb"])
    assigned_at: datetime = Field(description="When")


class AppealQuestionAsked(Event, context="appeals", aggregate="appeal", name="question_asked", subject_field="appeal_id"):
    """The org that holds the appeal asked the member for more (it is not an answer: K7 counts answers only)."""

    appeal_id: str = APPEAL_ID
    person_id: str = PERSON_ID
    org_id: str = Field(description="The org that asked")
    text: str | None = Field(description=f"The question. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])
    asked_by: str = Field(description="The user who asked", examples=["staff.spb"])
    asked_at: datetime = Field(description="When")


class AppealSupplemented(Event, context="appeals", aggregate="appeal", name="supplemented", subject_field="appeal_id"):
    """The member added to their appeal in the portal (a reply to a question, or more of what happened)."""

    appeal_id: str = APPEAL_ID
    person_id: str = PERSON_ID
    org_id: str = Field(description="The org that holds it")
    text: str | None = Field(description=f"What the member added. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])
    supplemented_at: datetime = Field(description="When")
