"""`python -m gateway`: serves the API and the UI on GATEWAY_PORT."""

from __future__ import annotations

import uvicorn

from .app import create_app
from .config import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.port,
        log_level="warning",
        proxy_headers=True,
        timeout_graceful_shutdown=5,  # open live pages (server-sent events) must not hold a stop for minutes
    )
