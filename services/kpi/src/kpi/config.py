"""The kpi service's settings: the shared keys, with the `KPI_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    """Settings of the kpi service."""

    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore")
    service: ClassVar[str] = "kpi"
