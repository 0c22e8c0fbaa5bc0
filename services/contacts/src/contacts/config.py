"""The contacts service's settings: the shared keys, overridable with the `CONTACTS_` prefix."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    """Settings of the contacts service."""

    model_config = SettingsConfigDict(env_prefix="CONTACTS_", extra="ignore")
    service: ClassVar[str] = "contacts"
    erase_withdrawn_after_days: int = Field(
        30, ge=0, le=30, description="Days after a withdrawal before the address is erased (PD1: at most 30)"
    )
    sweep_every_seconds: float = Field(3600, gt=0, description="How often withdrawn addresses are looked for")
