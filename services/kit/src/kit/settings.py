"""Settings every service shares, from the environment (pydantic-settings); no client is built here."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

SHARED = {
    "database_url",
    "nats_url",
    "token_public_key",
    "token_audience",
    "service_public_keys",
    "union_tz",
    "log_format",
    "log_level",
    "stream_replicas",
    "refuse_writes_leaderless_seconds",
}
"""Keys a whole stack shares: `DATABASE_URL` serves every service unless `<NAME>_DATABASE_URL` overrides it."""


def nats_servers(url: str) -> list[str]:
    """A NATS_URL's seed servers: one URL or a comma-separated list (a cluster's; the client learns the rest from them)."""
    servers = [part.strip() for part in url.split(",")]
    if not all(re.fullmatch(r"(nats|tls|ws|wss)://[^\s;,]+", s) for s in servers):
        raise ValueError(f"NATS_URL: each server is nats://host:port (tls://, ws://, wss://), comma-separated; got {url!r}")
    return servers


class _SharedEnv(EnvSettingsSource):
    """The unprefixed fallback for the shared keys only."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls, env_prefix="")

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in super().__call__().items() if k in SHARED}


class ServiceSettings(BaseSettings):
    """What every service reads; subclasses set `env_prefix` to `<NAME>_` and add their own keys."""

    model_config = SettingsConfigDict(env_prefix="KIT_", extra="ignore")
    service: ClassVar[str] = "kit"

    database_url: str = Field("postgresql://postgres:@localhost/postgres", description="Any libpq URI")
    nats_url: str = Field(
        "nats://127.0.0.1:4222", description="A NATS server, or a comma-separated list of a cluster's seed servers"
    )
    nats_user: str | None = None
    nats_password: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(0, description="/healthz, /readyz and /metrics; 0 picks a free port")
    token_public_key: str = Field("", description="Base64 Ed25519 public key that verifies actor tokens")
    token_audience: str = Field(
        "profset", min_length=1, description="The `aud` claim every actor token must carry: one value per deployment"
    )
    service_public_keys: dict[str, str] = Field(
        default_factory=dict,
        description='JSON {"<service>": "<base64 Ed25519 public key>"}: the services that may ask on their own account',
    )
    master_key: str = Field(
        "",
        description="Base64 32-byte key wrapping the per-person keys: `<SERVICE>_MASTER_KEY`, held only by a service that "
        "seals personal data, each its own (never shared, so no unprefixed MASTER_KEY)",
    )
    union_tz: str = "Europe/Moscow"
    log_format: str = Field("console", pattern="^(console|json)$")
    log_level: str = "INFO"
    request_workers: int = Field(16, ge=1, description="Requests handled at once")
    relay_batch: int = Field(500, ge=1)
    projector_batch: int = Field(200, ge=1)
    max_deliver: int = Field(5, ge=1, description="Attempts before a message is dead-lettered")
    stream_replicas: int = Field(1, ge=1, le=5, description="Replicas of the stream the relay creates (3 on a NATS cluster)")
    refuse_writes_leaderless_seconds: float = Field(
        20.0,
        ge=0,
        description="How long the service's stream may have no leader (no JetStream quorum) before commands are refused "
        "with 503; longer than an election takes; 0 never refuses",
    )
    read_wait_seconds: float = Field(5.0, ge=0, description="How long a query waits for min_positions")
    read_waits_per_caller: int = Field(4, ge=1, description="Requests of one caller looking for min_positions at once")
    read_waits_queued_per_caller: int = Field(
        320, ge=0, description="More of a caller's requests queued behind those (a UI page asks up to 300 at once)"
    )
    read_waits_at_once: int = Field(4096, ge=1, description="Requests waiting for min_positions, looking or queued, in all")
    group_commit_wait_seconds: float = Field(
        0.005, ge=0, le=0.1, description="Under load, how long the store's writer waits for more appends to join a group"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _SharedEnv(settings_cls), dotenv_settings, file_secret_settings

    @field_validator("nats_url")
    @classmethod
    def _seed_servers(cls, value: str) -> str:
        nats_servers(value)
        return value

    @property
    def nats_servers(self) -> list[str]:
        """NATS_URL as nats-py takes it: the seed servers, in order."""
        return nats_servers(self.nats_url)

    @property
    def tz(self) -> ZoneInfo:
        """The union's time zone, which decides what "today" is."""
        return ZoneInfo(self.union_tz)
