"""OpenTelemetry traces, configured once per process: exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is
set, else the API's no-op tracer (spans cost next to nothing, and none is recorded).

A trace crosses NATS as a W3C `traceparent`: on a request as the `traceparent` header, on an event as the CloudEvents
distributed-tracing extension (`ce-traceparent`). The ledger keeps no trace column: the gateway makes a request's
correlation id its trace id (both are 128 bits), so the relay rebuilds an event's `traceparent` from the row alone,
its parent span id taken from the event id.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_NO_OP = trace.NoOpTracer()
_tracer: trace.Tracer = _NO_OP
_configured = False

__all__ = ["Span", "SpanKind", "configure", "install"]


def configure(service: str) -> None:
    """Sets up the SDK and its OTLP/HTTP exporter if OTEL_EXPORTER_OTLP_ENDPOINT is set, the spans of `service` (unless
    OTEL_SERVICE_NAME names another); later calls change nothing."""
    global _configured
    if _configured:
        return
    _configured = True
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    # imported only here: a process that exports nothing never loads the SDK
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # the endpoint, headers, service name and sampler are the SDK's own OTEL_* variables
    named = {"service.namespace": "profset", "service.name": os.environ.get("OTEL_SERVICE_NAME") or service}
    provider = TracerProvider(resource=Resource.create(named))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    install(provider)


def install(provider: trace.TracerProvider | None) -> None:
    """Records spans through `provider` from now on (None: records none again); tests give the SDK's in-memory one."""
    global _tracer
    _tracer = _NO_OP if provider is None else provider.get_tracer("profset")


def recording() -> bool:
    """Whether spans are recorded at all, so work done only for a span (one per relayed event) can be skipped."""
    return _tracer is not _NO_OP


@contextmanager
def span(name: str, kind: SpanKind = SpanKind.INTERNAL, parent: str | None = None, **attributes: str | int) -> Iterator[Span]:
    """A span made current for the block: under `parent` (a traceparent) if given, else under the current span."""
    if parent is None and _tracer is _NO_OP:  # nothing to record nor to carry on: no context to switch
        yield trace.get_current_span()
        return
    context = context_of(parent) if parent else None
    with _tracer.start_as_current_span(name, context=context, kind=kind, attributes=attributes) as current:
        yield current


def start(name: str, kind: SpanKind = SpanKind.INTERNAL, parent: str | None = None, **attributes: str | int) -> Span:
    """A span started but not made current, for work that goes on in another task; `entered` makes it current."""
    if parent is None and _tracer is _NO_OP:
        return trace.INVALID_SPAN
    return _tracer.start_span(name, context=context_of(parent) if parent else None, kind=kind, attributes=attributes)


def entered(started: Span, *, end: bool) -> AbstractContextManager[Span]:
    """Makes a started span current for a block, ending it after if `end`; an exception is recorded on it."""
    if started is trace.INVALID_SPAN:  # no trace at all: nothing to make current
        return nullcontext(started)
    return trace.use_span(started, end_on_exit=end, record_exception=True, set_status_on_exception=True)


def traceparent(trace_id: int, span_id: int, sampled: bool = True) -> str:
    """The W3C traceparent (version 00) of a span."""
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


def parse(value: str | None) -> SpanContext | None:
    """The remote span a traceparent names; None if it is missing or malformed (W3C: then start a new trace)."""
    found = _TRACEPARENT.match(value.strip()) if value else None
    if found is None:
        return None
    version, trace_hex, span_hex, flags, rest = found.groups()
    if version == "ff" or (version == "00" and rest) or int(trace_hex, 16) == 0 or int(span_hex, 16) == 0:
        return None
    return SpanContext(int(trace_hex, 16), int(span_hex, 16), is_remote=True, trace_flags=TraceFlags(int(flags, 16) & 1))


def context_of(value: str | None) -> Context | None:
    """An OpenTelemetry context whose current span is the remote one a traceparent names."""
    remote = parse(value)
    return None if remote is None else trace.set_span_in_context(NonRecordingSpan(remote))


def current() -> str | None:
    """The traceparent of the current span, to send on a request; None outside any trace."""
    context = trace.get_current_span().get_span_context()
    return traceparent(context.trace_id, context.span_id, context.trace_flags.sampled) if context.is_valid else None


def current_trace_id() -> str | None:
    """The current trace id in hex, as log lines carry it; None outside any trace."""
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def correlation_id() -> str | None:
    """The current trace id written as a UUID, to be a command's correlation id; None outside any trace."""
    context = trace.get_current_span().get_span_context()
    return str(uuid.UUID(int=context.trace_id)) if context.is_valid else None


def of_row(correlation_id: str | None, event_id: str) -> str | None:
    """The traceparent an event's ledger row implies: its correlation id as the trace id (when it is one, a UUID or
    32 hex digits), and a span id derived from the event id; None for a row no trace reached."""
    digits = correlation_id.replace("-", "").lower() if correlation_id else ""
    if _HEX32.fullmatch(digits) is None:  # a client's own X-Request-Id, or an import's label: no trace to rebuild
        return None
    trace_id = int(digits, 16)
    if trace_id == 0:
        return None
    span_id = int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest()) or 1
    return traceparent(trace_id, span_id)
