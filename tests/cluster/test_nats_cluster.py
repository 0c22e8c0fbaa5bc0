"""A three-node NATS cluster losing nodes (issue 33): every stream R3, every service reaching the cluster through its
seed servers. The node that leads a stream is killed -9 in the middle of a command burst and of a cascade; then two
nodes of three are gone at once, so JetStream has no quorum."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from contracts.exchange import DeliveryDelivered
from kit.projection import Delivered, Projection
from kit.projector import Projector
from profset import cli
from profset_testing import ChatApi, Keys, eventually, running, start_stack, stream_messages
from profset_testing.api import NEWS, admin, get, post
from profset_testing.counting import LEDGER, count
from profset_testing.csv_files import union_files
from profset_testing.faults import applied, clean, counting_schema, ledger_ids, mini_stack, primary_org, record, recovered
from profset_testing.natscluster import (
    TimedBurst,
    caught_up,
    in_ledger,
    jetstream_unavailable,
    leader_elected,
    ledger_head,
    published_up_to,
    through_elections,
)

COMMANDS = 300
LEADERLESS_BOUND = 8.0
"""Seconds the registry's stream may have no leader before commands are refused, in the quorum test."""
REFUSED = 20
"""Commands sent once writes are refused."""
PRIMARIES = 200
TERRITORIALS = 5


async def counting(conn: Any, d: Delivered) -> None:
    await count(conn, d.event_id, d.org_id or "", d.position)


def counter_of(source: str, engine: Any, nc: Any) -> Projector:
    """A consumer of the source's stream that counts how often it applied each event (kit_test.seen)."""
    return Projector(engine, LEDGER, "faults", Projection("counting", source, counting), nc, retry_base=0.05, replicas=3)


