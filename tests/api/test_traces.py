"""One trace from the HTTP request to the services it reaches, with the SDK's in-memory exporter: the gateway's span,
the exchange handler's, the relay's publish of the event it wrote and kpi's apply of that event share a trace id,
carried as `traceparent` on the request and as `ce-traceparent` on the event; a log line written there carries it.
The cascade's deliveries go on in that trace, to notifications' apply of each and the send of its letter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from kit import clock, logs, tracing
from kit.projection import Delivered
from profset_testing import Stack, eventually
from profset_testing.api import NEWS, chain, person, post
from profset_testing.spans import in_trace, recorded_spans


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded into memory for the test, and none after it."""
    with recorded_spans() as exporter:
        yield exporter


async def test_a_cascade_is_one_trace_from_the_request_to_another_services_projector_and_the_letters(
    stack: Stack, smtp: Any, spans: InMemorySpanExporter
) -> None:
    h, o = await chain(stack)
    chair, hc = await person(stack, h, o["p1"]["id"], "Председатель", role="chair")
    await post(stack, hc, f"/api/v1/people/{chair}/contact-points", {"kind": "work_email", "value": "chair@verf.ru"})
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
            return [s for s in in_trace(spans, trace_id) if s.name == f"apply {kpi.consumer}"]

        [applying] = await eventually(cascaded_in_kpi, timeout=20)
        applied = [line for line in captured if line.get("type", "").endswith("material.cascaded.v1")]
    trace = {s.context.span_id: s for s in in_trace(spans, trace_id)}
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

    # the cascade's deliveries go on in its trace: the runner appends them with its correlation id, notifications
    # applies each under the relay's publish, and the letter it plans is sent under that apply
    delivered = {o[org]["id"] for org in ("t1", "p1", "p3")}
    notifications = next(p for p in stack.services["notifications"].projectors if p.projection.source == "exchange")

    async def letters_sent() -> list[ReadableSpan]:
        return [s for s in in_trace(spans, trace_id) if s.name == "send email"]

    sends = await eventually(letters_sent, timeout=30)
    trace = {s.context.span_id: s for s in in_trace(spans, trace_id)}
    for sending in sends:
        assert sending.kind is SpanKind.CLIENT and sending.parent is not None
        planned = trace[sending.parent.span_id]
        assert planned.name == f"apply {notifications.consumer}" and planned.parent is not None
        assert planned.attributes["ce_type"].endswith("delivery.delivered.v1")
        assert trace[planned.parent.span_id].name == "publish exchange.delivery.delivered", "under the relay's"
    applied_deliveries = [
        s
        for s in trace.values()
        if s.name == f"apply {notifications.consumer}" and s.attributes["ce_type"].endswith("delivery.delivered.v1")
    ]
    assert len(applied_deliveries) >= len(delivered), "every delivery of the cascade is handled in its trace"
    assert any(letter["To"] == "chair@verf.ru" for letter in smtp.letters)
    async with exchange.engine.connect() as conn:
        rows = text("SELECT data->>'org_id', correlation_id FROM exchange.events WHERE type LIKE '%delivery.delivered%'")
        correlations = dict((await conn.execute(rows)).all())
    assert delivered <= set(correlations) and {correlations[org] for org in delivered} == {str(uuid.UUID(int=trace_id))}

    # a client in a trace of its own: the gateway carries it on, and the event written keeps its trace id
    client = tracing.traceparent(uuid.uuid4().int, 0x00F067AA0BA902B7)
    sent = await stack.http.post(
        "/api/v1/materials", json={**NEWS, "org_id": o["cc"]["id"]}, headers={**h, "traceparent": client}
    )
    assert sent.status_code == 201, sent.text
    theirs = tracing.parse(client)
    assert theirs is not None
    drafted = {s.name: s for s in in_trace(spans, theirs.trace_id)}
    assert drafted["POST /api/v1/materials"].parent.span_id == theirs.span_id  # type: ignore[union-attr]
    assert "svc.exchange.draft_material" in drafted
    async with exchange.engine.connect() as conn:
        drafts = text("SELECT correlation_id FROM exchange.events WHERE type LIKE '%drafted%' AND stream_id LIKE :material")
        kept = (await conn.execute(drafts, {"material": f"%{sent.json()['id']}%"})).all()
    assert [row[0] for row in kept] == [str(uuid.UUID(int=theirs.trace_id))]


async def test_a_letter_planned_outside_any_trace_is_still_sent_in_a_trace_of_its_own(
    stack: Stack, smtp: Any, spans: InMemorySpanExporter
) -> None:
    from notifications.tables import outbox, parties

    _, o = await chain(stack)
    engine = stack.services["notifications"].runtime.engine
    fnpr = o["fnpr"]["id"]

    async def party_known() -> bool:
        async with engine.connect() as conn:
            return (await conn.execute(parties.select().where(parties.c.party_id == fnpr))).first() is not None

    await eventually(party_known, timeout=20)
    # as a row planned before the outbox kept a traceparent, or a reminder the clock planned, has none
    now, mid = clock.now(), uuid.uuid4().hex
    row = {"notification_id": mid, "trigger": "reminder:old", "recipient_id": fnpr, "recipient_kind": "party"}
    row |= {"subject": "Профсеть: напоминание", "text": "Срок подходит.", "status": "pending"}
    async with engine.begin() as conn:
        await conn.execute(outbox.insert().values(**row, next_attempt_at=now, created_at=now))

    async def sent() -> list[ReadableSpan]:
        return [s for s in spans.get_finished_spans() if s.name == "send email" and s.attributes["notification_id"] == mid]

    [sending] = await eventually(sent, timeout=30)
    assert sending.parent is None, "a root span: no trace is made up for it"
    assert any(letter["To"] == "fnpr@example.org" for letter in smtp.letters)

    async def receipt() -> bool:
        async with engine.connect() as conn:
            return (await conn.execute(outbox.select().where(outbox.c.notification_id == mid))).one().status == "sent"

    await eventually(receipt, timeout=20)
