"""Traces without servers: the W3C traceparent built and parsed, rebuilt from a ledger row, carried on a relayed
event's headers, and the trace id on every log line, structlog's and the standard library's."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kit import logs, tracing
from kit.ids import new_id
from kit.relay import headers_of
from profset_testing.spans import recorded_spans

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded into memory for the test, and none after it."""
    with recorded_spans() as exporter:
        yield exporter


def test_a_traceparent_is_built_and_parsed_back() -> None:
    built = tracing.traceparent(0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7)
    assert built == PARENT
    parsed = tracing.parse(built)
    assert parsed is not None and parsed.is_remote and parsed.trace_flags.sampled
    assert (parsed.trace_id, parsed.span_id) == (0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7)
    assert tracing.traceparent(1, 2, sampled=False).endswith("-00")
    assert not tracing.parse(tracing.traceparent(1, 2, sampled=False)).trace_flags.sampled  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # no trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # no parent span
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # a version never used
        f"{PARENT}-extra",  # version 00 has exactly four fields
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # a digit short
    ],
)
def test_a_malformed_traceparent_names_no_parent(value: str | None) -> None:
    assert tracing.parse(value) is None
    assert tracing.context_of(value) is None


def test_a_later_version_is_read_for_the_fields_it_shares() -> None:
    parsed = tracing.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever")
    assert parsed is not None and parsed.span_id == 0x00F067AA0BA902B7


def test_a_ledger_row_gives_its_correlation_id_as_trace_id_and_a_span_id_of_its_event() -> None:
    correlation, event = new_id(), new_id()
    rebuilt = tracing.of_row(correlation, event)
    assert rebuilt is not None
    parsed = tracing.parse(rebuilt)
    assert parsed is not None and f"{parsed.trace_id:032x}" == uuid.UUID(correlation).hex
    assert rebuilt == tracing.of_row(correlation, event), "the same row, the same traceparent: a republish agrees"
    assert rebuilt != tracing.of_row(correlation, new_id()), "each event its own span id"
    assert tracing.of_row(None, event) is None
    assert tracing.of_row("a client's own request id", event) is None
    assert tracing.of_row(str(uuid.UUID(int=0)), event) is None


def _row(correlation_id: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        event_id=new_id(),
        type="union.registry.org.headcount_reported.v1",
        recorded_at=datetime(2026, 12, 7, tzinfo=UTC),
        aggregate_id="org-1",
        position=7,
        org_id="org-1",
        correlation_id=correlation_id,
        causation_id=None,
    )


def test_a_relayed_event_carries_the_traceparent_its_row_implies() -> None:
    correlation = new_id()
    headers = headers_of(_row(correlation), "registry")
    parsed = tracing.parse(headers["ce-traceparent"])
    assert parsed is not None and parsed.trace_id == uuid.UUID(correlation).int
    assert "ce-traceparent" not in headers_of(_row(None), "registry"), "no trace reached it: none made up"


def test_a_span_under_a_traceparent_is_in_its_trace_and_its_id_is_the_correlation_id(spans: InMemorySpanExporter) -> None:
    with tracing.span("svc.exchange.cascade", tracing.SpanKind.SERVER, PARENT):
        assert tracing.current_trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert tracing.correlation_id() == str(uuid.UUID("4bf92f3577b34da6a3ce929d0e0e4736"))
        sent = tracing.current()
        with tracing.span("child"):
            pass
    [child, server] = spans.get_finished_spans()
    assert server.context.trace_id == child.context.trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert server.parent is not None and server.parent.span_id == 0x00F067AA0BA902B7
    assert child.parent is not None and child.parent.span_id == server.context.span_id
    assert sent == tracing.traceparent(server.context.trace_id, server.context.span_id)


def test_without_a_provider_nothing_is_recorded_but_a_callers_trace_is_carried_on() -> None:
    assert not tracing.recording()
    with tracing.span("anything"):
        assert tracing.current() is None and tracing.correlation_id() is None
    with tracing.span("handler", parent=PARENT):
        assert tracing.current_trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736", "the log lines still carry it"


def test_log_lines_carry_the_trace_id_structlogs_and_the_standard_librarys(spans: InMemorySpanExporter) -> None:
    assert "trace_id" not in logs.add_trace_id(None, "info", {"event": "outside"})
    record = logging.LogRecord("uvicorn.error", logging.WARNING, __file__, 1, "started %s", ("here",), None)
    with tracing.span("request"):
        line = logs.add_trace_id(None, "info", {"event": "inside"})
        rendered = json.loads(logs.stdlib_formatter("json").format(record))
        trace_id = tracing.current_trace_id()
    assert trace_id is not None and line["trace_id"] == trace_id
    assert rendered["trace_id"] == trace_id
    assert (rendered["event"], rendered["logger"], rendered["level"]) == ("started here", "uvicorn.error", "warning")


CONFIGURED = """
import sys
from opentelemetry import trace
from kit import tracing
tracing.configure("exchange")
tracing.configure("kpi")
provider = trace.get_tracer_provider()
name = getattr(provider, "resource", None) and provider.resource.attributes["service.name"]
print(tracing.recording(), "opentelemetry.sdk" in sys.modules, name)
"""


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [(None, "False False None"), ("", "False False None"), ("http://127.0.0.1:9", "True True exchange")],
)
def test_spans_are_exported_only_when_an_otlp_endpoint_is_set(endpoint: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    if endpoint is not None:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    # a process of its own: the SDK's provider is set once per process, as a service's is
    ran = subprocess.run([sys.executable, "-c", CONFIGURED], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert ran.stdout.strip() == expected, "off, the SDK is not even imported; on, the first service named names it"


UVICORN = """
import logging, uvicorn
from kit import logs
logs.configure("json", "INFO")
uvicorn.Config(lambda *a: None, log_level="warning", log_config=None)  # as the gateway and every service give it
logging.getLogger("uvicorn.error").warning("Started server process")
"""


def test_uvicorns_lines_are_json_as_ours_are() -> None:
    ran = subprocess.run([sys.executable, "-c", UVICORN], capture_output=True, text=True, check=True, timeout=60)
    [line] = [json.loads(line) for line in ran.stderr.splitlines()]
    assert (line["event"], line["logger"], line["level"]) == ("Started server process", "uvicorn.error", "warning")
