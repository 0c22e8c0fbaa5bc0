"""structlog, configured once per process: key/values, JSON in production, console in development. The standard
library's records (uvicorn's, the NATS client's) go through the same processors, and every line in a trace carries its
trace id."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

from . import tracing
from .imports import hiding

# structlog loads rich (for its pretty tracebacks) whenever it is installed, about 5 MB resident in every service, though
# no renderer here uses it: `format_exc_info` turns an exception into text before the renderer sees it
with hiding("rich"):
    import structlog

_configured = False


def add_trace_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Adds the current span's trace id, so a log line can be found from its trace and back."""
    trace_id = tracing.current_trace_id()
    if trace_id is not None:
        event.setdefault("trace_id", trace_id)
    return event


SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    add_trace_id,
]
"""What every line gets, structlog's own and the standard library's alike."""


def _renderer(fmt: str) -> structlog.types.Processor:
    return structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)


def stdlib_formatter(fmt: str) -> logging.Formatter:
    """Renders a standard library record (uvicorn's, the NATS client's) as structlog renders its own lines."""
    foreign: list[structlog.types.Processor] = [structlog.stdlib.add_logger_name, *SHARED, structlog.stdlib.ExtraAdder()]
    processors: list[structlog.types.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        _renderer(fmt),
    ]
    return structlog.stdlib.ProcessorFormatter(processors=processors, foreign_pre_chain=foreign)


def configure(fmt: str = "console", level: str = "INFO") -> None:
    """Sets up structlog and the standard library's root logger; later calls change nothing."""
    global _configured
    if _configured:
        return
    _configured = True
    structlog.configure(
        processors=[*SHARED, structlog.processors.format_exc_info, _renderer(fmt)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(stdlib_formatter(fmt))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for noisy in ("faststream", "nats", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get(name: str) -> structlog.stdlib.BoundLogger:
    """A logger bound to a component name."""
    return structlog.get_logger(name)  # type: ignore[no-any-return]
