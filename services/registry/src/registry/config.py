"""The registry's settings: the shared keys, overridable with the `REGISTRY_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Settings of the registry service."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")
    service: ClassVar[str] = "registry"
    # a command waits for its group's durable commit: the more in flight, the fuller each group and the fewer commits
    # (admissions in the bench: 16 at once 780 a second, 64 at once 910, on the same two cores)
    request_workers: int = Field(64, ge=1, description="Requests handled at once")
