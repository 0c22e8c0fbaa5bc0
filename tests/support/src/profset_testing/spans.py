"""Spans recorded into memory by the OpenTelemetry SDK, for the tests that follow a trace (kit.tracing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kit import tracing


@contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded into memory for the block, and none after it: a provider of its own, never the global one,
    which the SDK lets a process set only once."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)


def in_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    """The finished spans of one trace, in the order they ended."""
    return [s for s in exporter.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id]
