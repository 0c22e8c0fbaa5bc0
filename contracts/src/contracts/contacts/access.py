"""The access an org gives to its electronic channels: to its parent (P10) or the CC's information department (T7)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ..base import Payload
from ..registry import ORG_ID, AsOf
from .events import CHANNEL_ID


class Access(Payload):
    """Whom a channel is opened to (the body of `POST /channels/{id}/access`, P10, T7)."""

    to_org_id: str = Field(description="The org given access: the channel's org's parent today, or the CC")
    since: date | None = Field(None, description="From when; defaults to today")


class GrantChannelAccess(Access):
    """Give the parent (P10) or the CC's department (T7) access to one of the org's running electronic channels."""

    channel_id: str = CHANNEL_ID


class AccessRevocation(Payload):
    """Whose access ends (the body of `POST /channels/{id}/access-revocation`)."""

    to_org_id: str = Field(description="The org whose access ends")
    effective_on: date | None = Field(None, description="First day without access; defaults to today")


class RevokeChannelAccess(AccessRevocation):
    """End an org's access to a channel."""

    channel_id: str = CHANNEL_ID


class ListChannelAccess(AsOf):
    """Every access grant of a channel, each with its dates and whether it is in force on `as_of`."""

    channel_id: str = CHANNEL_ID


class ListOrgAccess(AsOf):
    """Access grants on an org's channels and those the org holds on others', each in force on `as_of` or not."""

    org_id: str = ORG_ID


class ListGrantees(Payload):
    """Whom an org may give access to its electronic channels today: its parent (P10) and the CC (T7), by id."""

    org_id: str = ORG_ID
