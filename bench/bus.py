"""Scenarios 1, 4 and 5: commands, a cascade and its mail, each beside the raw rate of the same server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiosmtplib
import nats
import psycopg
from notifications import mail

from kit import ids
from kit.rpc import RequestClient

from .report import Figure


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of the values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def scalar(url: str, sql: str, *args: Any) -> Any:
    """One value from the bench's database."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(sql, args)
        row = await cur.fetchone()
        return None if row is None else row[0]


async def column(url: str, sql: str, *args: Any) -> list[Any]:
    """One column from the bench's database."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(sql, args)
        return [r[0] for r in await cur.fetchall()]


async def until(check: Any, timeout: float, interval: float = 0.05) -> float:
    """Awaits `check()` until truthy; the perf_counter time it first was."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if await check():
            return time.perf_counter()
        await asyncio.sleep(interval)
    raise TimeoutError(f"not done within {timeout}s")


async def consumers_idle(nats_url: str) -> bool:
    """Whether every JetStream consumer of every stream has taken and acknowledged all it is given."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            for consumer in await js.consumers_info(stream.config.name or ""):
                if consumer.num_pending or consumer.num_ack_pending:
                    return False
        return True
    finally:
        await nc.close()


async def raw_publish(nc: Any, count: int, size: int, window: int = 500) -> float:
    """Messages per second of nats-py publishing `count` messages of `size` bytes to JetStream, `window` in flight."""
    js = nc.jetstream()
    name = f"BENCH{ids.new_id()[:8]}".upper().replace("-", "")
    await js.add_stream(name=name, subjects=[f"bench.{name}.>"])
    body, gate = b"x" * size, asyncio.Semaphore(window)

    async def one(i: int) -> None:
        async with gate:
            await js.publish(f"bench.{name}.m", body, headers={"Nats-Msg-Id": f"{name}-{i}"})

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    rate = count / (time.perf_counter() - started)
    await js.delete_stream(name)
    return rate


async def commands(
    nats_url: str,
    db: str,
    token: str,
    count: int,
    clients: int,
    settled: Callable[[], Awaitable[bool]],
    cpu: Callable[[], dict[str, float]],
) -> list[Figure]:
    """Scenario 1: `clients` concurrent clients admit `count` members until every event is on JetStream; then the
    CPU each process spent a command, the consumers' catch-up included, and the raw rate once the stack is quiet."""
    nc = await nats.connect(nats_url)
    js, requests = nc.jetstream(), RequestClient(nc, timeout=60)
    orgs = await column(db, "SELECT org_id FROM registry.orgs WHERE level = 'primary' ORDER BY org_id LIMIT 200")
    start_pos = int(await scalar(db, "SELECT coalesce(max(position), 0) FROM registry.events"))
    start_seq = (await js.stream_info("REGISTRY")).state.last_seq
    latencies: list[float] = []
    errors = 0
    todo = iter(range(count))

    async def client() -> None:
        nonlocal errors
        for i in todo:
            payload = {"org_id": orgs[i % len(orgs)], "full_name": f"Новый Член №{i}", "position": "токарь"}
            began = time.perf_counter()
            reply = await requests.request("registry", "admit_member", payload, token=token, command_id=ids.new_id())
            latencies.append(time.perf_counter() - began)
            errors += not reply.ok

    spent, started = cpu(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    end_pos = int(await scalar(db, "SELECT max(position) FROM registry.events"))
    events = end_pos - start_pos

    async def relayed() -> bool:
        return bool((await js.stream_info("REGISTRY")).state.last_seq >= start_seq + events)

    done = await until(relayed, 120)
    elapsed = done - started
    last = await js.get_msg("REGISTRY", (await js.stream_info("REGISTRY")).state.last_seq)
    size = len(last.data or b"")
    # the consumers catch up first: a raw rate taken while they still work would be theirs to share
    await until(settled, 600, 0.5)
    spent = {name: seconds - spent.get(name, 0.0) for name, seconds in cpu().items()}
    raw = await raw_publish(nc, events, size)
    await nc.close()
    base = f"raw nats-py JetStream publish, window 500, {size} B messages, on the quiet stack"
    return [
        Figure("commands.throughput", count / elapsed, "commands/s", f"{base} (messages/s)", raw),
        Figure("commands.events", events / elapsed, "events on JetStream/s", f"{base} (messages/s)", raw),
        Figure("commands.p50", percentile(latencies, 0.5) * 1000, "ms"),
        Figure("commands.p99", percentile(latencies, 0.99) * 1000, "ms"),
        Figure("commands.errors", errors, "replies not ok"),
        *(Figure(f"commands.cpu.{name}", s * 1000 / count, "ms CPU a command") for name, s in spent.items()),
    ]


async def cascade(nats_url: str, db: str, token: str) -> tuple[list[Figure], str, float]:
    """Scenario 4: the CC cascades a material to every org; the time until the last delivery is in the read model
    (the material and the wall time of the command are returned for the letters' figures)."""
    nc = await nats.connect(nats_url)
    requests = RequestClient(nc, timeout=120)
    cc = await scalar(db, "SELECT org_id FROM exchange.orgs WHERE level = 'central'")
    draft = {"org_id": cc, "title": "Всем организациям", "body": "Текст материала. " * 20, "kind": "announcement"}
    material = await requests.request("exchange", "draft_material", draft, token=token)
    assert material.ok, material.error
    material_id = material.data["id"]
    started, wall = time.perf_counter(), time.time()
    reply = await requests.request("exchange", "cascade", {"material_id": material_id}, token=token, command_id=ids.new_id())
    assert reply.ok, reply.error
    targets = int(reply.data["targets"])

    async def delivered() -> bool:
        n = await scalar(db, "SELECT count(*) FROM exchange.deliveries WHERE material_id = %s", material_id)
        return bool(n >= targets)

    done = await until(delivered, 600)
    offsets = await column(
        db, "SELECT extract(epoch FROM delivered_at) - %s FROM exchange.deliveries WHERE material_id = %s", wall, material_id
    )
    raw = await raw_publish(nc, targets, 512)
    await nc.close()
    seconds = done - started
    raw_seconds = targets / raw
    return (
        [
            Figure(
                "cascade.seconds", seconds, f"s for {targets} deliveries", f"raw publish of {targets} messages (s)", raw_seconds
            ),
            Figure("cascade.delivery_p50", percentile([float(o) for o in offsets], 0.5), "s after the cascade command"),
            Figure("cascade.delivery_p99", percentile([float(o) for o in offsets], 0.99), "s after the cascade command"),
        ],
        material_id,
        wall,
    )


async def mail_fanout(db: str, material_id: str, expected: int, smtp_port: int, cascaded_at: float) -> list[Figure]:
    """Scenario 5: the letters the cascade planned, from the first planned to the last sent, against raw aiosmtplib;
    and the time from the cascade command (`cascaded_at`, wall clock) until its last letter was out."""

    async def settled() -> bool:
        n = await scalar(
            db, "SELECT count(*) FROM notifications.outbox WHERE material_id = %s AND status <> 'pending'", material_id
        )
        return bool(n >= expected)

    await until(settled, 1800, 0.5)
    first, last, sent = (
        await scalar(
            db, "SELECT min(extract(epoch FROM created_at)) FROM notifications.outbox WHERE material_id = %s", material_id
        ),
        await scalar(db, "SELECT max(extract(epoch FROM sent_at)) FROM notifications.outbox WHERE material_id = %s", material_id),
        await scalar(db, "SELECT count(*) FROM notifications.outbox WHERE material_id = %s AND status = 'sent'", material_id),
    )
    rate = int(sent) / float(last - first)
    raw = await raw_smtp(smtp_port, int(sent))
    baseline = f"aiosmtplib sending {sent} ready-made letters one by one on one connection"
    return [
        Figure("mail.rate", rate, f"letters/s ({sent} sent)", baseline, raw),
        Figure(
            "cascade.letters_out", float(last) - cascaded_at, f"s from the cascade command to its last of {sent} letters sent"
        ),
    ]


async def raw_smtp(port: int, count: int) -> float:
    """Letters per second of aiosmtplib sending the same letter to the same server one at a time over one
    connection, as the sender does; each letter's bytes are made before the clock starts, so the baseline pays
    for SMTP alone (the sender renders a material's letter once too)."""
    subject, text = mail.about_material("Всем организациям", "announcement", "Текст материала. " * 20)
    letters = [
        (f"raw{i}@verf.ru", mail.flat_letter("profset@localhost", f"raw{i}@verf.ru", f"<raw-{i}@profset>", subject, text))
        for i in range(count)
    ]
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    started = time.perf_counter()
    await client.connect()
    for to, flat in letters:
        assert flat is not None, to
        await client.sendmail("profset@localhost", [to], flat)
    await client.quit()
    return count / (time.perf_counter() - started)
