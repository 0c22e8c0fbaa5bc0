"""The gateway's settings: the shared keys, its port, and the key it signs actor tokens with."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

from .domain.throttle import Policy


class GatewaySettings(ServiceSettings):
    """Settings of the gateway (`GATEWAY_` prefix)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)
    service: ClassVar[str] = "gateway"

    port: int = Field(8000, description="The one fixed port of a stack: the staff UI and the public API")
    trusted_proxies: str = Field(
        "",
        description="Addresses (comma-separated, CIDR allowed) of the proxies whose X-Forwarded-For names the client; "
        "none by default, so a client can't choose the address the sign-in throttle counts it under",
    )
    token_private_key: str = Field("", description="Base64 Ed25519 private key that signs actor tokens")
    token_ttl_seconds: int = Field(8 * 3600, ge=60)
    admin_password: str = Field(
        "", validation_alias=AliasChoices("GATEWAY_ADMIN_PASSWORD", "PROFSET_ADMIN_PASSWORD"), description="Password of `admin`"
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="The largest request body but an attachment upload; a larger one answers 413"
    )
    request_timeout: float = Field(10.0, description="Seconds to wait for a service's reply")
    password_hashes_at_once: int = Field(
        2, ge=1, description="Passwords hashed or checked at once (sign-ins, new accounts); each holds 64 MiB meanwhile"
    )
    password_hashes_queued: int = Field(
        16, ge=1, description="Passwords waiting or being hashed at most; one more answers 503 with Retry-After"
    )
    sheets_at_once: int = Field(
        2, ge=1, description="Printed sheets (PDF) rendered at once; each holds tens of megabytes while it renders"
    )
    sheets_queued: int = Field(
        8, ge=1, description="Sheets waiting or being rendered at most; one more answers 503 with Retry-After"
    )
    sign_in_free_failures: int = Field(5, ge=1, description="Wrong passwords per username or address before any wait")
    sign_in_first_wait_seconds: float = Field(2.0, gt=0, description="The wait after the free failures; each more doubles it")
    sign_in_longest_wait_seconds: float = Field(900.0, gt=0, description="The longest a sign-in is held back")
    sign_in_forget_after_seconds: float = Field(3600.0, gt=0, description="Failures older than this are forgotten")
    password_change_required: bool = Field(
        False, description="A password someone else chose (the bootstrap admin's, a reset) must be changed at first sign-in"
    )
    metrics_port: int = Field(0, ge=0, le=65535, description="/metrics is served here, never on the public port; 0: a free one")

    def sign_in_policy(self) -> Policy:
        """The throttle's policy from these settings."""
        return Policy(
            self.sign_in_free_failures,
            self.sign_in_first_wait_seconds,
            self.sign_in_longest_wait_seconds,
            self.sign_in_forget_after_seconds,
        )
