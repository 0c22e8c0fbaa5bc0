"""The notifications service's public events and queries: receipts of what was sent to whom, and why not."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from .base import Event, Payload

NOTIFICATION_ID = Field(description="Digest of (trigger, recipient): one notification per pair, also its Message-ID")


class Channel(StrEnum):
    """How a notification travels."""

    EMAIL = "email"
    CHAT = "chat"


class NotificationSent(Event, context="notifications", aggregate="notification", name="sent", subject_field="notification_id"):
    """A notification left for its recipient (accepted by the mail server or the chat API)."""

    notification_id: str = NOTIFICATION_ID
    trigger: str = Field(description="What caused it, e.g. `delivery:<material>:<org>`")
    recipient_id: str = Field(description="The person or outside party it went to")
    recipient_kind: str = Field(description="`person` or `party`")
    org_id: str | None = Field(None, description="The org it concerns")
    channel: Channel = Field(description="How it went")
    message_id: str = Field(description="The Message-ID it carried (the same on a resend)")
    attempt: int = Field(ge=1, description="Which attempt succeeded")


class NotificationFailed(
    Event, context="notifications", aggregate="notification", name="failed", subject_field="notification_id"
):
    """An attempt failed; `permanent` ones are not retried (the server's reason is kept)."""

    notification_id: str = NOTIFICATION_ID
    trigger: str = Field(description="What caused it")
    recipient_id: str = Field(description="The person or outside party")
    recipient_kind: str = Field(description="`person` or `party`")
    org_id: str | None = Field(None, description="The org it concerns")
    reason: str = Field(description="The server's answer, or why nothing could be sent")
    permanent: bool = Field(description="No further attempts")
    attempt: int = Field(ge=1, description="Which attempt this was")


class ListNotifications(Payload):
    """Receipts of the notifications about an org, newest first."""

    org_id: str = Field(description="The org")
    limit: int = Field(200, ge=1, le=5000, description="How many")


VERBS: dict[str, type[Payload]] = {"list_notifications": ListNotifications}
"""What `svc.notifications.<verb>` accepts."""
