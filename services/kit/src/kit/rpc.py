"""Request/reply on `svc.<service>.<verb>`: decode, authenticate, deduplicate, run, and answer in one shape."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nats.errors
from nats.aio.client import Client
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from contracts.base import Payload
from contracts.envelope import Error, ErrorCode, ErrorDetail, Reply, RequestHeader, service_subject

from . import clock, logs, metrics, tracing
from .catchup import LEDGER_END, CatchUp, LedgerEnd
from .errors import Refused, forbidden, invalid, unavailable
from .store import Committed, EventStore, Meta, fingerprint, retrying
from .tokens import Actor, Role, Verifier

log = logs.get("rpc")


@dataclass(frozen=True)
class Context:
    """Everything a handler may know about the request besides its payload."""

    actor: Actor
    meta: Meta
    today: date
    now: datetime
    tz: ZoneInfo


Handler = Callable[[Any, Context], Awaitable[Any]]


@dataclass(frozen=True)
class Verb:
    """One request/reply verb: its payload model, its handler, whether it writes, and the services that may ask it
    on their own account (a `service` actor of any other name is refused before the handler runs)."""

    payload: type[Payload]
    handler: Handler
    command: bool
    services: frozenset[str] = frozenset()


VerbTable = Mapping[str, tuple[type[Payload], Handler]]


def verbs(commands: VerbTable, queries: VerbTable, services: Mapping[str, Collection[str]] | None = None) -> dict[str, Verb]:
    """A service's verbs from its commands (which write) and its queries (which read); `services` names, per verb,
    the service identities that may ask it (none may ask any other verb)."""
    found = {name: Verb(model, handler, command=True) for name, (model, handler) in commands.items()}
    found |= {name: Verb(model, handler, command=False) for name, (model, handler) in queries.items()}
    for name, allowed in (services or {}).items():
        found[name] = replace(found[name], services=frozenset(allowed))  # a KeyError: a verb misspelled
    return found


Defer = Callable[[Awaitable[bytes]], None]
"""Takes the rest of a request that must wait, to finish it off the caller's worker and reply when it is done."""


@dataclass
class Admitted:
    """A request past the door: its verb, payload and context, and the positions it still waits for."""

    verb: Verb
    payload: Payload
    context: Context
    owed: dict[str, int]


