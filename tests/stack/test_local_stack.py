"""`make run-bg` / `make stop` as an operator uses them: real processes, the demo union, probes, metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from profset.servers import free_port


def profset(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profset", *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_the_stack_starts_seeds_serves_and_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PROFSET_DATA": str(tmp_path / "data"),
        "GATEWAY_PORT": str(port),
        "PROFSET_ADMIN_PASSWORD": "a-test-admin-pw",
    }
    env.pop("DATABASE_URL", None)
    env.pop("NATS_URL", None)
    started = profset("stack", "up", "--background", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout and "viewer.north" in started.stdout
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "a-test-admin-pw"}).json()[
            "access_token"
        ]
        orgs = httpx.get(f"{base}/api/v1/orgs", headers={"Authorization": f"Bearer {token}"}).json()
        assert [o["level"] for o in orgs].count("territorial") == 3 and len(orgs) == 15
        cc = next(o for o in orgs if o["level"] == "central")
        assert cc["members"] == sum(o["members"] for o in orgs if o["level"] == "primary")
        assert (cc["member_records"], cc["released_officials"]) == (5, 2), "the demo has members and officers"
        auth = {"Authorization": f"Bearer {token}"}
        spb = next(o for o in orgs if o["name"].startswith("Санкт-Петербургская"))
        [submission] = httpx.get(f"{base}/api/v1/orgs/{spb['id']}/contact-base/submissions", headers=auth).json()
        assert submission["entries"] == 6, "the demo's contact base went up to the CC with its primary orgs' chairs (T7)"
        assert len(httpx.get(f"{base}/api/v1/orgs/{spb['id']}/channels", headers=auth).json()) == 2
        states = {
            (m["status"], m["moderation"]) for m in httpx.get(f"{base}/api/v1/orgs/{cc['id']}/materials", headers=auth).json()
        }
        assert states == {("sent", "none")}, "the CC's demo materials went down and up"
        north = next(o for o in orgs if o["name"].startswith("Северная"))
        [held] = httpx.get(f"{base}/api/v1/orgs/{north['id']}/inbox", headers=auth).json()[:1]
        assert held["held_for_review"] is True, "the northern org holds cascades for review"
        mail = tmp_path / "data" / "mail"
        deadline = time.monotonic() + 30
        while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert any("sudprof-spb.example" in p.read_text(errors="replace") for p in mail.glob("*.eml")), "officers hear by mail"
        folder = tmp_path / "union"
        folder.mkdir()
        (folder / "orgs.csv").write_text(
            f"ref,name,level,parent_ref,registered_on\nnew,ППО новая,primary,{cc['id']},2001-01-01\n"
        )
        imported = profset("import", str(folder), env=env)
        assert imported.returncode == 0 and "orgs           imported 1" in imported.stdout, imported.stdout + imported.stderr
        rebuilt = profset("rebuild", "registry", env=env)
        assert rebuilt.returncode == 0 and "rebuilt" in rebuilt.stdout, rebuilt.stderr
        after = httpx.get(f"{base}/api/v1/orgs/{cc['id']}", headers={"Authorization": f"Bearer {token}"}).json()
        assert (after["children"], after["member_records"]) == (cc["children"] + 1, 5)
        kpi = httpx.get(f"{base}/api/v1/orgs/{spb['id']}/kpi/2026", headers=auth).json()["indicators"]
        assert (kpi["K5"]["value"], kpi["K5"]["target"]) == (1, 6), "the demo's targets and media mentions reach kpi"
        rebuilt = profset("rebuild", "kpi", env=env)
        assert rebuilt.returncode == 0 and "rebuilt kpi" in rebuilt.stdout, rebuilt.stderr
        assert httpx.get(f"{base}/readyz").status_code == 200
        registry = f"http://127.0.0.1:{json.loads((tmp_path / 'data' / 'ports.json').read_text())['registry']}"
        assert httpx.get(f"{registry}/readyz").json()["ready"] is True
        assert 'profset_requests_total{outcome="ok",service="registry",verb="list_orgs"}' in httpx.get(f"{registry}/metrics").text
        logs = (tmp_path / "data" / "logs" / "registry.log").read_text()
        assert "service started" in logs
        again = profset("stack", "up", "--background", env=env)
        assert again.returncode == 1 and "already running" in again.stdout
    finally:
        stopped = profset("stack", "down", env=env)
    assert stopped.returncode == 0
    assert not (tmp_path / "data" / "stack.pid").exists()
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        raise AssertionError("the gateway still answers after `stack down`")
    except httpx.HTTPError:
        pass
