"""A PostgreSQL failover as CloudNativePG does it (issue 33): the whole stack on a primary and its synchronous standby,
reached through one multi-host URI with target_session_attrs=read-write. The primary is killed -9 in the middle of a
command burst while cascades and their letters are under way, and the standby is promoted: nothing answered ok is lost,
nothing is written, published or delivered twice, no letter goes twice but the one in flight at the kill (with its
Message-ID), and the stack answers again once the standby took over."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from contracts.registry import HeadcountReported
from kit.relay import Relay
from kit.store import EventStore
from profset.kustomize import render
from profset.pgpair import PostgresPair
from profset_testing import ChatApi, Keys, Stack, eventually, running, start_stack, stream_messages
from profset_testing.api import NEWS, chain_with_addressees, post
from profset_testing.counting import LEDGER
from profset_testing.faults import Mini, counting_schema, record, recovered
from profset_testing.natscluster import TimedBurst
from profset_testing.settling import DELIVERIES_TWICE, SENT, count, published_once, settled

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = 240
MATERIALS = 6
"""Materials cascaded from the CC while the primary dies (one more is cascaded before, to count what one reaches)."""
REFUSED_BEFORE_PROMOTION = 5
"""Commands that meet the dead primary before the standby is promoted, as an operator's probes would notice it."""

ON_STREAMS = ("lost_from_stream", "duplicated_on_stream", "strangers_on_stream")


