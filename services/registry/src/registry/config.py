"""The registry's settings: the shared keys, overridable with the `REGISTRY_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Settings of the registry service."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")
    service: ClassVar[str] = "registry"
