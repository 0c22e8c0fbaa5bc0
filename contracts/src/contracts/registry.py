"""The registry's public events, commands and queries: the union's tree of orgs over valid time (H1)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .base import ID_PATTERN, Count, Event, Lines, OneLine, Payload

ORG_ID = Field(description="Opaque id of the org", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a10"])
NAME = Field(min_length=1, max_length=300, description="The org's name", examples=["ППО АО «Адмиралтейские верфи»"])


class Level(StrEnum):
    """A level of the union's hierarchy (H1)."""

    CENTRAL = "central"
    TERRITORIAL = "territorial"
    PRIMARY = "primary"


# --- events -------------------------------------------------------------------------------------


class OrgRegistered(Event, context="registry", aggregate="org", name="registered"):
    """An org joined the union's tree under a parent, from `registered_on`."""

    org_id: str = ORG_ID
    name: str = NAME
    level: Level = Field(description="Its level in the hierarchy", examples=["primary"])
    parent_id: str | None = Field(description="The org it sits under; null for the CC", examples=[None])
    registered_on: date = Field(description="Valid date it became part of the union", examples=["1995-03-01"])


class OrgRenamed(Event, context="registry", aggregate="org", name="renamed"):
    """An org took a new name from `effective_on`."""

    org_id: str = ORG_ID
    name: str = NAME
    effective_on: date = Field(description="Valid date the new name applies from", examples=["2024-01-01"])


class OrgMoved(Event, context="registry", aggregate="org", name="moved"):
    """An org was placed under another parent from `effective_on` (backdating allowed)."""

    org_id: str = ORG_ID
    parent_id: str = Field(description="The new parent", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a11"])
    previous_parent_id: str | None = Field(description="The parent it had on `effective_on` before this move")
    effective_on: date = Field(description="Valid date the new parent applies from", examples=["2020-07-01"])


class OrgDissolved(Event, context="registry", aggregate="org", name="dissolved"):
    """An org ceased to exist on `effective_on`; it counts in no sums from that day."""

    org_id: str = ORG_ID
    effective_on: date = Field(description="First day the org no longer exists", examples=["2025-12-31"])
    reason: Lines = Field(min_length=1, max_length=1000, description="Why", examples=["merged into a neighbour"])


class HeadcountReported(Event, context="registry", aggregate="org", name="headcount_reported"):
    """A primary org reported how many members it has, as of a date."""

    org_id: str = ORG_ID
    members: int = Field(ge=0, description="Reported membership", examples=[553])
    as_of: date = Field(description="Valid date of the figure", examples=["2020-01-01"])


# --- commands -----------------------------------------------------------------------------------


class RegisterOrg(Payload):
    """Register an org under a parent its level allows (H1)."""

    name: OneLine = NAME
    level: Level = Field(description="Its level in the hierarchy (H1)", examples=["primary"])
    parent_id: str | None = Field(None, description="Required for every level below the CC")
    registered_on: date | None = Field(None, description="Defaults to today in the union's time zone")


class OrgChanges(Payload):
    """A rename and/or a move, from `effective_on` (the body of `PATCH /orgs/{id}`)."""

    name: OneLine | None = Field(None, min_length=1, max_length=300, description="The new name")
    parent_id: str | None = Field(None, description="The new parent")
    effective_on: date | None = Field(None, description="Defaults to today in the union's time zone")


class ChangeOrg(OrgChanges):
    """Rename and/or move an org from `effective_on`."""

    org_id: str = ORG_ID


class Dissolution(Payload):
    """When and why an org ends (the body of `POST /orgs/{id}/dissolution`)."""

    effective_on: date = Field(description="First day the org no longer exists")
    reason: Lines = Field(min_length=1, max_length=1000, description="Why, for the record")


class DissolveOrg(Dissolution):
    """Dissolve an org that has no orgs under it from `effective_on` on."""

    org_id: str = ORG_ID


class Headcount(Payload):
    """A primary org's reported membership (the body of `POST /orgs/{id}/headcount`)."""

    members: Count = Field(ge=0, le=10_000_000, description="Members on the date", examples=[553])
    as_of: date | None = Field(None, description="Defaults to today in the union's time zone")


class ReportHeadcount(Headcount):
    """Report a primary org's membership as of a date."""

    org_id: str = ORG_ID


# --- queries ------------------------------------------------------------------------------------


class AsOf(Payload):
    """The valid date asked about and, optionally, what was known on a recording date (DESIGN.md §3)."""

    as_of: date | None = Field(None, description="Valid date; defaults to today")
    known_on: date | None = Field(None, description="Only facts recorded by the end of this day count")


class GetOrg(AsOf):
    """One org as it stood on `as_of`."""

    org_id: str = ORG_ID


class ListOrgs(AsOf):
    """Orgs in the caller's subtree on `as_of`, filtered."""

    level: Level | None = Field(None, description="Only orgs of this level")
    parent_id: str | None = Field(None, description="Only orgs directly under this one")
    q: str | None = Field(None, max_length=200, description="Case-insensitive part of the name")
    released_officials: bool | None = Field(None, description="Only orgs with (true) or without (false) released officials (T1)")
    limit: int = Field(1000, ge=1, le=10000, description="Page size")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Org id after which the page starts")


class ListChildren(AsOf):
    """The orgs directly under an org on `as_of`, by name."""

    org_id: str = ORG_ID
    limit: int = Field(1000, ge=1, le=10000, description="Page size")
    cursor: str | None = Field(None, pattern=ID_PATTERN, description="Org id after which the page starts")


class GetSubtree(AsOf):
    """An org and every org under it on `as_of`."""

    org_id: str = ORG_ID


VERBS: dict[str, type[Payload]] = {
    "register_org": RegisterOrg,
    "change_org": ChangeOrg,
    "dissolve_org": DissolveOrg,
    "report_headcount": ReportHeadcount,
    "get_org": GetOrg,
    "list_orgs": ListOrgs,
    "list_children": ListChildren,
    "get_subtree": GetSubtree,
}
"""What `svc.registry.<verb>` accepts."""


class OrgView(BaseModel):
    """An org as it stood on `as_of`: the reply of `get_org` and of each row of the org lists."""

    model_config = ConfigDict(frozen=True)

    id: str = ORG_ID
    name: str
    level: Level
    parent_id: str | None
    registered_on: date
    as_of: date = Field(description="The valid date this view is of")
    members: int | None = Field(
        description="A primary org's reported headcount; a territorial org's and the CC's sum over their primary orgs; "
        "null when nothing was reported",
        examples=[553],
    )
    children: int = Field(description="Orgs directly under it that day")
    headcount_as_of: date | None = Field(None, description="Primary orgs: date of the figure used")
    primary_orgs: int | None = Field(None, description="Territorial orgs and the CC: primary orgs under it that day")
    primary_orgs_reporting: int | None = Field(None, description="…of which reported a headcount")
    member_records: int | None = Field(
        None, description="Personal membership records held that day (beside the reported figure); null when none are kept"
    )
    released_officials: int = Field(0, description="Released (full-time) officials in post in the org that day (T1)")
