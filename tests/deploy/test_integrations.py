"""The consumers of docs/integrations.md work as written, as a team with credentials of its own (`profset integrator
add`): the Python replay, and the JavaScript follower on nats.js with Node.js, both against a real nats-server."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from profset.integrators import add, load
from profset.servers import NatsServer

ROOT = Path(__file__).resolve().parents[2]
NATS_JS = ("@nats-io/transport-node@3.4.0", "@nats-io/jetstream@3.4.0")
"""nats.js as docs/integrations.md installs it, pinned."""


def program(language: str) -> str:
    """The docs' program in that language."""
    found = re.search(rf"```{language}\n(.*?)```", (ROOT / "docs/integrations.md").read_text(), re.DOTALL)
    assert found is not None, language
    return found.group(1)


async def team(server: NatsServer, folder: Path) -> dict[str, str]:
    """A team added to the server, and the environment its program is given."""
    listed = folder / "integrators.json"
    _, password = add(listed, "acme", "REGISTRY")
    server.integrators = tuple(load(listed).values())
    server.reload()
    return {**os.environ, "NATS_URL": server.address, "NATS_USER": "acme", "NATS_PASSWORD": password}


async def publish(nc: Any, positions: tuple[int, ...]) -> None:
    js = nc.jetstream()  # the fixture's server has every stream, as the operator's keeper makes them
    for n, position in enumerate(positions, 1):
        headers = {"ce-sequence": str(position), "ce-type": "union.registry.org.registered.v1"}
        await js.publish("registry.org.registered", f'{{"org_id": "o{n}"}}'.encode(), headers=headers)


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


async def test_the_documented_replay_reads_the_registry_from_the_start(nats_server: NatsServer, nc: Any, tmp_path: Path) -> None:
    await publish(nc, (3, 7))
    (tmp_path / "replay.py").write_text(program("python"))
    env = await team(nats_server, tmp_path)

    ran = await asyncio.to_thread(run, [sys.executable, str(tmp_path / "replay.py")], env)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["3 union.registry.org.registered.v1 o1", "7 union.registry.org.registered.v1 o2"]


def nats_js() -> Path:
    """A folder with nats.js from the npm registry, installed once per machine (npm's cache makes it quick after)."""
    folder = Path(tempfile.gettempdir()) / ("profset-nats-js-" + "-".join(p.rsplit("@", 1)[1] for p in NATS_JS))
    if not (folder / "node_modules/@nats-io/jetstream").exists():
        folder.mkdir(exist_ok=True)
        installed = run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), *NATS_JS], dict(os.environ))
        assert installed.returncode == 0, installed.stderr
    return folder


async def test_the_documented_javascript_follower_applies_each_position_once_as_a_number(
    nats_server: NatsServer, nc: Any, tmp_path: Path
) -> None:
    await publish(nc, (9, 10, 9))  # 10 after 9, and 9 again as after a rebuild: as text, "10" < "9"
    folder = await asyncio.to_thread(nats_js)
    script = folder / f"follow-{os.getpid()}.mjs"  # beside node_modules, where an ES module finds its imports
    script.write_text(program("javascript"))
    env = await team(nats_server, tmp_path)
    try:
        ran = await asyncio.to_thread(run, ["node", str(script)], env, folder)
    finally:
        script.unlink()

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["9 union.registry.org.registered.v1 o1", "10 union.registry.org.registered.v1 o2"]
    info = await nc.jetstream().consumer_info("REGISTRY", "acme")
    assert (info.num_pending, info.num_ack_pending) == (0, 0), "every event was acknowledged"
