"""The notifications service's settings: the shared keys and the mail server, with the `NOTIFICATIONS_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Settings of the notifications service."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")
    service: ClassVar[str] = "notifications"
    smtp_host: str = Field("127.0.0.1", description="Mail server")
    smtp_port: int = Field(25, description="Its port")
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS")
    smtp_tls: bool = Field(False, description="Connect with TLS from the start (port 465)")
    smtp_username: str = Field("", description="Login, if the server wants one")
    smtp_password: str = Field("", description="Password, if the server wants one")
    mail_from: str = Field("profset@localhost", description="The From address")
    rate_per_second: float = Field(20.0, gt=0, description="At most this many messages per second to the mail server")
    retry_base_seconds: float = Field(30.0, gt=0, description="First retry after this; each next one twice as late")
    max_attempts: int = Field(8, ge=1, le=50, description="After this many temporary failures a notification is given up")
    batch: int = Field(200, ge=1, le=1000, description="Notifications taken per round")
    lookahead: int = Field(
        8, ge=1, le=64, description="Addresses are asked of contacts this many at a time, at most twice as many letters ahead"
    )
    chat_base_url: str = Field(
        "", description="A Telegram-Bot-API-compatible base, e.g. https://api.telegram.org/bot<token>; empty: no chats"
    )
    remind_every_seconds: float = Field(300, gt=0, description="How often reminders are looked for")
    moderation_within_days: int = Field(3, ge=1, description="A material waiting for moderation longer is reminded of (H2)")
    acknowledge_within_days: int = Field(3, ge=1, description="A delivery not acknowledged within this is reminded of (X6)")
    service_private_key: str = Field(
        "",
        description="Base64 Ed25519 key of this service's own identity (never the gateway's): signs its tokens for contacts",
    )
