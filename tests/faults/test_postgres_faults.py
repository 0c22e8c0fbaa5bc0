"""PostgreSQL stopped, then crashed (kill -9 of the postmaster), in the middle of a command burst."""

from __future__ import annotations

from typing import Any

from profset_testing import Keys, eventually
from profset_testing.faults import Burst, mini_stack, primary_org, record, recovered, restart

COMMANDS = 240


async def _burst_through(fault: str, own_postgres: Any, nats_server: Any, keys: Keys, nc: Any) -> None:
    database_url = own_postgres.url
    async with mini_stack(database_url, nats_server, keys) as mini:
        burst = Burst(mini, await primary_org(mini))

        async def refused_while_down() -> bool:
            return sum(1 for s in burst.answers.values() if s == 503) >= 10

        async def outage() -> None:
            if fault == "stop":
                await _to_thread(own_postgres.stop, "fast")
            else:
                own_postgres.kill()
            await eventually(refused_while_down, timeout=30)  # commands meet the outage and answer 503
            await restart(own_postgres)

        await burst.run(COMMANDS, midway=outage, at=COMMANDS // 3)
        unavailable = sum(1 for s in burst.answers.values() if s != 201)
        figures = await recovered(burst, COMMANDS, database_url, nc)
    record(f"postgres_{fault}_mid_burst", commands=COMMANDS, answered_503=unavailable, **figures)
    assert unavailable >= 10 and figures["commands_ok"] == COMMANDS


async def _to_thread(f: Any, *args: Any) -> None:
    import asyncio

    await asyncio.to_thread(f, *args)


async def test_postgres_stopped_mid_burst_answers_503_then_everything_succeeds_once(
    own_postgres: Any, nats_server: Any, keys: Keys, nc: Any
) -> None:
    await _burst_through("stop", own_postgres, nats_server, keys, nc)


async def test_a_postmaster_killed_mid_burst_keeps_every_ok_and_the_relay_carries_on(
    own_postgres: Any, nats_server: Any, keys: Keys, nc: Any
) -> None:
    await _burst_through("kill", own_postgres, nats_server, keys, nc)
