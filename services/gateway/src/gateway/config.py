"""The gateway's settings: the shared keys, its port, and the key it signs actor tokens with."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Settings of the gateway (`GATEWAY_` prefix)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)
    service: ClassVar[str] = "gateway"

    port: int = Field(8000, description="The one fixed port of a stack: the staff UI and the public API")
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