class Dispatcher:
    """Answers the requests of one service."""

    def __init__(
        self,
        service: str,
        verbs: Mapping[str, Verb],
        store: EventStore,
        verifier: Verifier,
        tz: ZoneInfo,
        catch_up: CatchUp,
        writes_refused: Callable[[], Refused | None] = lambda: None,
    ) -> None:
        self.service, self.store, self.verifier, self.tz, self.catch_up = service, store, verifier, tz, catch_up
        self.writes_refused = writes_refused  # why commands are refused now, if they are (kit.buswatch)
        tracing.configure(service)  # once per process: the service that answers requests names its spans
        self.verbs = {**verbs, LEDGER_END: Verb(LedgerEnd, self.catch_up.ledger_end, command=False)}

    async def handle(self, subject: str, headers: Mapping[str, str], body: bytes, defer: Defer | None = None) -> bytes | None:
        """The reply to one request, as bytes; never raises. A request that must wait for `min_positions` is handed
        to `defer`, if given, and None returned: the wait then holds none of the service's request workers."""
        verb_name = subject.rsplit(".", 1)[-1]
        started = time.perf_counter()
        # the caller's trace goes on here; the span ends with the reply, which may be made in another task
        span = tracing.start(subject, tracing.SpanKind.SERVER, headers.get(RequestHeader.TRACEPARENT), verb=verb_name)
        try:
            with tracing.entered(span, end=False):
                admitted = await self._admit(verb_name, headers, body)
        except Exception as e:  # noqa: BLE001 - every failure is answered, as `_failed` sorts it
            with tracing.entered(span, end=True):
                return self._answered(verb_name, started, *self._failed(verb_name, e))
        if admitted.owed and defer is not None:
            defer(self._finish(verb_name, started, admitted, span))
            return None
        return await self._finish(verb_name, started, admitted, span)

    async def _finish(self, verb_name: str, started: float, admitted: Admitted, span: tracing.Span) -> bytes:
        with tracing.entered(span, end=True):
            try:
                reply, outcome = await self._run(admitted), "ok"
            except Exception as e:  # noqa: BLE001 - as in `handle`
                reply, outcome = self._failed(verb_name, e)
            span.set_attribute("outcome", outcome)
            return self._answered(verb_name, started, reply, outcome)

    def _failed(self, verb_name: str, e: Exception) -> tuple[dict[str, Any], str]:
        if isinstance(e, Refused):
            return _refusal(e.as_error()), e.code.value
        if isinstance(e, OperationalError | InterfaceError | DBAPIError | OSError | nats.errors.Error):
            log.warning("dependency unavailable", verb=verb_name, error=repr(e))
            return _refusal(unavailable("a server this service needs is not answering; retry").as_error()), "unavailable"
        log.error("request failed", verb=verb_name, exc_info=e)
        return _refusal(unavailable("the service failed to answer; it has been logged").as_error()), "error"

    def _answered(self, verb_name: str, started: float, reply: dict[str, Any], outcome: str) -> bytes:
        elapsed = time.perf_counter() - started
        metrics.REQUESTS.labels(self.service, verb_name, outcome).inc()
        metrics.REQUEST_SECONDS.labels(self.service, verb_name).observe(elapsed)
        # names and rules only, never values or messages: a refusal's message may quote what was sent (PD1)
        refused = [(d.get("field"), d.get("rule")) for d in reply.get("error", {}).get("details", [])] if outcome != "ok" else []
        log.debug("request", verb=verb_name, outcome=outcome, ms=round(elapsed * 1000, 1), refused=refused)
        return json.dumps(reply, separators=(",", ":"), ensure_ascii=False, default=str).encode()

    async def _admit(self, verb_name: str, headers: Mapping[str, str], body: bytes) -> Admitted:
        """Everything checked at the door: the verb, the actor, the payload, and the positions it must wait for (a
        position beyond this service's own ledger is refused here; the caller's waits are counted in here)."""
        verb = self.verbs.get(verb_name)
        if verb is None:
            raise invalid("verb", f"{self.service} has no verb {verb_name!r}", rule="exists")
        now = clock.now()
        actor = self.verifier.verify(headers.get(RequestHeader.ACTOR), now)
        if actor.role is Role.SERVICE and actor.username not in verb.services:
            raise forbidden(f"the {actor.username} service is not given {self.service}'s {verb_name}")
        payload = _parse(verb.payload, body)
        if verb.command and (refusal := self.writes_refused()) is not None:
            raise refusal
        command_id = headers.get(RequestHeader.COMMAND_ID) if verb.command else None
        meta = Meta(
            command_id=command_id,
            fingerprint=fingerprint(self.service, verb_name, actor.username, body.decode(errors="replace")),
            # a traced request's events carry its trace id, from which the relay rebuilds their traceparent
            correlation_id=headers.get(RequestHeader.CORRELATION_ID) or tracing.correlation_id(),
            causation_id=command_id,
            actor=actor.username,
        )
        context = Context(actor=actor, meta=meta, today=now.astimezone(self.tz).date(), now=now, tz=self.tz)
        # commands wait too: a command may be decided on another context's facts the caller just wrote
        owed = await self.catch_up.owed(actor.username, headers.get(RequestHeader.MIN_POSITIONS))
        return Admitted(verb, payload, context, owed)

    async def _run(self, admitted: Admitted) -> dict[str, Any]:
        """Waits for what the request is owed (giving its count back after), then runs its handler: a command that
        lost an optimistic-concurrency race is decided again on the fresh state, here only (`kit.store.retries`)."""
        verb, payload, context = admitted.verb, admitted.payload, admitted.context
        if admitted.owed:
            await self.catch_up.wait(context.actor.username, admitted.owed)
        try:
            if verb.command:
                result = await retrying(lambda: verb.handler(payload, context))
            else:
                result = await verb.handler(payload, context)
        except Refused:
            # a repeat is run again rather than looked up first, a read per command: its append finds the command id
            # done and answers the first reply; one its first run now makes the handler refuse answers it here
            command_id = context.meta.command_id
            if command_id is None or (first := await self.store.first_reply(context.meta)) is None:
                raise
            return first
        if isinstance(result, Committed):
            self.catch_up.wrote(result.positions)
            return result.reply
        return Reply(ok=True, data=result).model_dump(mode="json", exclude_none=True)


