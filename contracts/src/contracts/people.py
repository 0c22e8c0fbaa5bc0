"""The registry's people: personal membership records (D3), transfers, leaving, and erasure (PD1).

Identifying fields travel sealed: encrypted with the person's own key (`pd1:` + base64 of AES-GCM), so
destroying that key erases every copy. Contact points are not here: the contacts service owns them.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .base import ID_PATTERN, Event, Lines, OneLine, Payload
from .registry import ORG_ID, AsOf

PERSON_ID = Field(description="Opaque id of the person", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a20"])
SEALED = "Encrypted with the person's key (`pd1:` + base64 of AES-GCM); unreadable once the person is erased"
FULL_NAME = Field(
    min_length=1, max_length=300, description="Full name (surname, name, patronymic)", examples=["Иванов Иван Иванович"]
)
POSITION = Field(None, min_length=1, max_length=300, description="Job position at the workplace", examples=["сварщик"])


# --- events -------------------------------------------------------------------------------------


class PersonRegistered(Event, context="registry", aggregate="person", name="registered", subject_field="person_id"):
    """A person became known to the union, with their identifying fields sealed."""

    person_id: str = PERSON_ID
    org_id: str = Field(description="The org that recorded the person")
    full_name: str = Field(description=f"Full name. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])
    birth_date: str | None = Field(None, description=f"Birth date, ISO 8601. {SEALED}")
    position: str | None = Field(None, description=f"Job position. {SEALED}")


class MemberAdmitted(Event, context="registry", aggregate="member", name="admitted", subject_field="person_id"):
    """A person became a member of a primary org from `since` (a personal membership record, D3)."""

    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    since: date = Field(description="Valid date membership began", examples=["2015-09-01"])


class MemberTransferred(Event, context="registry", aggregate="member", name="transferred", subject_field="person_id"):
    """A member's record moved to another primary org from `effective_on`."""

    person_id: str = PERSON_ID
    org_id: str = Field(description="The org the member belongs to from `effective_on`")
    previous_org_id: str = Field(description="The org the member belonged to the day before")
    effective_on: date = Field(description="Valid date of the transfer", examples=["2024-03-01"])


class MemberLeft(Event, context="registry", aggregate="member", name="left", subject_field="person_id"):
    """A member left the union on `effective_on` (no longer a member from that day)."""

    person_id: str = PERSON_ID
    org_id: str = Field(description="The org the member belonged to")
    effective_on: date = Field(description="First day the person is no longer a member", examples=["2025-06-30"])
    reason: Lines = Field(min_length=1, max_length=500, description="Why, for the record", examples=["retired"])


class PersonErased(Event, context="registry", aggregate="person", name="erased", subject_field="person_id"):
    """A person's personal data was erased (PD1): the record the law asks for; every owner destroys its keys."""

    person_id: str = PERSON_ID
    org_id: str | None = Field(description="The org the person last belonged to, if any")
    basis: str = Field(
        min_length=1, max_length=500, description="On what basis", examples=["заявление члена профсоюза от 12.03.2026"]
    )
    requested_by: str = Field(description="The user who recorded the request", examples=["staff.spb"])
    requested_on: date = Field(description="Date the erasure was recorded", examples=["2026-03-12"])


# --- commands and queries -----------------------------------------------------------------------


class Admission(Payload):
    """A new member of a primary org (the body of `POST /orgs/{id}/members`)."""

    full_name: OneLine = FULL_NAME
    birth_date: date | None = Field(None, description="Birth date", examples=["1984-05-17"])
    position: OneLine | None = POSITION
    since: date | None = Field(None, description="Valid date membership began; defaults to today")


class AdmitMember(Admission):
    """Admit a person as a member of a primary org."""

    org_id: str = ORG_ID


class Outsider(Payload):
    """A person outside the membership an org keeps in touch with, e.g. an editor (the body of `POST /orgs/{id}/people`)."""

    full_name: OneLine = FULL_NAME
    position: OneLine | None = Field(
        None, min_length=1, max_length=300, description="Who they are", examples=["редактор газеты «Вести»"]
    )


class RegisterPerson(Outsider):
    """Record a person who is not (yet) a member, so contact points can be kept for them."""

    org_id: str = ORG_ID


class Transfer(Payload):
    """Where a member goes (the body of `POST /members/{id}/transfer`)."""

    org_id: str = Field(description="The primary org the member moves to")
    effective_on: date | None = Field(None, description="Defaults to today")
    expected_version: int | None = Field(None, ge=0, description="Refuse with `conflict` unless the record is at this version")


class TransferMember(Transfer):
    """Transfer a member to another primary org."""

    person_id: str = PERSON_ID


class Leaving(Payload):
    """When and why a member leaves (the body of `POST /members/{id}/leaving`)."""

    effective_on: date | None = Field(None, description="First day no longer a member; defaults to today")
    reason: Lines = Field(min_length=1, max_length=500, description="Why", examples=["retired"])
    expected_version: int | None = Field(None, ge=0, description="Refuse with `conflict` unless the record is at this version")


class RecordLeaving(Leaving):
    """Record that a member left."""

    person_id: str = PERSON_ID


class ErasureRequest(Payload):
    """The legal basis of an erasure (the body of `POST /members/{id}/erasure`)."""

    basis: OneLine = Field(min_length=1, max_length=500, description="On what basis the data is erased (PD1)")


class ErasePerson(ErasureRequest):
    """Erase a person's personal data (PD1)."""

    person_id: str = PERSON_ID


class GetMember(AsOf):
    """One person's membership record as of a date."""

    person_id: str = PERSON_ID


class ListMembers(AsOf):
    """Members of an org (or of its subtree) as of a date, optionally searched by name."""

    org_id: str | None = Field(None, description="The org; defaults to the root of the caller's subtree")
    subtree: bool = Field(False, description="Also the members of every org under it")
    q: str | None = Field(None, min_length=2, max_length=200, description="Words the name starts with, e.g. `иван петр`")
    limit: int = Field(500, ge=1, le=10000, description="Page size")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Person id after which the page starts")


VERBS: dict[str, type[Payload]] = {
    "admit_member": AdmitMember,
    "register_person": RegisterPerson,
    "transfer_member": TransferMember,
    "record_leaving": RecordLeaving,
    "erase_person": ErasePerson,
    "get_member": GetMember,
    "list_members": ListMembers,
}
"""What `svc.registry.<verb>` accepts about people."""
