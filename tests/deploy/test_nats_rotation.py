"""The NATS password rotation of docs/operations.md: the server reads a user's password from its environment when
it starts, so a configuration reload keeps the old password and only a restart with the new environment takes it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import nats
import nats.errors

from profset.servers import free_port
from profset_testing import eventually

SERVER = str(Path(sys.executable).parent / "nats-server")


def start(conf: Path, password: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SERVER, "-c", str(conf)], env={"REGISTRY_NATS_PASSWORD": password})


async def signs_in(url: str, password: str) -> bool:
    try:
        connecting = nats.connect(url, user="registry", password=password, allow_reconnect=False, connect_timeout=2)
        nc = await asyncio.wait_for(connecting, 10)
    except (nats.errors.Error, OSError, TimeoutError):
        return False
    await nc.close()
    return True


async def test_a_reload_keeps_the_old_password_and_a_restart_takes_the_new(tmp_path: Path) -> None:
    port = free_port()
    conf = tmp_path / "nats.conf"
    conf.write_text(f"port: {port}\nauthorization {{ users: [ {{user: registry, password: $REGISTRY_NATS_PASSWORD}} ] }}\n")
    url = f"nats://127.0.0.1:{port}"
    server = start(conf, "old-password")
    try:
        assert await eventually(lambda: signs_in(url, "old-password"))
        conf.write_text(conf.read_text() + "# touched, as the chart's config reloader would\n")
        subprocess.run([SERVER, "--signal", f"reload={server.pid}"], check=True)
        # asked until answered: a reloading server may refuse a connection for a moment (seen in CI under load)
        reloaded_old = bool(await eventually(lambda: signs_in(url, "old-password")))
        reloaded_new = await signs_in(url, "new-password")
    finally:
        server.terminate()
        server.wait(10)
    server = start(conf, "new-password")
    try:
        restarted_new = await eventually(lambda: signs_in(url, "new-password"))
        restarted_old = await signs_in(url, "old-password")
    finally:
        server.terminate()
        server.wait(10)
    assert (reloaded_old, reloaded_new) == (True, False), "a reload does not change a password taken from the environment"
    assert (restarted_new, restarted_old) == (True, False)