async def test_a_primary_killed_mid_burst_fails_over_to_its_standby_and_nothing_is_lost_or_doubled(
    pg_pair: PostgresPair, nats_server: Any, keys: Keys, smtp: Any, chat: ChatApi, nc: Any
) -> None:
    url = pg_pair.url
    async with start_stack(url, nats_server, keys, smtp, chat) as stack:
        h, orgs = await chain_with_addressees(stack)
        await eventually(lambda: settled(url), timeout=60, interval=0.3)
        before = len(smtp.letters)
        first = await _cascaded(stack, h, orgs["cc"]["id"], "До отказа")
        await eventually(lambda: settled(url), timeout=60, interval=0.3)
        reached, letters_each = await _deliveries(url, first), len(smtp.letters) - before
        assert reached and letters_each, "a cascade reaches orgs and mails their officers"

        burst = TimedBurst(Mini(stack.http, stack.services["registry"], h), orgs["p4"]["id"])
        drafts = [await _drafted(stack, h, orgs["cc"]["id"], f"Материал {i}") for i in range(MATERIALS)]
        cascades: dict[str, int] = {}
        fault: dict[str, float] = {}

        async def failover() -> None:
            fault["killed"] = time.monotonic()
            pg_pair.kill_primary()
            probe = asyncio.create_task(_first_ok(TimedBurst(burst.mini, burst.org)))
            await eventually(lambda: _refused_since(burst, fault["killed"]), timeout=30)
            fault["promoting"] = time.monotonic()  # the standby may take writes before pg_ctl has seen it do so
            await asyncio.to_thread(pg_pair.promote)
            fault["answered"] = await asyncio.wait_for(probe, 60)

        async def cascade_while_failing() -> None:  # one cascade every few commands, across the failover
            for material in drafts:
                cascades[material] = await _cascade(stack, h, material)
                await asyncio.sleep(0.3)

        await asyncio.gather(burst.run(COMMANDS, midway=failover, at=COMMANDS // 3), cascade_while_failing())
        refused = COMMANDS - len(burst.ok())
        cascades_refused = sum(1 for s in cascades.values() if s != 202)
        figures = await recovered(burst, COMMANDS, url, nc)
        await eventually(lambda: _all_cascaded(stack, h, drafts, cascades), timeout=60, interval=0.3)
        await eventually(lambda: settled(url), timeout=60, interval=0.3)
        await asyncio.sleep(1.0)  # a letter or delivery sent twice would come now, after everything settled
        streams = await published_once(url, nc)
        deliveries = {m: await _deliveries(url, m) for m in drafts}
        letters = [str(m["Message-ID"]) for m in smtp.letters]
        sent = await count(url, SENT)
        doubled_deliveries = await count(url, DELIVERIES_TWICE)

    record(
        "postgres_failover_mid_burst",
        commands=COMMANDS,
        not_ok_during_failover=refused,
        cascades_not_ok_at_first=cascades_refused,
        seconds_kill_to_promotion=round(fault["promoting"] - fault["killed"], 2),
        seconds_kill_to_first_ok=round(fault["answered"] - fault["killed"], 2),
        seconds_promotion_to_first_ok=round(fault["answered"] - fault["promoting"], 2),
        deliveries=sum(deliveries.values()) + reached,
        deliveries_twice=doubled_deliveries,
        letters=len(letters),
        letters_sent_again=len(letters) - len(set(letters)),
        events_published=sum(s["events"] for s in streams.values()),
        **{f"{k}_of_every_service": sum(s[k] for s in streams.values()) for k in ON_STREAMS},
        **figures,
    )
    assert refused >= REFUSED_BEFORE_PROMOTION and figures["commands_ok"] == COMMANDS
    assert not any(s[k] for s in streams.values() for k in ON_STREAMS), streams
    assert deliveries == dict.fromkeys(drafts, reached) and doubled_deliveries == 0, "each cascade reaches each org once"
    assert len(set(letters)) == before + letters_each * (1 + MATERIALS) == sent, "every letter of every cascade went"
    assert len(letters) - len(set(letters)) <= 1, "at most the letter in flight at the kill again, with its Message-ID"


async def _drafted(stack: Stack, h: dict[str, str], org: str, title: str) -> str:
    return str((await post(stack, h, "/api/v1/materials", {**NEWS, "title": title, "org_id": org}))["id"])


async def _cascaded(stack: Stack, h: dict[str, str], org: str, title: str) -> str:
    material = await _drafted(stack, h, org, title)
    assert await _cascade(stack, h, material) == 202
    return material


async def _cascade(stack: Stack, h: dict[str, str], material: str) -> int:
    """Cascades a material down the whole tree, under a key of its own so that sending it again repeats nothing."""
    headers = h | {"Idempotency-Key": f"cascade-{material}"}
    try:
        reply = await stack.http.post(f"/api/v1/materials/{material}/cascade", json={}, headers=headers)
    except httpx.HTTPError:  # no answer at all is an answer too: counted, sent again
        return 0
    assert reply.status_code in (202, 503), reply.text  # a fault is `unavailable`, never a 500
    return reply.status_code


async def _all_cascaded(stack: Stack, h: dict[str, str], drafts: list[str], cascades: dict[str, int]) -> bool:
    """Sends again, with the same keys, every cascade not yet answered 202; true once all are."""
    for material in drafts:
        if cascades.get(material) != 202:
            cascades[material] = await _cascade(stack, h, material)
    return all(cascades[m] == 202 for m in drafts)


async def _deliveries(url: str, material: str) -> int:
    return await count(url, f"SELECT count(*) FROM exchange.deliveries WHERE material_id = '{material}'")


async def _first_ok(client: TimedBurst) -> float:
    """A client asking from the kill on, a new command every 50 ms (none of the burst's): when one was answered ok."""
    i = COMMANDS
    while await client.send(i) != 201:
        i += 1
        await asyncio.sleep(0.05)
    return time.monotonic()


async def _refused_since(burst: TimedBurst, moment: float) -> bool:
    return sum(1 for at, status in burst.answered_at if at > moment and status != 201) >= REFUSED_BEFORE_PROMOTION


async def test_an_event_its_standby_never_got_is_neither_answered_nor_published(
    pg_pair: PostgresPair, nats_server: Any, nc: Any
) -> None:
    """An append whose standby is cut off waits, unseen by any other session (the relay's too), until the primary dies:
    it was answered nothing, published nowhere, and the promoted standby's ledger and the stream agree without it."""
    engine = await counting_schema(pg_pair.url)
    store = EventStore(engine, LEDGER, "registry")
    relay = Relay(engine, LEDGER, "registry", nc, idle_check=0.3)
    store.on_commit.append(relay.notify)
    async with running(relay):
        await store.append("before", [_headcount(1)], expected_version=0)
        await eventually(lambda: _published(nc, 1))
        await asyncio.to_thread(pg_pair.detach_standby)
        stranded = asyncio.create_task(store.append("stranded", [_headcount(2)], expected_version=0))
        await eventually(lambda: _waiting_for_the_standby(pg_pair))
        await asyncio.sleep(1.0)  # the relay looks for events five times a second: it would have read it meanwhile
        pg_pair.kill_primary()
        await asyncio.to_thread(pg_pair.promote)
        with pytest.raises(DBAPIError):  # its session is gone with the primary, before the standby answered
            await stranded
        after = await store.append("after", [_headcount(3)], expected_version=0)
        await eventually(lambda: _published_position(nc, after.positions[-1]), timeout=30)
    async with engine.connect() as conn:
        in_ledger = {str(e) for e in (await conn.execute(select(LEDGER.events.c.event_id))).scalars()}
    await engine.dispose()
    on_stream = [h["ce-id"] for h, _ in await stream_messages(nc.jetstream(), "REGISTRY")]
    assert sorted(on_stream) == sorted(in_ledger) and len(in_ledger) == 2, "the stream holds what the ledger holds"


def test_the_prod_cluster_commits_as_the_tested_pair_does_once_a_standby_has_it() -> None:
    cluster = next(o for o in render(ROOT / "k8s/overlays/prod") if o["kind"] == "Cluster")["spec"]
    assert cluster["postgresql"]["synchronous"] == {"method": "any", "number": 1, "dataDurability": "required"}
    assert cluster["instances"] == 3, "one primary, and two standbys either of which a commit may wait for"


def _headcount(members: int) -> HeadcountReported:
    return HeadcountReported(org_id="o", members=members, as_of=date(2020, 1, 1))


async def _published(nc: Any, n: int) -> bool:
    return len(await stream_messages(nc.jetstream(), "REGISTRY")) >= n


async def _published_position(nc: Any, position: int) -> bool:
    return any(int(h["ce-sequence"]) == position for h, _ in await stream_messages(nc.jetstream(), "REGISTRY"))


async def _waiting_for_the_standby(pair: PostgresPair) -> bool:
    """Whether a commit on the primary waits for its synchronous standby."""
    import psycopg

    with psycopg.connect(pair.primary.url, autocommit=True) as conn:
        found = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'").fetchone()
    return found is not None and found[0] > 0
