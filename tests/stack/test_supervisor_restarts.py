"""The local stack's supervisor (`make run`): a service killed with -9 is started again and the stack keeps serving;
commands cut off meanwhile are answered a JSON 503 and, sent again with their Idempotency-Key, taken once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from profset.servers import free_port
from profset.supervisor import CrashLoop, Supervisor

ADMISSIONS = 60
KILLED_AFTER = 20


def profset(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profset", *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def child_pid(parent: int, module: str) -> int | None:
    """The pid of the stack's own `python -m <module>` child (never anyone else's process)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and argv[1:3] == [b"-m", module.encode()]:
            return int(entry.name)
    return None


def until(check: Any, what: str, timeout: float = 180.0) -> Any:
    """Polls `check` until it returns something truthy, or fails naming what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"not so within {timeout}s: {what}")


class Admissions:
    """Members admitted through the gateway, each with its own Idempotency-Key, and every answer each got."""

    def __init__(self, base: str, headers: dict[str, str], org: str) -> None:
        self.base, self.headers, self.org = base, headers, org
        self.answers: dict[int, list[tuple[int, str, Any]]] = {}
        self.ids: dict[int, str] = {}

    async def send(self, http: httpx.AsyncClient, i: int) -> None:
        body = {"full_name": f"Перезапускова Анна {i}", "since": "2020-01-01"}
        try:
            reply = await http.post(
                f"/api/v1/orgs/{self.org}/members", json=body, headers=self.headers | {"Idempotency-Key": f"restart-{i}"}
            )
            kind = reply.headers.get("content-type", "")
            answer = (reply.status_code, kind, reply.json() if kind.startswith("application/json") else reply.text)
        except httpx.HTTPError as e:
            answer = (0, "", repr(e))
        self.answers.setdefault(i, []).append(answer)
        if answer[0] == 201:
            assert self.ids.setdefault(i, answer[2]["id"]) == answer[2]["id"], "a repeat got another member"

    async def burst(self, which: list[int], midway: Any = None) -> None:
        """Sends the admissions 8 at a time; calls `midway` once `KILLED_AFTER` have been answered."""
        pending = iter(which)
        answered = 0
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as http:

            async def worker() -> None:
                nonlocal answered, midway
                for i in pending:
                    await self.send(http, i)
                    answered += 1
                    if midway is not None and answered >= KILLED_AFTER:
                        fault, midway = midway, None
                        fault()

            await asyncio.gather(*(worker() for _ in range(8)))

    def refused(self) -> list[int]:
        return [i for i in range(ADMISSIONS) if i not in self.ids]


def test_a_killed_service_is_restarted_and_nothing_is_lost_or_doubled(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "data"
    env = {**os.environ, "PROFSET_DATA": str(data), "GATEWAY_PORT": str(port), "PROFSET_ADMIN_PASSWORD": "a-test-admin-pw"}
    env.pop("DATABASE_URL", None)
    env.pop("NATS_URL", None)
    started = profset("stack", "up", "--background", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "a-test-admin-pw"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        org = next(o for o in httpx.get(f"{base}/api/v1/orgs", headers=headers).json() if o["level"] == "primary")["id"]
        stack = int((data / "stack.pid").read_text())
        killed = child_pid(stack, "registry")
        assert killed is not None, "the stack runs the registry as its own child"
        admissions = Admissions(base, headers, org)

        asyncio.run(admissions.burst(list(range(ADMISSIONS)), midway=lambda: os.kill(killed, 9)))
        everything = [a for answers in admissions.answers.values() for a in answers]
        cut_off = [a for a in everything if a[0] != 201]
        assert all(a[0] == 503 and a[1].startswith("application/json") for a in cut_off), cut_off
        assert all(a[2]["error"]["code"] == "unavailable" for a in cut_off), cut_off

        restarted = until(lambda: (child_pid(stack, "registry") or killed) != killed, "the registry runs again")
        assert restarted
        log = (data / "stack.log").read_text()
        assert "registry exited with -9; restarting it" in log and "registry restarted" in log, log[-2000:]
        assert "The stack failed" not in log, log[-2000:]

        def all_admitted() -> bool:
            asyncio.run(admissions.burst(admissions.refused()))
            return not admissions.refused()

        until(all_admitted, "every admission is answered 201 once the registry is back")
        first = dict(admissions.ids)
        asyncio.run(admissions.burst(list(range(ADMISSIONS))))  # every one again, with the same keys
        assert admissions.ids == first
        members = httpx.get(f"{base}/api/v1/orgs/{org}/members", params={"limit": 5000}, headers=headers).json()
        ours = [m["id"] for m in members if m.get("full_name", "").startswith("Перезапускова Анна ")]
        assert sorted(ours) == sorted(first.values()), "each admission is one member: none lost, none doubled"
    finally:
        stopped = profset("stack", "down", env=env)
    assert stopped.returncode == 0


def test_a_process_that_keeps_exiting_right_after_it_starts_stops_the_stack_naming_it(tmp_path: Path) -> None:
    log_path = tmp_path / "bursts.log"
    said: list[str] = []
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        with open(log_path, "ab") as log:
            command = [sys.executable, "-c", "import sys; print('no config found', flush=True); sys.exit(3)"]
            processes.append(subprocess.Popen(command, stdout=log, stderr=log))

    def gone() -> str | None:
        code = processes[-1].poll()
        return None if code is None else f"exited with {code}"

    supervisor = Supervisor(say=said.append, backoff=(0.0,), crash_loop=3)
    start()
    supervisor.watch("bursts", start, gone, log_path)
    with pytest.raises(CrashLoop) as gave_up:
        until(supervisor.tick, "the supervisor gives up", timeout=60)
    message = str(gave_up.value)
    assert "bursts keeps exiting right after it starts (3 times in a row, last exited with 3)" in message
    assert str(log_path) in message and "no config found" in message
    assert len(processes) == 3 and said.count("bursts restarted (restart 1)") == 1
