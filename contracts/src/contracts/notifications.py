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
    reason: str = Field(description="The server's answer, or why nothing could be sent; never an address or a phone number")
    permanent: bool = Field(description="No further attempts")
    attempt: int = Field(ge=1, description="Which attempt this was")
    failure: str | None = Field(
        None,
        description="The class of failure: `smtp_refused`, `smtp_unreachable`, `chat_refused`, `chat_unreachable`, "
        "`address`, `no_address`, `contacts_unavailable` or `unprocessable` (an item the sender could not handle)",
        examples=["smtp_refused"],
    )
    code: int | None = Field(None, description="The server's reply code (SMTP or HTTP), if it gave one", examples=[550])


class Mode(StrEnum):
    """How a person wants to hear of what reaches their org."""

    INSTANT = "instant"
    DAILY_DIGEST = "daily_digest"


class PreferenceSet(
    Event, context="notifications", aggregate="preference", name="set", subject_field="person_id", org_field=None
):
    """A person chose instant notifications or one daily digest."""

    person_id: str = Field(description="The person")
    mode: Mode = Field(description="Instant, or one digest a day")
    digest_hour: int = Field(8, ge=0, le=23, description="The hour (union time) the digest goes out")


class Preference(Payload):
    """A person's choice (the body of `PUT /people/{id}/notification-preference`)."""

    mode: Mode = Field(description="Instant, or one digest a day")
    digest_hour: int = Field(8, ge=0, le=23, description="The hour (union time) the digest goes out")


class SetPreference(Preference):
    """Set how a person hears of what reaches their org."""

    person_id: str = Field(description="The person")


class ListNotifications(Payload):
    """Receipts of the notifications about an org, newest first."""

    org_id: str = Field(description="The org")
    limit: int = Field(200, ge=1, le=5000, description="How many")


class SendSignInCode(Payload):
    """Send a member the one-time code of their portal sign-in, to one of their own usable e-mail addresses (consent
    honoured); asked by the gateway with a token naming that member, and nothing is kept of it."""

    code: str = Field(pattern=r"^[0-9]{6}$", description="The six digits", examples=["042917"])
    valid_minutes: int = Field(10, ge=1, le=60, description="How long the code serves, said in the letter")


VERBS: dict[str, type[Payload]] = {
    "list_notifications": ListNotifications,
    "set_preference": SetPreference,
    "send_sign_in_code": SendSignInCode,
}
"""What `svc.notifications.<verb>` accepts."""
