"""The replay program of docs/integrations.md works as written, with the read-only `reader` credentials."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from kit.relay import stream_config
from profset.natsauth import READER
from profset.servers import NatsServer

ROOT = Path(__file__).resolve().parents[2]


async def test_the_documented_replay_reads_the_registry_from_the_start(nats_server: NatsServer, nc: Any, tmp_path: Path) -> None:
    js = nc.jetstream()
    await js.add_stream(stream_config("registry"))
    for position, org in ((3, "o1"), (7, "o2")):
        headers = {"ce-sequence": str(position), "ce-type": "union.registry.org.registered.v1"}
        await js.publish("registry.org.registered", f'{{"org_id": "{org}"}}'.encode(), headers=headers)
    program = re.search(r"```python\n(.*?)```", (ROOT / "docs/integrations.md").read_text(), re.DOTALL)
    assert program is not None
    (tmp_path / "replay.py").write_text(program.group(1))
    env = {**os.environ, "NATS_URL": nats_server.address, "READER_NATS_PASSWORD": nats_server.login(READER)["nats_password"]}

    ran = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(tmp_path / "replay.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["3 union.registry.org.registered.v1 o1", "7 union.registry.org.registered.v1 o2"]
