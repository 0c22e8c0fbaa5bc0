"""Commands and queries of the appeals service (`svc.appeals.<verb>`)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ..base import ID_PATTERN, Payload, Written
from ..officers import OfficerRole
from ..people import PERSON_ID
from ..registry import ORG_ID
from .events import ANSWER, APPEAL_ID, POST, QUESTION, REPLY, SITUATION_ID, TEXT, Outcome, ReceivedBy, Situation


class DefineSituation(Situation):
    """Add a life situation to the catalogue, or change one (the CC keeps it)."""

    situation_id: str = SITUATION_ID


class RetireSituation(Payload):
    """Take a life situation out of the catalogue."""

    situation_id: str = SITUATION_ID


class Filing(Payload):
    """A member's appeal (the body of `POST /appeals`)."""

    person_id: str = PERSON_ID
    situation_id: str = SITUATION_ID
    text: Written = TEXT
    to_org_id: str | None = Field(
        None, description="The member's org (default), or its territorial org or the CC above it", examples=[None]
    )
    received_by: ReceivedBy | None = Field(
        None,
        description="How it came (D2): staff record phone (default), hotline or visit; only the portal files `portal`",
        examples=["phone"],
    )


class FileAppeal(Filing):
    """File a member's appeal."""


class Answer(Payload):
    """An answer (the body of `POST /appeals/{id}/answers`)."""

    text: Written = ANSWER


class AnswerAppeal(Answer):
    """Answer an appeal the actor's org holds."""

    appeal_id: str = APPEAL_ID


class Assignment(Payload):
    """The post to answer it (the body of `POST /appeals/{id}/assignment`)."""

    post: OfficerRole = POST


class AssignAppeal(Assignment):
    """Give an appeal the actor's org holds to one of its posts."""

    appeal_id: str = APPEAL_ID


class Question(Payload):
    """What the member is asked to add (the body of `POST /appeals/{id}/questions`)."""

    text: Written = QUESTION


class AskMember(Question):
    """Ask the member for more on an appeal the actor's org holds (sealed with the member's key)."""

    appeal_id: str = APPEAL_ID


class Reply(Payload):
    """What the member adds (the body of `POST /my/appeals/{id}/replies`)."""

    text: Written = REPLY


class SupplementAppeal(Reply):
    """The member adds to their own appeal (the portal: the member is the token's person)."""

    appeal_id: str = APPEAL_ID


class Closure(Payload):
    """How an appeal ended (the body of `POST /appeals/{id}/closure`)."""

    outcome: Outcome = Field(description="How it ended", examples=["resolved"])


class CloseAppeal(Closure):
    """Close an appeal with an outcome."""

    appeal_id: str = APPEAL_ID


class ListSituations(Payload):
    """The catalogue of life situations."""


class GetAppeal(Payload):
    """One appeal, its answers and escalations; texts to those who may read them."""

    appeal_id: str = APPEAL_ID


class State(StrEnum):
    """Which appeals of an org to list."""

    OPEN = "open"
    OVERDUE = "overdue"
    ALL = "all"


class ListAppeals(Payload):
    """The appeals an org of the actor's subtree holds now (the CC's `overdue`: every overdue appeal in the union)."""

    org_id: str = ORG_ID
    state: State = Field(State.OPEN, description="open (not closed), overdue (not answered by its due time) or all")
    limit: int = Field(200, ge=1, le=1000, description="Page size: at most this many, newest first")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Appeal id after which the page starts")


class ListMyAppeals(Payload):
    """A member's own appeals, newest first (the portal: the member is the token's person, never a field)."""

    limit: int = Field(100, ge=1, le=500, description="At most this many, newest first")


class ListMyOrgs(Payload):
    """The orgs a member may address an appeal to: their org today, then each org above it up to the CC."""


VERBS: dict[str, type[Payload]] = {
    "define_situation": DefineSituation,
    "retire_situation": RetireSituation,
    "file_appeal": FileAppeal,
    "answer_appeal": AnswerAppeal,
    "assign_appeal": AssignAppeal,
    "ask_member": AskMember,
    "supplement_appeal": SupplementAppeal,
    "close_appeal": CloseAppeal,
    "list_situations": ListSituations,
    "get_appeal": GetAppeal,
    "list_appeals": ListAppeals,
    "list_my_appeals": ListMyAppeals,
    "list_my_orgs": ListMyOrgs,
}
"""What `svc.appeals.<verb>` accepts."""
