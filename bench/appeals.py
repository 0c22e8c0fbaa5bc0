"""Scenario `appeals.first_notification` (issue 30, K7): the time from filing a member's appeal, through the appeals
service's NATS verb, to its first notification — the letter to the holding org's post holders planned in notifications'
outbox, and sent to the SMTP sink — beside a raw NATS request/reply round trip on the same server. Appeals are filed
one at a time, so each is timed alone. `python -m bench.appeals` runs it alone on a tiny union of its own."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats

from kit import ids
from kit.rpc import RequestClient

from .bus import column, percentile, scalar, until
from .report import Figure

SITUATION = {
    "situation_id": "bench_wage_arrears",
    "title": "Задержка заработной платы",
    "topics": ["wages"],
    "steps": ["Запишите, за какие месяцы долг"],
    "level": "primary",
    "answer_within_hours": 72,
}
NOTIFIED = "('chair', 'info_worker', 'info_activist', 'press_secretary')"
MEMBERS = f"""
SELECT DISTINCT ON (m.org_id) m.person_id FROM appeals.member_orgs m
JOIN notifications.posts p ON p.org_id = m.org_id AND p.role IN {NOTIFIED} AND p.until IS NULL
ORDER BY m.org_id, m.person_id LIMIT %s
"""
"""Members of orgs with a post holder to tell, one an org (each appeal's letter goes to a different org)."""


async def first_notification(nats_url: str, db: str, token: str, count: int = 40) -> list[Figure]:
    """Files `count` appeals one after another; for each, the time until its first letter is planned and until it is
    sent (median and p99), and the median round trip of a bare NATS request/reply."""
    nc = await nats.connect(nats_url)
    requests = RequestClient(nc, timeout=60)
    defined = await requests.request("appeals", "define_situation", SITUATION, token=token, command_id=ids.new_id())
    assert defined.ok, defined.error
    members = await column(db, MEMBERS, count)
    assert members, "no member of an org with a post holder: the union has no officers"
    planned: list[float] = []
    filed: dict[str, float] = {}
    for i in range(count):
        body = {"person_id": members[i % len(members)], "situation_id": SITUATION["situation_id"], "text": f"Долг №{i}"}
        body["received_by"] = "phone"
        wall, began = time.time(), time.perf_counter()
        reply = await requests.request("appeals", "file_appeal", body, token=token, command_id=ids.new_id())
        assert reply.ok, reply.error
        trigger = f"appeal-filed:{reply.data['id']}"
        done = await until(lambda t=trigger: _planned(db, t), 60, 0.002)
        planned.append(done - began)
        filed[trigger] = wall
    await until(lambda: _all_sent(db, list(filed)), 120, 0.1)
    first_sent = (
        "SELECT trigger, min(extract(epoch FROM sent_at)) FROM notifications.outbox WHERE trigger = ANY(%s) GROUP BY trigger"
    )
    sent_at = dict(await _rows(db, first_sent, list(filed)))
    sent = [float(sent_at[t]) - wall for t, wall in filed.items()]
    raw = await raw_round_trip(nc, count * 5)
    await nc.close()
    base = "a bare NATS request/reply round trip on the same server (median, ms)"
    return [
        Figure(
            "appeals.first_notification.p50", percentile(planned, 0.5) * 1000, "ms from filing to the letter planned", base, raw
        ),
        Figure("appeals.first_notification.p99", percentile(planned, 0.99) * 1000, "ms from filing to the letter planned"),
        Figure(
            "appeals.first_letter_sent.p50", percentile(sent, 0.5) * 1000, f"ms from filing to the letter sent ({count} appeals)"
        ),
        Figure("appeals.first_letter_sent.p99", percentile(sent, 0.99) * 1000, "ms from filing to the letter sent"),
    ]


async def _planned(db: str, trigger: str) -> bool:
    return bool(await scalar(db, "SELECT count(*) FROM notifications.outbox WHERE trigger = %s", trigger))


async def _all_sent(db: str, triggers: list[str]) -> bool:
    sql = "SELECT count(DISTINCT trigger) FROM notifications.outbox WHERE trigger = ANY(%s) AND status = 'sent'"
    return bool(int(await scalar(db, sql, triggers)) >= len(triggers))


async def _rows(db: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    import psycopg

    async with await psycopg.AsyncConnection.connect(db, autocommit=True) as conn:
        cur = await conn.execute(sql, args)
        return list(await cur.fetchall())


async def raw_round_trip(nc: Any, count: int) -> float:
    """The median milliseconds of a request answered by a bare subscriber on the same connection's server."""
    subject = f"bench.echo.{ids.new_id()[:8]}"

    async def echo(msg: Any) -> None:
        await msg.respond(msg.data)

    sub = await nc.subscribe(subject, cb=echo)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        await nc.request(subject, b"{}", timeout=5)
        times.append(time.perf_counter() - began)
    await sub.unsubscribe()
    return percentile(times, 0.5) * 1000


def main() -> int:
    """The scenario alone, on servers and a tiny union of its own."""
    from .env import Sizes, import_union, start, union_files

    tiny = Sizes(2, 10, 40, 1, 0, 1, 0, 0, 0.0, 0.0, 0)
    folder = Path(tempfile.mkdtemp(prefix="profset-bench-appeals-"))
    world = start(folder)
    try:
        world.start_services({"NOTIFICATIONS_RATE_PER_SECOND": "100000", "NOTIFICATIONS_REMIND_EVERY_SECONDS": "86400"})
        union_files(folder / "union", tiny)
        import_union(folder / "union", world.database_url, world.keys)
        db, nats_url = world.database_url, world.stack.nats_url
        asyncio.run(until(lambda: _known(db), 300, 0.5))
        for figure in asyncio.run(
            first_notification(nats_url, db, world.token("appeals"), int(sys.argv[1]) if sys.argv[1:] else 12)
        ):
            print(figure.line(), flush=True)
    finally:
        world.stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


async def _known(db: str) -> bool:
    """Appeals knows the members and notifications the post holders."""
    members = await scalar(db, "SELECT count(*) FROM appeals.member_orgs")
    holders = await scalar(db, "SELECT count(*) FROM notifications.posts")
    return bool(int(members) >= 40 and int(holders) >= 10)


if __name__ == "__main__":
    raise SystemExit(main())
