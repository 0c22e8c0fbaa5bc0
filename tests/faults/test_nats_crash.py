"""kill -9 nats-server in the middle of a command burst: every command answered ok is in the ledger and on the stream once."""

from __future__ import annotations

from typing import Any

from profset_testing import Keys
from profset_testing.faults import Burst, mini_stack, primary_org, record, recovered

COMMANDS = 300


async def test_a_nats_crash_mid_burst_loses_and_doubles_nothing(database_url: str, nats_server: Any, keys: Keys, nc: Any) -> None:
    async with mini_stack(database_url, nats_server, keys) as mini:
        burst = Burst(mini, await primary_org(mini))

        async def crash() -> None:
            nats_server.kill()
            nats_server.start()  # same port, same store: as a supervisor would restart it

        await burst.run(COMMANDS, midway=crash, at=COMMANDS // 3)
        refused = COMMANDS - len(burst.ok())
        figures = await recovered(burst, COMMANDS, database_url, nc)
    record("nats_killed_mid_burst", commands=COMMANDS, unanswered_during_fault=refused, **figures)
    assert figures["commands_ok"] == COMMANDS and figures["events_checked"] >= COMMANDS