def _parse(model: type[Payload], body: bytes) -> Payload:
    try:
        raw = json.loads(body or b"{}")
    except json.JSONDecodeError:
        raise invalid("body", "the body is not JSON", rule="json") from None
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        details = [
            ErrorDetail(field=".".join(str(p) for p in err["loc"]) or "body", rule=err["type"], message=err["msg"])
            for err in e.errors(include_url=False, include_input=False)
        ]
        raise Refused(ErrorCode.INVALID, "the request has invalid fields", details) from None


def _refusal(error: Error) -> dict[str, Any]:
    return Reply(ok=False, error=error).model_dump(mode="json", exclude_none=True)


NO_RESPONDERS_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8, 0)
"""Waits between sends of a request nobody is subscribed to yet (about 1.5 s in all), the last try answering."""


CallToken = Callable[[str, str], str]
"""From the caller's token and the service asked, the token that goes on the request (kit.calltokens)."""


class RequestClient:
    """Sends requests to services on behalf of an actor token (the gateway, or a service itself)."""

    def __init__(self, nc: Client, timeout: float = 10.0, call_token: CallToken | None = None) -> None:
        self.nc, self.timeout, self.call_token = nc, timeout, call_token

    async def request(
        self,
        service: str,
        verb: str,
        payload: Mapping[str, Any] | Payload,
        *,
        token: str,
        command_id: str | None = None,
        correlation_id: str | None = None,
        min_positions: Mapping[str, int] | None = None,
    ) -> Reply:
        """The service's reply; a timeout or a missing service is `unavailable`, never an exception."""
        body = payload.model_dump_json(exclude_none=True) if isinstance(payload, Payload) else json.dumps(payload, default=str)
        try:
            headers = {RequestHeader.ACTOR: self.call_token(token, service) if self.call_token else token}
        except Refused as e:  # the caller's token expired since it was checked
            return Reply(ok=False, error=e.as_error())
        if command_id:
            headers[RequestHeader.COMMAND_ID] = command_id
        if correlation_id:
            headers[RequestHeader.CORRELATION_ID] = correlation_id
        if min_positions:
            headers[RequestHeader.MIN_POSITIONS] = json.dumps(dict(min_positions))
        subject = service_subject(service, verb)
        with tracing.span(f"request {subject}", tracing.SpanKind.CLIENT):
            if (traceparent := tracing.current()) is not None:
                headers[RequestHeader.TRACEPARENT] = traceparent
            return await self._send(service, subject, body, headers)

    async def _send(self, service: str, subject: str, body: str, headers: dict[str, str]) -> Reply:
        """Sends a request, again while nobody is subscribed to its subject yet."""
        for pause in NO_RESPONDERS_PAUSES:
            try:
                msg = await self.nc.request(subject, body.encode(), timeout=self.timeout, headers=headers)
                return Reply.model_validate_json(msg.data)
            except nats.errors.NoRespondersError:
                # nobody got it (a service starting, or restarting in a rollout): safe to send again, even a command
                await asyncio.sleep(pause)
            except (TimeoutError, nats.errors.Error, OSError) as e:
                # a timeout, or the connection closed, draining, reconnecting or its buffer full: the request may have
                # reached the service, so it is not sent again; the caller retries with the same command id
                log.warning("request unanswered", subject=subject, error=type(e).__name__)
                break
        return Reply(ok=False, error=unavailable(f"the {service} service did not answer; retry").as_error())
