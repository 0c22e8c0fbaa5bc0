"""The gateway's /metrics on a port of its own (GATEWAY_METRICS_PORT), never on the public one: what it counts
(routes, outcomes, timings) is for the operator's Prometheus, not for anyone who can reach the UI."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from prometheus_client import make_asgi_app
from starlette.responses import PlainTextResponse

from .asgi import App, Receive, Scope, Send
from .config import GatewaySettings


def metrics_app() -> App:
    """An ASGI app that serves /metrics and nothing else."""
    prometheus = make_asgi_app()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/metrics":
            await PlainTextResponse("only /metrics here", status_code=404)(scope, receive, send)
            return
        await prometheus(scope, receive, send)

    return app


class MetricsServer(uvicorn.Server):
    """A server that leaves signals to the public one, which stops it when it stops itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    @property
    def port(self) -> int | None:
        """The port it listens on (the one picked, when GATEWAY_METRICS_PORT is 0)."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return None


def metrics_server(settings: GatewaySettings) -> MetricsServer:
    """The /metrics server on the settings' host and metrics port."""
    app, host, port = metrics_app(), settings.http_host, settings.metrics_port
    # log_config None: uvicorn's lines go to the root logger, rendered as ours (kit.logs)
    return MetricsServer(uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning", log_config=None))
