"""One trace from the HTTP request to the services it reaches, with the SDK's in-memory exporter: the gateway's span,
the exchange handler's, the relay's publish of the event it wrote and kpi's apply of that event share a trace id,
carried as `traceparent` on the request and as `ce-traceparent` on the event; a log line written there carries it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from kit import logs, tracing
from kit.projection import Delivered
from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, post


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded into memory for the test, and none after it (a provider of the test's own, not the global one)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.install(None)


def _in_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id]


async def test_a_cascade_is_one_trace_from_the_request_to_another_services_projector(
    stack: Stack, spans: InMemorySpanExporter
) -> None:
    h, o = await chain(stack)
    material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": o["cc"]["id"]}))["id"]
    kpi = next(p for p in stack.services["kpi"].projectors if p.projection.source == "exchange")
    applied: list[dict[str, Any]] = []
    real = kpi.projection.apply

    async def logging_apply(conn: Any, d: Delivered) -> None:
        # a line logged while kpi applies the event, by a logger made here so that the capture below sees it
        structlog.get_logger("trace-test").info("applied", type=d.type)
        await real(conn, d)

    kpi.projection = replace(kpi.projection, apply=logging_apply)
    with structlog.testing.capture_logs(processors=[logs.add_trace_id]) as captured:
        await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [o["t1"]["id"]]}, 202)
        [gateway] = [s for s in spans.get_finished_spans() if s.attributes.get("http.route", "").endswith("/cascade")]
        assert gateway.kind is SpanKind.SERVER and gateway.name == "POST /api/v1/materials/{material_id}/cascade"
        trace_id = gateway.context.trace_id

        async def cascaded_in_kpi() -> list[ReadableSpan]:
            return [s for s in _in_trace(spans, trace_id) if s.name == f"apply {kpi.consumer}"]

        [applying] = await eventually(cascaded_in_kpi, timeout=20)
        applied = [line for line in captured if line.get("type", "").endswith("material.cascaded.v1")]
    trace = {s.context.span_id: s for s in _in_trace(spans, trace_id)}
    [handler] = [s for s in trace.values() if s.name == "svc.exchange.cascade"]
    assert handler.kind is SpanKind.SERVER and handler.attributes["outcome"] == "ok"
    assert handler.parent is not None and trace[handler.parent.span_id].name == "request svc.exchange.cascade"
    assert trace[handler.parent.span_id].parent.span_id == gateway.context.span_id  # type: ignore[union-attr]
    assert applying.kind is SpanKind.CONSUMER and applying.parent is not None
    published = trace[applying.parent.span_id]
    assert published.kind is SpanKind.PRODUCER and published.name.startswith("publish exchange."), "under the relay's"
    assert applying.attributes["ce_type"].endswith("material.cascaded.v1")

    assert applied and {line.get("trace_id") for line in applied} == {f"{trace_id:032x}"}, "kpi's log line carries it"
    exchange = stack.services["exchange"].runtime
    assert exchange is not None
    async with exchange.engine.connect() as conn:
        kept = (
            await conn.execute(text("SELECT DISTINCT correlation_id FROM exchange.events WHERE type LIKE '%cascaded%'"))
        ).all()
    assert str(uuid.UUID(int=trace_id)) in {row[0] for row in kept}, "the ledger keeps the trace id as correlation id"

    # a client in a trace of its own: the gateway carries it on, and the event written keeps its trace id
    client = tracing.traceparent(uuid.uuid4().int, 0x00F067AA0BA902B7)
    sent = await stack.http.post(
        "/api/v1/materials", json={**NEWS, "org_id": o["cc"]["id"]}, headers={**h, "traceparent": client}
    )
    assert sent.status_code == 201, sent.text
    theirs = tracing.parse(client)
    assert theirs is not None
    drafted = {s.name: s for s in _in_trace(spans, theirs.trace_id)}
    assert drafted["POST /api/v1/materials"].parent.span_id == theirs.span_id  # type: ignore[union-attr]
    assert "svc.exchange.draft_material" in drafted
    async with exchange.engine.connect() as conn:
        drafts = text("SELECT correlation_id FROM exchange.events WHERE type LIKE '%drafted%' AND stream_id LIKE :material")
        kept = (await conn.execute(drafts, {"material": f"%{sent.json()['id']}%"})).all()
    assert [row[0] for row in kept] == [str(uuid.UUID(int=theirs.trace_id))]
