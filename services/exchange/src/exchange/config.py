"""The exchange service's settings: the shared keys, overridable with the `EXCHANGE_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class ExchangeSettings(ServiceSettings):
    """Settings of the exchange service."""

    model_config = SettingsConfigDict(env_prefix="EXCHANGE_", extra="ignore")
    service: ClassVar[str] = "exchange"
    copy_parent_on_support: bool = Field(
        False, description="X3: also send a primary org's needs-support material to its parent (the concept names none)"
    )
    acknowledge_within_days: int = Field(
        3, ge=1, le=60, description="A delivery not acknowledged after this many days is overdue"
    )
    max_attachment_bytes: int = Field(5 * 1024 * 1024, ge=1, le=6 * 1024 * 1024, description="Largest file a material may carry")
    cascade_chunk: int = Field(200, ge=1, le=5000, description="Deliveries appended per transaction by the cascade runner")
