"""The audits service's settings: the shared keys, with the `AUDITS_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class AuditsSettings(ServiceSettings):
    """Settings of the audits service."""

    model_config = SettingsConfigDict(env_prefix="AUDITS_", extra="ignore")
    service: ClassVar[str] = "audits"
