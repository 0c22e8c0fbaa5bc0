"""Scenarios 6 and 7: gateway reads at a steady rate, and the resident memory of every service."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx

from .bus import column, percentile, scalar
from .http import Getter
from .report import Figure

SCHEMAS = ("registry", "contacts", "exchange", "notifications", "audits", "kpi")


async def settled(db: str) -> bool:
    """Whether no service appended or projected anything for two seconds: the earlier scenarios' work is done."""
    ends = " || ' ' || ".join(
        f"(SELECT coalesce(max(position), 0) FROM {s}.events) || ':' || "
        f"(SELECT coalesce(string_agg(position::text, ',' ORDER BY consumer, source), '') FROM {s}.checkpoints)"
        for s in SCHEMAS
    )
    before = await scalar(db, f"SELECT {ends}")
    await asyncio.sleep(2)
    return bool(before == await scalar(db, f"SELECT {ends}"))


async def gateway(base: str, db: str, password: str, seconds: float, rate: float) -> list[Figure]:
    """An org page, a compliance view, a KPI view, a level of the lazy tree and a KPI ranking, requested at `rate` per
    second for `seconds`: first from cold, then the same again with the views kept."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        login = await http.post("/api/v1/auth/token", data={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        getter = Getter(base, headers)
        orgs = await column(db, "SELECT org_id FROM registry.orgs WHERE level = 'primary' ORDER BY org_id LIMIT 300")
        above = await column(db, "SELECT org_id FROM registry.orgs WHERE level <> 'primary' ORDER BY org_id LIMIT 100")
        year = time.gmtime().tm_year
        paths = [p for o in orgs for p in (f"/api/v1/orgs/{o}", f"/api/v1/orgs/{o}/compliance", f"/api/v1/orgs/{o}/kpi/{year}")]
        # the lazy tree's next level under the CC or a territorial org, and the territorial orgs' KPI ranking
        ranking = f"/api/v1/kpi/rankings?period={year}&indicator=K1&level=territorial"
        lazy = [p for o in above for p in (f"/api/v1/orgs/{o}/children?limit=50", ranking)]
        paths = [p for pair in zip(paths, lazy * (len(paths) // len(lazy) + 1), strict=False) for p in pair]
        # each kind of view answers once before the clock starts (pools, prepared statements, and a ranking's or the
        # CC's first computation over the whole union); the other orgs' views are computed when first asked
        o, up = orgs[-1], above[-1]
        views = (f"/api/v1/orgs/{o}", f"/api/v1/orgs/{o}/compliance", f"/api/v1/orgs/{o}/kpi/{year}")
        kinds = dict(zip(("org", "compliance", "kpi"), views, strict=True))
        kinds |= {"children": f"/api/v1/orgs/{up}/children?limit=50", "ranking": ranking}
        first = [Figure(f"gateway.first.{kind}", await _first_answer(getter, path), FIRST) for kind, path in kinds.items()]
        cold = await _steady_load(getter, paths, seconds, rate)
        kept = await _steady_load(getter, paths, seconds, rate)
        getter.close()
        cc = await scalar(db, "SELECT org_id FROM registry.orgs WHERE level = 'central'")
        subtree = int(await scalar(db, "SELECT count(*) FROM registry.orgs"))
        asked = Getter(base, headers)
        # the first is computed (retried while the gateway times out); the rest find it kept, as nothing was written
        summary = [await _first_answer(asked, f"/api/v1/orgs/{cc}/compliance/summary")]
        for _ in range(4):
            began = time.perf_counter()
            status, body = await asked.get(f"/api/v1/orgs/{cc}/compliance/summary")
            assert status == 200, body[:300]
            summary.append(time.perf_counter() - began)
        asked.close()
    sent = f"{len(cold[0])} requests at {rate:g}/s"
    return [
        *first,
        Figure("gateway.p50", percentile(cold[0], 0.5) * 1000, f"ms ({sent}, from cold)"),
        Figure("gateway.p99", percentile(cold[0], 0.99) * 1000, f"ms ({sent}, from cold)"),
        Figure("gateway.errors", cold[1] + kept[1], f"errors ({sent}, twice)"),
        Figure("gateway.p50_kept", percentile(kept[0], 0.5) * 1000, f"ms ({sent} again, views kept)"),
        Figure("gateway.p99_kept", percentile(kept[0], 0.99) * 1000, f"ms ({sent} again, views kept)"),
        Figure("gateway.compliance_summary", summary[0] * 1000, f"ms, computed, subtree of {subtree} orgs"),
        Figure("gateway.compliance_summary_kept", percentile(summary[1:], 0.5) * 1000, "ms, p50 of 4 asked again"),
    ]


FIRST = "s until it first answered 200, asked again while the gateway answered 503/504 (its 10 s) and the service computed"


async def _first_answer(getter: Getter, path: str, patience: float = 600.0) -> float:
    """Seconds until `path` first answers 200: a view over a whole union may take longer than the gateway waits, and
    the service keeps what it computed, so it is asked again until it answers (an error other than 504 fails)."""
    began = time.perf_counter()
    while True:
        status, body = await getter.get(path)
        if status == 200:
            return time.perf_counter() - began
        # 504: the gateway gave up waiting; 503: the service's reply did not come ("retry"), as it computes
        assert status in (503, 504) and time.perf_counter() - began < patience, f"{path}: {status} {body[:300]!r}"


async def _steady_load(getter: Getter, paths: list[str], seconds: float, rate: float) -> tuple[list[float], int]:
    """Each request's latency, and the errors, of `rate` requests a second over the paths in turn."""
    latencies: list[float] = []
    errors = 0
    cycle = itertools.cycle(paths)

    async def one(path: str) -> None:
        nonlocal errors
        began = time.perf_counter()
        try:
            status, _ = await asyncio.wait_for(getter.get(path), 10)  # a timeout is an error, as httpx had it
            errors += status != 200
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
        latencies.append(time.perf_counter() - began)

    tasks = []
    started = time.perf_counter()
    for i in range(int(seconds * rate)):
        # an open loop: requests leave on schedule whether or not earlier ones have answered
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(next(cycle))))
    await asyncio.gather(*tasks)
    return latencies, errors


def resident(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory in MB (`VmHWM`: the most it ever held)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(pids: dict[str, int], members: int, orgs: int) -> list[Figure]:
    """Scenario 7: resident memory of each service process with the union loaded and every scenario run, and
    the most it held on the way (a peak that stays would say the heap keeps what it once needed)."""
    held = f"({members} members, {orgs} orgs)"
    return [Figure(f"memory.{name}", resident(pid), f"MB resident {held}") for name, pid in pids.items()] + [
        Figure(f"memory_peak.{name}", resident(pid, "VmHWM"), "MB at most, over the run") for name, pid in pids.items()
    ]
