"""The registry's officers (chair, information worker, information activist, press secretary), their
training (P9, K9), released officials (T1) and youth councils (H1)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from .base import NOT_A_BOOL, Event, Lines, OneLine, Payload
from .people import PERSON_ID, POSITION
from .registry import NAME, ORG_ID, AsOf

OFFICER_ID = Field(description="Opaque id of the appointment", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a30"])
COUNCIL_ID = Field(None, description="The youth council the post belongs to; null for the org's own post")


class OfficerRole(StrEnum):
    """A post of an org's information work (H3, P8, M2)."""

    CHAIR = "chair"
    INFO_WORKER = "info_worker"
    INFO_ACTIVIST = "info_activist"
    PRESS_SECRETARY = "press_secretary"


# --- events -------------------------------------------------------------------------------------


class OfficerAssigned(Event, context="registry", aggregate="officer", name="assigned", subject_field="officer_id"):
    """A person took a post in an org (or its youth council) from `since`."""

    officer_id: str = OFFICER_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    council_id: str | None = COUNCIL_ID
    role: OfficerRole = Field(description="The post", examples=["info_worker"])
    since: date = Field(description="Valid date the post was taken", examples=["2023-06-01"])
    released: bool = Field(False, description="A released (full-time) official of the union (T1)")


class OfficerRelieved(Event, context="registry", aggregate="officer", name="relieved", subject_field="officer_id"):
    """An officer left the post on `until` (no longer in it from that day)."""

    officer_id: str = OFFICER_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    until: date = Field(description="First day no longer in the post", examples=["2025-12-31"])
    reason: Lines | None = Field(None, max_length=500, description="Why, for the record")


class OfficerTrained(Event, context="registry", aggregate="officer", name="trained", subject_field="officer_id"):
    """An officer completed a training or refresher course (P9, K9)."""

    training_id: str = Field(description="Opaque id of the training record")
    officer_id: str = OFFICER_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    course: str | None = Field(None, max_length=300, description="The course", examples=["Школа информационного работника"])
    provider: str | None = Field(None, max_length=300, description="Who taught it", examples=["ЦК Судпрофа"])
    on: date = Field(description="Date it was completed", examples=["2024-11-15"])
    hours: int | None = Field(None, ge=1, le=2000, description="Academic hours", examples=[36])


class YouthCouncilFormed(Event, context="registry", aggregate="youth_council", name="formed", subject_field="council_id"):
    """A youth council was attached to the CC or a structural org (H1) from `formed_on`."""

    council_id: str = Field(description="Opaque id of the youth council")
    org_id: str = ORG_ID
    name: str = NAME
    formed_on: date = Field(description="Valid date it was formed", examples=["2019-04-01"])


class YouthCouncilDisbanded(Event, context="registry", aggregate="youth_council", name="disbanded", subject_field="council_id"):
    """A youth council ceased on `effective_on`."""

    council_id: str = Field(description="Opaque id of the youth council")
    org_id: str = ORG_ID
    effective_on: date = Field(description="First day it no longer exists")
    reason: Lines = Field(min_length=1, max_length=500, description="Why")


# --- commands and queries -----------------------------------------------------------------------


class Appointment(Payload):
    """Who takes which post (the body of `POST /orgs/{id}/officers`): a new person by name, or a known one."""

    full_name: OneLine | None = Field(None, min_length=1, max_length=300, description="A new person's full name")
    person_id: str | None = Field(None, description="A person already known (e.g. a member); instead of `full_name`")
    position: OneLine | None = POSITION
    role: OfficerRole = Field(description="The post", examples=["info_worker"])
    since: date | None = Field(None, description="Defaults to today")
    released: bool = Field(False, description="A released (full-time) official (T1)")
    council_id: str | None = COUNCIL_ID
    trained: bool = Field(False, description="Also record that the officer is trained (course unspecified), as of `since`")


class AssignOfficer(Appointment):
    """Assign a person to a post of an org or of its youth council."""

    org_id: str = ORG_ID


class Relief(Payload):
    """When an officer leaves the post (the body of `POST /officers/{id}/relief`)."""

    until: date | None = Field(None, description="First day no longer in the post; defaults to today")
    reason: Lines | None = Field(None, max_length=500, description="Why")


class RelieveOfficer(Relief):
    """Relieve an officer of the post."""

    officer_id: str = OFFICER_ID


class Training(Payload):
    """A course an officer completed (the body of `POST /officers/{id}/trainings`)."""

    course: OneLine = Field(min_length=1, max_length=300, description="The course")
    provider: OneLine | None = Field(None, max_length=300, description="Who taught it")
    on: date = Field(description="Date it was completed")
    hours: Annotated[int, Field(ge=1, le=2000), NOT_A_BOOL] | None = Field(None, description="Academic hours")


class RecordTraining(Training):
    """Record an officer's training (P9)."""

    officer_id: str = OFFICER_ID


class ListOfficers(AsOf):
    """The officers of an org (and of its youth councils) in post on `as_of`."""

    org_id: str = ORG_ID


class GetOfficer(Payload):
    """One appointment with its trainings."""

    officer_id: str = OFFICER_ID


class YouthCouncil(Payload):
    """A youth council to form (the body of `POST /orgs/{id}/youth-councils`)."""

    name: OneLine = NAME
    formed_on: date | None = Field(None, description="Defaults to today")


class FormYouthCouncil(YouthCouncil):
    """Attach a youth council to an org."""

    org_id: str = ORG_ID


class Disbanding(Payload):
    """When and why a youth council ends."""

    effective_on: date = Field(description="First day it no longer exists")
    reason: Lines = Field(min_length=1, max_length=500, description="Why")


class DisbandYouthCouncil(Disbanding):
    """Disband a youth council."""

    council_id: str = Field(description="Opaque id of the youth council")


class ListYouthCouncils(AsOf):
    """An org's youth councils on `as_of`."""

    org_id: str = ORG_ID


VERBS: dict[str, type[Payload]] = {
    "assign_officer": AssignOfficer,
    "relieve_officer": RelieveOfficer,
    "record_training": RecordTraining,
    "list_officers": ListOfficers,
    "get_officer": GetOfficer,
    "form_youth_council": FormYouthCouncil,
    "disband_youth_council": DisbandYouthCouncil,
    "list_youth_councils": ListYouthCouncils,
}
"""What `svc.registry.<verb>` accepts about officers and youth councils."""
