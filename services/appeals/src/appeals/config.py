"""The appeals service's settings: the shared keys, overridable with the `APPEALS_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class AppealsSettings(ServiceSettings):
    """Settings of the appeals service."""

    model_config = SettingsConfigDict(env_prefix="APPEALS_", extra="ignore")
    service: ClassVar[str] = "appeals"
    escalate_every_seconds: float = Field(60, gt=0, description="How often appeals past their due time are looked for")
    escalations_per_tick: int = Field(200, ge=1, le=5000, description="Overdue appeals escalated per look, oldest first")