async def test_the_registry_streams_leader_killed_mid_burst_loses_and_doubles_nothing(
    database_url: str, nats_cluster: Any, keys: Keys, cluster_nc: Any
) -> None:
    js = cluster_nc.jetstream(timeout=5)
    engine = await counting_schema(database_url)
    async with mini_stack(database_url, nats_cluster, keys) as mini, running(counter_of("registry", engine, cluster_nc)):
        burst = TimedBurst(mini, await primary_org(mini))
        fault: dict[str, Any] = {}

        async def kill_the_leader() -> None:
            victim = await nats_cluster.leader(js, "REGISTRY")
            assert victim is not None, "REGISTRY has a leader before the kill"
            fault["held"] = await asyncio.to_thread(nats_cluster.last_sequence, victim, "REGISTRY")
            fault["victim"], fault["at"] = victim, time.monotonic()
            nats_cluster.kill(victim)
            await leader_elected(nats_cluster, js, "REGISTRY", other_than=victim)
            fault["elected"] = time.monotonic()

        await burst.run(COMMANDS, midway=kill_the_leader, at=COMMANDS // 3)
        while_electing = burst.ok_between(fault["at"], fault["elected"])
        unanswered = COMMANDS - len(burst.ok())
        figures = await through_elections(lambda: recovered(burst, COMMANDS, database_url, cluster_nc))  # two nodes left
        restarted = time.monotonic()
        await asyncio.to_thread(nats_cluster.start, fault["victim"])
        end = await caught_up(nats_cluster, js, fault["victim"], "REGISTRY")
        catch_up = time.monotonic() - restarted
        everything = await ledger_ids(database_url)
        await eventually(lambda: _applied_all(engine, everything), timeout=60)
        times = await applied(engine)
    await engine.dispose()
    twice = sum(1 for n in times.values() if n > 1)
    record(
        "nats_cluster_stream_leader_killed_mid_burst",
        nodes=3,
        replicas=3,
        commands=COMMANDS,
        answered_while_electing=while_electing,
        unanswered_during_fault=unanswered,
        longest_gap_between_answers_s=round(burst.longest_gap(), 2),
        leader_elected_after_s=round(fault["elected"] - fault["at"], 2),
        replica_behind_by=end - (fault["held"] or 0),
        replica_caught_up_after_s=round(catch_up, 2),
        applied=len(times),
        applied_twice=twice,
        **figures,
    )
    assert figures["commands_ok"] == COMMANDS and clean(figures), figures
    assert while_electing > 0, "commands are answered while the cluster elects a new leader"
    assert twice == 0 and len(times) == figures["events_checked"]


async def test_the_exchange_streams_leader_killed_mid_cascade_reaches_every_org_once(
    database_url: str, nats_cluster: Any, keys: Keys, smtp: Any, chat: ChatApi, cluster_nc: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    js = cluster_nc.jetstream(timeout=5)
    monkeypatch.setenv("EXCHANGE_CASCADE_CHUNK", "5")  # deliveries in small transactions: a "midway" to kill in
    monkeypatch.setenv("DATABASE_URL", database_url)  # the operator's import
    for key, value in keys.master_environment().items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "union"
    folder.mkdir()
    union_files(folder, territorial=TERRITORIALS, primary=PRIMARIES, members=0)
    (folder / "officers.csv").unlink()
    targets = TERRITORIALS + PRIMARIES
    engine = await counting_schema(database_url)
    async with (
        start_stack(database_url, nats_cluster, keys, smtp, chat) as stack,
        running(counter_of("exchange", engine, cluster_nc)),
    ):
        assert await asyncio.to_thread(cli.main, ["import", str(folder)]) == 0
        await eventually(lambda: _tree_caught_up(engine, database_url), timeout=60, interval=0.2)
        h = await admin(stack)
        [cc] = await get(stack, h, "/api/v1/orgs", level="central")
        material = (await post(stack, h, "/api/v1/materials", {**NEWS, "org_id": cc["id"]}))["id"]
        cascaded = await post(stack, h, f"/api/v1/materials/{material}/cascade", {}, 202)
        assert cascaded["targets"] == targets, cascaded
        await eventually(lambda: _delivered_at_least(engine, 50), timeout=60, interval=0.01)
        victim = await nats_cluster.leader(js, "EXCHANGE")
        assert victim is not None, "EXCHANGE has a leader before the kill"
        nats_cluster.kill(victim)
        killed_at, midway = time.monotonic(), await _delivered(engine)
        await leader_elected(nats_cluster, js, "EXCHANGE", other_than=victim)
        elected = time.monotonic() - killed_at
        await eventually(lambda: _published_is(js, targets), timeout=120, interval=0.5)
        restarted = time.monotonic()
        await asyncio.to_thread(nats_cluster.start, victim)
        await caught_up(nats_cluster, js, victim, "EXCHANGE")
        catch_up = time.monotonic() - restarted
        everything = await _exchange_ids(engine)
        await eventually(lambda: _applied_all(engine, everything), timeout=60)
        await eventually(lambda: _consumers_at(engine, "exchange", ("kpi", "notifications")), timeout=60, interval=0.3)
        figures = await through_elections(lambda: _figures(engine, js, targets))
        times = await applied(engine)
    await engine.dispose()
    twice = sum(1 for n in times.values() if n > 1)
    record(
        "nats_cluster_stream_leader_killed_mid_cascade",
        nodes=3,
        orgs=targets,
        delivered_before_kill=midway,
        leader_elected_after_s=round(elected, 2),
        replica_caught_up_after_s=round(catch_up, 2),
        applied=len(times),
        applied_twice=twice,
        **figures,
    )
    assert 50 <= midway < targets, f"killed midway, after {midway} deliveries"
    assert figures == {"orgs_reached": targets, "lost": 0, "duplicated": 0, "published": targets, "duplicated_on_stream": 0}
    assert twice == 0


async def test_a_second_node_lost_mid_burst_refuses_writes_past_an_election_and_loses_nothing_when_both_return(
    database_url: str, nats_cluster: Any, keys: Keys, cluster_nc: Any
) -> None:
    js, briefly = cluster_nc.jetstream(timeout=5), cluster_nc.jetstream(timeout=1)
    engine = await counting_schema(database_url)
    quick = {"refuse_writes_leaderless_seconds": LEADERLESS_BOUND}  # the default 20 s is only waited out longer
    async with (
        mini_stack(database_url, nats_cluster, keys, quick) as mini,
        running(counter_of("registry", engine, cluster_nc)),
    ):
        burst = TimedBurst(mini, await primary_org(mini))
        first = await nats_cluster.leader(js, "REGISTRY")
        assert first is not None, "REGISTRY has a leader before the kill"
        nats_cluster.kill(first)
        second = await leader_elected(nats_cluster, js, "REGISTRY", other_than=first)  # two nodes carry on
        survivor = next(n for n in range(3) if n not in (first, second))
        fault: dict[str, Any] = {}

        async def lose_the_quorum() -> None:
            nats_cluster.kill(second)
            fault["at"] = time.monotonic()
            await eventually(lambda: jetstream_unavailable(briefly, "REGISTRY"), timeout=30, interval=0.2)
            fault["published"] = await published_up_to(database_url)  # the stream took nothing more from here on

        await burst.run(COMMANDS // 2, midway=lose_the_quorum, at=COMMANDS // 6)
        without_quorum = burst.ok_between(fault["at"], time.monotonic())
        answers = Counter(burst.answers.values())  # before the commands not answered ok are sent again
        in_the_ledger = await in_ledger(database_url, burst.command_ids())
        await eventually(lambda: _connected(nats_cluster, survivor, {"registry", "gateway"}), timeout=30)
        sent = COMMANDS // 2
        refusing = await _writes_refused(mini, burst.org)
        refused_after = time.monotonic() - fault["at"]
        probes = await asyncio.gather(*(burst.send(i) for i in range(sent, sent + REFUSED)))
        sent += REFUSED
        written_refused = await in_ledger(database_url, _command_ids(burst, range(sent - REFUSED, sent)))
        published_meanwhile = await published_up_to(database_url) - fault["published"]
        quorum_still_lost = await jetstream_unavailable(briefly, "REGISTRY")
        returned = time.monotonic()
        for node in (first, second):
            await asyncio.to_thread(nats_cluster.start, node)
        await leader_elected(nats_cluster, js, "REGISTRY")
        quorum_back = time.monotonic() - returned
        figures = await through_elections(lambda: recovered(burst, sent, database_url, cluster_nc))
        published_after = time.monotonic() - returned
        everything = await ledger_ids(database_url)
        await eventually(lambda: _applied_all(engine, everything), timeout=60)
        times = await applied(engine)
    await engine.dispose()
    twice = sum(1 for n in times.values() if n > 1)
    record(
        "nats_cluster_quorum_lost",
        nodes=3,
        nodes_lost=2,
        commands=COMMANDS // 2,
        answered_ok_without_quorum=without_quorum,
        refused_503=answers[503],
        refused_past_the_bound=probes.count(503),
        writes_refused_after_s=round(refused_after, 2),
        unanswered=answers[0],
        longest_gap_between_answers_s=round(burst.longest_gap(), 2),
        published_without_quorum=published_meanwhile,
        leader_elected_after_return_s=round(quorum_back, 2),
        published_after_return_s=round(published_after, 2),
        applied=len(times),
        applied_twice=twice,
        **figures,
    )
    # the command path is core NATS and PostgreSQL only: for as long as an election takes commands are still answered
    # and kept in the ledger; past that bound they are refused (503) and nothing of them is written; once the nodes
    # return the relay publishes what was kept, and the refused commands, sent again, are answered ok once each
    assert quorum_still_lost, "JetStream had no quorum while the commands were sent"
    assert without_quorum > 0, "commands are answered while the stream could still be electing"
    assert in_the_ledger == {"lost_from_ledger": 0, "duplicated_in_ledger": 0}, in_the_ledger
    assert refusing, "past the bound, a command is refused naming the lost quorum"
    assert probes == [503] * REFUSED, probes
    assert written_refused == {"lost_from_ledger": REFUSED, "duplicated_in_ledger": 0}, "a refused command wrote nothing"
    assert published_meanwhile == 0, "nothing reached the stream without a quorum"
    assert figures["commands_ok"] == sent and clean(figures), figures
    assert twice == 0 and len(times) == figures["events_checked"]


async def _writes_refused(mini: Any, org: str) -> bool:
    """Waits until a command is refused 503 for the lost quorum (the bus watch looks every second); true then."""
    body = {"members": 1, "as_of": "1999-01-01"}

    async def refused() -> bool:
        reply = await mini.http.post(f"/api/v1/orgs/{org}/headcount", json=body, headers=mini.headers)
        assert reply.status_code == 503 and "quorum" in reply.text, reply.text
        return True

    return bool(await eventually(refused, timeout=30, interval=0.5))


def _command_ids(burst: TimedBurst, indices: range) -> set[str]:
    """The ledger's command ids the burst's commands of these indices would have, answered or not."""
    return {hashlib.sha256(f"admin\x1f{burst.key(i)}".encode()).hexdigest() for i in indices}


async def _connected(cluster: Any, node: int, names: set[str]) -> bool:
    """Whether every client named is connected to the node (services reconnect to whichever node lives)."""
    found = set(await asyncio.to_thread(cluster.clients, node))
    assert names <= found, f"{sorted(names - found)} not on node {node}: {sorted(found)}"
    return True


async def _applied_all(engine: Any, ids: set[str]) -> bool:
    return ids <= set(await applied(engine))


async def _all_published(database_url: str) -> bool:
    return await published_up_to(database_url) == await ledger_head(database_url)


async def _tree_caught_up(engine: Any, database_url: str) -> bool:
    """The exchange has mirrored the whole imported tree (its registry checkpoint at the registry's head)."""
    checkpoints = _ledger("exchange").checkpoints
    head = await ledger_head(database_url)
    async with engine.connect() as conn:
        found = (await conn.execute(select(checkpoints.c.position).where(checkpoints.c.source == "registry"))).scalar()
    return found is not None and found >= head


async def _consumers_at(engine: Any, source: str, services: tuple[str, ...]) -> bool:
    """Every service's consumer of the source's stream has applied up to the source ledger's head."""
    async with engine.connect() as conn:
        head = (await conn.execute(select(func.max(_ledger(source).events.c.position)))).scalar()
        for service in services:
            checkpoints = _ledger(service).checkpoints
            found = (await conn.execute(select(func.min(checkpoints.c.position)).where(checkpoints.c.source == source))).scalar()
            assert found is not None and found >= head, f"{service} at {found} of {source}'s {head}"
    return True


async def _exchange_ids(engine: Any) -> set[str]:
    async with engine.connect() as conn:
        return {str(r[0]) for r in await conn.execute(select(_ledger("exchange").events.c.event_id))}


def _ledger(service: str) -> Any:
    return importlib.import_module(f"{service}.tables").ledger


def _deliveries() -> Any:
    from exchange.tables import deliveries

    return deliveries


async def _delivered(engine: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(_deliveries()))).scalar_one())


async def _delivered_at_least(engine: Any, n: int) -> bool:
    return await _delivered(engine) >= n


async def _published(js: Any) -> list[dict[str, str]]:
    return [h for h, _ in await stream_messages(js, "EXCHANGE") if h.get("ce-type") == DeliveryDelivered.ce_type()]


async def _published_is(js: Any, n: int) -> bool:
    return len(await through_elections(lambda: _published(js))) == n


async def _figures(engine: Any, js: Any, targets: int) -> dict[str, int]:
    """Deliveries in the read model and on the bus: every org exactly once."""
    async with engine.connect() as conn:
        per_org = dict((await conn.execute(select(_deliveries().c.org_id, func.count()).group_by(_deliveries().c.org_id))).all())
    published = Counter(h["ce-id"] for h in await _published(js))
    return {
        "orgs_reached": len(per_org),
        "lost": targets - len(per_org),
        "duplicated": sum(n - 1 for n in per_org.values()),
        "published": len(published),
        "duplicated_on_stream": sum(n - 1 for n in published.values()),
    }
