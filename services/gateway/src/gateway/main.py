"""`python -m gateway`: serves the API and the UI on GATEWAY_PORT, and /metrics on GATEWAY_METRICS_PORT."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

from kit import logs

from .app import create_app
from .config import GatewaySettings
from .metricsport import MetricsServer, metrics_server

log = logs.get("gateway")


def main() -> None:
    asyncio.run(serve(*servers(GatewaySettings())))


def servers(settings: GatewaySettings) -> tuple[uvicorn.Server, MetricsServer]:
    """The public server (API and UI) and the metrics one."""
    return uvicorn.Server(public_config(create_app(settings), settings)), metrics_server(settings)


def public_config(app: Any, settings: GatewaySettings) -> uvicorn.Config:
    """The public server's settings. X-Forwarded-For is taken only from the proxies named in `trusted_proxies`: the
    sign-in throttle counts per client address, and an address a client could name itself would count for nothing."""
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.port,
        log_level="warning",
        log_config=None,  # uvicorn's lines go to the root logger, rendered as ours (kit.logs): JSON in production
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        timeout_graceful_shutdown=5,  # open live pages (server-sent events) must not hold a stop for minutes
    )


async def serve(public: uvicorn.Server, metrics: MetricsServer) -> None:
    """Both in one loop; the public server takes the signals and, stopping, stops the metrics one."""
    metrics_task = asyncio.create_task(metrics.serve())
    try:
        while not metrics.started:
            if metrics_task.done():  # it could not listen (the port is taken): the gateway does not start either
                await metrics_task
                raise RuntimeError(f"/metrics could not be served on port {metrics.config.port}")
            await asyncio.sleep(0.01)
        log.info("metrics served", port=metrics.port)
        await public.serve()
    finally:
        metrics.should_exit = True
        await metrics_task
