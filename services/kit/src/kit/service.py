"""The runtime of one service: a FastStream app answering its verbs, its relay and projectors, and probes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.errors
import uvicorn
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage
from faststream.security import SASLPlaintext
from nats.aio.client import Client
from prometheus_client import make_asgi_app
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from . import logs, metrics
from .buswatch import BusWatch
from .catchup import CatchUp, Waits
from .crypto import KeyRing
from .db import make_engine
from .projection import Projection
from .projector import Projector
from .relay import Relay
from .rpc import Dispatcher, RequestClient, Verb
from .settings import ServiceSettings
from .store import EventStore, InlineProjection, Ledger, truncating
from .tokens import Verifier, service_audience

HAND_OVER_SECONDS = 10.0
"""How long a graceful stop waits for the requests it received to be answered (within Kubernetes' 30 s grace)."""
STREAM_DELIVERY = "$JS.ACK."
"""The reply subject of a message JetStream delivers from a stream: never a client's request."""


async def _as_it_came(msg: NatsMessage) -> NatsMessage:
    """The decoder of requests: the message itself, which the dispatcher parses into its verb's payload model."""
    return msg


async def _respond(msg: NatsMessage, reply: bytes) -> None:
    """Answers a request on the connection it came by (the only one NATS lets answer it), if it asked for a reply."""
    if msg.raw_message.reply:
        await msg.raw_message.respond(reply)


log = logs.get("service")


@dataclass
class Runtime:
    """What a service's wiring may use: built at startup, never at import."""

    settings: ServiceSettings
    engine: AsyncEngine
    ledger: Ledger
    nc: Client
    keyring: KeyRing | None
    requests: RequestClient
    store: EventStore = field(init=False)


@dataclass
class Wiring:
    """A service's verbs, the read models its appends update inline, and what it consumes."""

    verbs: Mapping[str, Verb]
    inline: Sequence[InlineProjection] = ()
    projections: Sequence[Projection] = ()
    read_models: Sequence[Table] = ()
    """The tables the inline projections build, emptied by a rebuild."""
    tasks: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = ()
    """Background jobs (e.g. a periodic sweep), each running until the event is set."""
    roles: Mapping[str, Callable[[], bool]] = field(default_factory=dict)
    """The single-active jobs among `tasks`, by role, each with whether this replica leads it now (holds its lock)."""


Wire = Callable[[Runtime], Wiring]


class Service:
    """Starts and stops one service's parts; `asgi()` is what uvicorn serves."""

    def __init__(
        self, settings: ServiceSettings, metadata: MetaData, ledger: Ledger, wire: Wire, *, publishes: bool = True
    ) -> None:
        self.settings, self.metadata, self.ledger, self.wire, self.publishes = settings, metadata, ledger, wire, publishes
        self.name = settings.service
        security = SASLPlaintext(settings.nats_user, settings.nats_password or "") if settings.nats_user else None
        # replies come to an inbox of the service's own, which NATS permissions let no other user read
        self.inbox = f"_INBOX.{self.name}"
        self.broker = NatsBroker(
            settings.nats_servers,
            security=security,
            max_reconnect_attempts=-1,
            logger=None,
            inbox_prefix=self.inbox,
            # no dependency injection: a request is handed over as it came (`_as_it_came`), which costs far less CPU
            # than resolving it through fast_depends
            apply_types=False,
        )
        self.runtime: Runtime | None = None
        self.dispatcher: Dispatcher | None = None
        self.relay: Relay | None = None
        self.bus: BusWatch | None = None
        self.projectors: list[Projector] = []
        self.read_models: list[Table] = []
        self.workers: Mapping[str, Callable[[], bool]] = {}
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: list[asyncio.Task[None]] = []

        self._waiting: set[asyncio.Task[None]] = set()

        # a core NATS request has nothing to acknowledge: MANUAL leaves FastStream's acknowledging middleware out;
        # the reply is sent here, not by FastStream, so that a request waiting for min_positions can be answered later
        self.requests = self.broker.subscriber(
            f"svc.{self.name}.*",
            queue=self.name,
            max_workers=settings.request_workers,
            decoder=_as_it_came,
            ack_policy=AckPolicy.MANUAL,
            no_reply=True,
        )

        @self.requests
        async def on_request(msg: NatsMessage) -> None:
            if (msg.raw_message.reply or "").startswith(STREAM_DELIVERY):
                # a push consumer someone pointed at this subject: nobody asked, so nothing is worked out or answered
                metrics.NOT_REQUESTS.labels(self.name).inc()
                return None
            if self.dispatcher is None:
                return await _respond(msg, b'{"ok":false,"error":{"code":"unavailable","message":"starting up; retry"}}')
            reply = await self.dispatcher.handle(msg.raw_message.subject, msg.headers, msg.body, self._later(msg))
            if reply is not None:
                await _respond(msg, reply)
            return None

    def _later(self, msg: NatsMessage) -> Callable[[Awaitable[bytes]], None]:
        """Finishes a request that waits for min_positions in a task of its own, off the request workers."""

        def defer(answer: Awaitable[bytes]) -> None:
            async def reply() -> None:
                data = await answer  # never raises; the connection it is answered on may be gone by then
                with contextlib.suppress(nats.errors.Error):
                    await _respond(msg, data)

            task = asyncio.get_running_loop().create_task(reply())
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)

        return defer

    async def start(self) -> None:
        """Connects to Postgres and NATS, wires the service, and starts the relay and projectors."""
        logs.configure(self.settings.log_format, self.settings.log_level)
        settings = self.settings
        engine = make_engine(settings.database_url)
        nc = await nats.connect(
            settings.nats_servers,
            user=settings.nats_user,
            password=settings.nats_password,
            max_reconnect_attempts=-1,
            name=self.name,
            inbox_prefix=self.inbox,
        )
        keyring = KeyRing(self.ledger, settings.master_key) if settings.master_key else None
        runtime = Runtime(settings, engine, self.ledger, nc, keyring, RequestClient(nc))
        store = EventStore(engine, self.ledger, self.name, gather=settings.group_commit_wait_seconds)
        runtime.store = store
        wiring = self.wire(runtime)
        store.inline = list(wiring.inline)
        self.read_models = list(wiring.read_models)
        self.workers = wiring.roles
        self.runtime = runtime
        self.projectors = [
            Projector(
                engine,
                self.ledger,
                self.name,
                p,
                nc,
                max_deliver=settings.max_deliver,
                batch=settings.projector_batch,
                replicas=settings.stream_replicas,
            )
            for p in wiring.projections
        ]
        if self.publishes:
            self.relay = Relay(engine, self.ledger, self.name, nc, batch=settings.relay_batch, replicas=settings.stream_replicas)
            store.on_commit.append(self.relay.notify)
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop)))
            refuse_after = settings.refuse_writes_leaderless_seconds
            self.bus = BusWatch(self.name, nc.jetstream(timeout=1.0), self.relay.stream, refuse_after)
            self._tasks.append(asyncio.create_task(self.bus.run(self._stop)))
        self._tasks += [asyncio.create_task(p.run(self._stop)) for p in self.projectors]
        self._jobs = [asyncio.create_task(task(self._stop)) for task in wiring.tasks]
        self.dispatcher = Dispatcher(
            self.name,
            wiring.verbs,
            store,
            Verifier(
                settings.token_public_key,
                service_audience(settings.token_audience, self.name),
                services=settings.service_public_keys,
            ),
            settings.tz,
            CatchUp(
                self.name,
                store,
                self.projectors,
                settings.read_wait_seconds,
                Waits(settings.read_waits_per_caller, settings.read_waits_at_once, settings.read_waits_queued_per_caller),
            ),
            self.bus.refusal if self.bus is not None else lambda: None,
        )
        for role in self.roles():
            metrics.ROLE_LEADING.labels(self.name, role).set_function(functools.partial(self._leads, role))
        log.info(
            "service started", service=self.name, verbs=sorted(wiring.verbs), projections=[p.consumer for p in self.projectors]
        )

    async def rebuild(self) -> int:
        """Empties the inline read models and applies the whole ledger again; returns how many events."""
        assert self.runtime is not None, "start the service first"
        return await self.runtime.store.rebuild(truncating(self.read_models))

    async def stop(self) -> None:
        """Stops the relay, projectors and background jobs and closes connections. The jobs are told first and given a
        moment to finish what they do: a letter cancelled between the mail server's acceptance and its receipt would go
        again from the replica that takes over (a relay or projector cancelled midway repeats nothing)."""
        self._stop.set()
        if self._jobs:
            await asyncio.wait(self._jobs, timeout=HAND_OVER_SECONDS)
        stopping = [*self._tasks, *self._jobs, *self._waiting]  # requests still waiting for min_positions go unanswered
        for task in stopping:
            task.cancel()
        await asyncio.gather(*stopping, return_exceptions=True)
        if self.runtime is not None:
            await self.runtime.nc.close()  # the tasks are done; a drain would wait out pull subscriptions
            await self.runtime.engine.dispose()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Service]:
        """Runs the whole service in this event loop (tests, benchmarks, the operator CLI)."""
        await self.start()
        await self.broker.start()
        try:
            yield self
        finally:
            await self.hand_over()
            await self.broker.stop()
            await self.stop()

    async def hand_over(self) -> None:
        """The first step of a graceful stop: takes no more requests (NATS hands them to the other replicas of the
        queue group) and works out, within a bound, those received, which the broker's own stop would drop unanswered
        if not yet begun (it stops consuming before it unsubscribes). Requests waiting for min_positions are not waited
        for: they may wait out their whole bound, and go unanswered as before (the client asks again)."""
        subscription = self.requests.subscription
        if subscription is None:
            return
        self.requests.subscription = None  # the broker's stop would unsubscribe it again, which a drained one refuses
        with contextlib.suppress(nats.errors.Error):
            await subscription.drain()  # type: ignore[no-untyped-call]  # nats-py leaves it unannotated
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._answered(), HAND_OVER_SECONDS)

    async def _answered(self) -> None:
        """Returns once the request workers (FastStream's semaphore over its in-memory queue) are all idle, seen so twice
        in a row: a message just taken from the queue starts a moment later."""
        workers, idle = self.requests, 0
        while idle < 2:
            await asyncio.sleep(0.01)
            queued = workers.receive_stream.statistics().current_buffer_used
            idle = 0 if queued or workers.limiter.value < workers.max_workers else idle + 1

    async def wait_for(self, wanted: Mapping[str, int], timeout: float) -> bool:
        """Waits, bounded, until this service's read models have applied the given positions."""
        assert self.dispatcher is not None, "start the service first"
        return await self.dispatcher.catch_up.wait_for(wanted, timeout)

    async def readiness(self) -> dict[str, Any]:
        """What /readyz checks: this replica can serve requests (NATS, Postgres, the request broker). Which replica
        leads the relay, a projector or a worker is not asked: a standby serves requests as well as its twin, and one
        never Ready would stall a rolling update and a node's drain on the PodDisruptionBudget."""
        checks: dict[str, Any] = {"nats": False, "postgres": False, "broker": await self.broker.ping(1.0)}
        if self.runtime is not None:
            checks["nats"] = self.runtime.nc.is_connected
            try:
                async with self.runtime.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                checks["postgres"] = True
            except Exception:  # noqa: BLE001 - any failure means not ready
                checks["postgres"] = False
        checks["ready"] = bool(checks["nats"] and checks["postgres"] and checks["broker"] and self.dispatcher is not None)
        return checks

    def roles(self) -> dict[str, bool]:
        """Each single-active role of the service (its relay, each consumer's projector, each such worker) and whether
        this replica leads it now."""
        roles: dict[str, bool] = {} if self.relay is None else {"relay": self.relay.active}
        roles |= {p.consumer: p.leading for p in self.projectors}
        return roles | {role: leads() for role, leads in self.workers.items()}

    def _leads(self, role: str) -> float:
        """The role gauge's reading at a scrape: 1 if this replica leads the role."""
        return float(self.roles().get(role, False))

    def health(self) -> dict[str, Any]:
        """What /healthz answers: alive, and which roles this replica leads or stands by for."""
        return {"status": "ok", "roles": {role: "leading" if leads else "standby" for role, leads in self.roles().items()}}

    def asgi(self) -> AsgiFastStream:
        """The ASGI app: the broker's lifespan plus /healthz, /readyz and /metrics."""

        @get(include_in_schema=False)
        async def healthz(_scope: Any) -> AsgiResponse:
            return AsgiResponse(json.dumps(self.health()).encode(), 200, headers={"content-type": "application/json"})

        @get(include_in_schema=False)
        async def readyz(_scope: Any) -> AsgiResponse:
            checks = await self.readiness()
            return AsgiResponse(
                json.dumps(checks).encode(), 200 if checks["ready"] else 503, headers={"content-type": "application/json"}
            )

        return AsgiFastStream(
            self.broker,
            asgi_routes=[("/healthz", healthz), ("/readyz", readyz), ("/metrics", make_asgi_app())],
            on_startup=[self.start],
            # as `running` does: no more requests and those received answered, then the broker, then the relay,
            # projectors and connections, so a rolling update's stop loses no request
            on_shutdown=[self.hand_over],
            after_shutdown=[self.stop],
        )

    def serve(self) -> None:
        """Runs the service under uvicorn until it is told to stop."""
        logs.configure(self.settings.log_format, self.settings.log_level)
        # log_config None: uvicorn's lines go to the root logger, rendered as ours (kit.logs), JSON in production
        uvicorn.run(
            self.asgi(),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_level="warning",
            log_config=None,
            lifespan="on",
        )
