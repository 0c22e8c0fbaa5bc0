"""A three-node NATS cluster for the tests that kill its nodes (tests/cluster): started with every stream of the bus R3,
the operator's client of it, and what those tests measure on it — when each answer of a burst came, which node leads
a stream, a restarted node's replica catching up."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from kit.db import make_engine
from profset.natsauth import generate_passwords
from profset.natscluster import NatsCluster

from .faults import Burst
from .waiting import eventually

T = TypeVar("T")


@pytest.fixture
async def nats_cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    """Three nats-servers joined by routes, JetStream on each, every stream of the bus made R3 by the operator's
    migration, and every user and permission of the real system on each node; `url` and `login` name all three."""
    cluster = NatsCluster(tmp_path / "nats", passwords=generate_passwords())
    try:
        await asyncio.to_thread(cluster.start)
        nc = await operator_client(cluster)
        try:
            await eventually(lambda: _streams_made(nc, cluster.replicas), timeout=30, interval=0.2)
        finally:
            await nc.close()
        yield cluster
    finally:
        await asyncio.to_thread(cluster.stop)


@pytest.fixture
async def cluster_nc(nats_cluster: NatsCluster) -> AsyncIterator[Any]:
    """The operator's client of the cluster, through its seed servers: it follows the cluster as nodes die."""
    client = await operator_client(nats_cluster)
    yield client
    await client.close()


async def operator_client(cluster: NatsCluster) -> Any:
    """A client logged in as the operator to any live node, reconnecting for as long as it takes."""
    import nats

    return await nats.connect(**cluster.operator(), name="profset-test", max_reconnect_attempts=-1, reconnect_time_wait=0.5)


async def _streams_made(nc: Any, replicas: int) -> bool:
    """Makes every stream once the cluster has elected the leader of its JetStream (asked again until then)."""
    import nats.errors

    from profset.streamkeeper import ensure

    try:
        await nc.jetstream(timeout=1).account_info()  # asked briefly first: the keeper's own asks wait 10 s each
        await ensure(nc, replicas)
    except nats.errors.Error as e:  # "JetStream system temporarily unavailable", a timeout: no meta leader yet
        raise AssertionError(f"JetStream not ready: {e!r}") from e
    return True


async def through_elections(read: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
    """A read of the bus asked again while the cluster answers "JetStream system temporarily unavailable" (a node
    just back, its leaders being elected); any other failure is the read's own and is raised at once."""
    import nats.errors

    deadline = time.monotonic() + timeout
    while True:
        try:
            return await read()
        except nats.errors.Error:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


@dataclass
class TimedBurst(Burst):
    """A burst that notes when each answer came, to tell how long commands went unanswered while nodes died."""

    answered_at: list[tuple[float, int]] = field(default_factory=list)
    """(monotonic seconds, HTTP status) of every answer, in the order they came."""

    async def send(self, i: int) -> int:
        status = await super().send(i)
        self.answered_at.append((time.monotonic(), status))
        return status

    def longest_gap(self) -> float:
        """The longest stretch between two answers `201` in a row (seconds)."""
        times = sorted(t for t, status in self.answered_at if status == 201)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    def ok_between(self, start: float, end: float) -> int:
        """How many commands were answered `201` between two moments (monotonic seconds)."""
        return sum(1 for t, status in self.answered_at if status == 201 and start < t < end)


async def leader_elected(cluster: NatsCluster, js: Any, stream: str, other_than: int | None = None) -> int:
    """Waits until the stream has a leader (another node than `other_than`); that node."""
    import nats.errors

    found: list[int] = []

    async def elected() -> bool:
        try:
            node = await cluster.leader(js, stream)
        except nats.errors.Error as e:  # no leader to answer yet
            raise AssertionError(f"{stream} has no leader: {e!r}") from e
        if node is None or node == other_than:
            return False
        found.append(node)
        return True

    await eventually(elected, timeout=60, interval=0.1)
    return found[-1]


async def caught_up(cluster: NatsCluster, js: Any, node: int, stream: str) -> int:
    """Waits until node's own replica of the stream ends where the stream's leader does; that last sequence."""

    import nats.errors

    async def same_end() -> int | bool:
        try:
            leader_end = (await js.stream_info(stream)).state.last_seq
            own_end = await asyncio.to_thread(cluster.last_sequence, node, stream)
        except (nats.errors.Error, OSError) as e:  # the node, or the stream's leader, not answering yet
            raise AssertionError(f"not caught up yet: {e!r}") from e
        return leader_end if own_end == leader_end else False

    return int(await eventually(same_end, timeout=60, interval=0.2))


async def jetstream_unavailable(js: Any, stream: str) -> bool:
    """Whether the stream cannot be asked about now (no quorum to elect its leader)."""
    import nats.errors

    try:
        info = await js.stream_info(stream)
    except nats.errors.Error:
        return True
    return info.cluster is None or not info.cluster.leader


async def in_ledger(database_url: str, command_ids: set[str]) -> dict[str, int]:
    """The registry's ledger against commands alone (while the stream cannot be read): commands lost and doubled."""
    from registry.tables import ledger

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ledger.events.c.command_id).where(ledger.events.c.command_id.in_(command_ids)))).all()
    await engine.dispose()
    per_command = Counter(r.command_id for r in rows)
    return {
        "lost_from_ledger": sum(1 for c in command_ids if per_command[c] == 0),
        "duplicated_in_ledger": sum(n - 1 for n in per_command.values()),
    }


async def published_up_to(database_url: str, stream: str = "REGISTRY") -> int:
    """The ledger position the registry's relay last saw the stream take (0 before any)."""
    from registry.tables import ledger

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        found = (await conn.execute(select(ledger.relay.c.position).where(ledger.relay.c.stream == stream))).scalar()
    await engine.dispose()
    return int(found or 0)


async def ledger_head(database_url: str) -> int:
    """The registry ledger's last position."""
    from sqlalchemy import func

    from registry.tables import ledger

    engine = make_engine(database_url)
    async with engine.connect() as conn:
        found = (await conn.execute(select(func.max(ledger.events.c.position)))).scalar()
    await engine.dispose()
    return int(found or 0)
