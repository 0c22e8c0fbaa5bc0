"""`profset integrator add|list|revoke` end to end: the list, docker-compose's auth file and the Helm values it writes
are taken by a real nats-server, a running local stack's server lets a team in at once and shuts it out on revoke, and
wrong arguments are refused naming the field."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import nats
import nats.errors
import pytest
import yaml

from profset import manifests
from profset.cli import main
from profset.natsauth import env_name, render, users
from profset.servers import NatsServer
from profset.stack import nats_passwords

ROOT = Path(__file__).resolve().parents[2]
SERVER = str(Path(sys.executable).parent / "nats-server")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def profset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """`profset integrator …` as the command line runs it, here, with the local stack's data folder in tmp_path."""
    monkeypatch.setenv("PROFSET_DATA", str(tmp_path))
    monkeypatch.delenv("PROFSET_INTEGRATORS", raising=False)

    def run(*args: str) -> Ran:
        try:
            code = main(["integrator", *args])
        except SystemExit as e:  # argparse's own refusals
            code = int(e.code or 0)
        said = capsys.readouterr()
        return Ran(code, said.out, said.err)

    return run


def in_a_process(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    """`python -m profset integrator …` in a process of its own, as an operator types it."""
    env = {k: v for k, v in os.environ.items() if k != "PROFSET_INTEGRATORS"} | {"PROFSET_DATA": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "profset", "integrator", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def accepted(conf: Path) -> subprocess.CompletedProcess[str]:
    """nats-server's own check of a configuration, with every system user's password in its environment."""
    env = {env_name(u): "pw" for u in users()}
    return subprocess.run([SERVER, "-t", "-c", str(conf)], env=env, capture_output=True, text=True, check=False)


def unwrapped(password: str) -> str:
    """What the chart writes for a `<< … >>` value: a variable as it is, a quoted string as that string."""
    inner = password.removeprefix("<< ").removesuffix(" >>")
    return str(json.loads(inner)) if inner.startswith('"') else inner


def given(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines())


def test_add_list_and_revoke_keep_the_list_and_write_files_the_server_and_the_chart_take(
    profset: Callable[..., Ran], tmp_path: Path
) -> None:
    listed, compose, values = tmp_path / "integrators.json", tmp_path / "compose" / "auth.conf", tmp_path / "values.yaml"
    outputs = ("--registry", str(listed), "--nats-conf", str(compose), "--helm-values", str(values))
    compose.parent.mkdir()
    shutil.copy(ROOT / "deploy/nats/nats.conf", compose.parent / "nats.conf")  # it includes ./auth.conf beside it

    done = profset("add", "acme", "--streams", "registry,EXCHANGE", *outputs)

    assert done.returncode == 0, done.stderr
    shown = given(done.stdout)
    assert {k: v for k, v in shown.items() if k != "NATS_PASSWORD"} == {
        "NATS_USER": "acme",
        "NATS_INBOX_PREFIX": "_INBOX.acme",
        "NATS_STREAMS": "REGISTRY,EXCHANGE",
        "NATS_CONSUMERS": "acme,acme-1,acme-2,acme-3,acme-4",
    }
    kept = json.loads(listed.read_text())
    assert kept["acme"]["streams"] == ["REGISTRY", "EXCHANGE"] and kept["acme"]["password_hash"].startswith("$2b$")
    assert shown["NATS_PASSWORD"] not in listed.read_text() + compose.read_text() + values.read_text()
    assert '"acme"' in compose.read_text() and accepted(tmp_path / "compose" / "nats.conf").returncode == 0
    chart = manifests.merge_values(
        yaml.safe_load((ROOT / "k8s/nats/values.yaml").read_text()), yaml.safe_load(values.read_text())
    )
    jsonschema.Draft7Validator(json.loads((ROOT / "k8s/schemas/nats-helm-values.json").read_text())).validate(chart)
    chart_users = chart["config"]["merge"]["authorization"]["users"]
    assert [u["user"] for u in chart_users] == [*users(), "acme"]
    assert set(chart["container"]["env"]) == {env_name(u) for u in users()}, "an integrator needs no variable: a reload takes it"
    block = {"users": [u | {"password": unwrapped(u["password"])} for u in chart_users]}
    (tmp_path / "chart.conf").write_text("listen: 127.0.0.1:4222\n" + render(block))
    assert accepted(tmp_path / "chart.conf").returncode == 0

    again = profset("add", "acme", "--streams", "REGISTRY", "--registry", str(listed))
    assert (again.returncode, again.stderr.strip()) == (
        1,
        "name: 'acme' has credentials already: revoke them first to issue new ones",
    )
    secret = yaml.safe_load(profset("add", "beta", "--streams", "KPI", "--k8s-secret", *outputs).stdout)
    assert (secret["kind"], secret["metadata"]["name"]) == ("Secret", "profset-integrator-beta")
    assert secret["stringData"]["NATS_USER"] == "beta" and secret["stringData"]["NATS_INBOX_PREFIX"] == "_INBOX.beta"
    assert profset("list", "--registry", str(listed)).stdout == "acme\tREGISTRY,EXCHANGE\nbeta\tKPI\n"

    gone = profset("revoke", "acme", *outputs)

    assert gone.returncode == 0, gone.stderr
    assert profset("list", "--registry", str(listed)).stdout == "beta\tKPI\n"
    assert '"acme"' not in compose.read_text() and '"beta"' in compose.read_text()
    assert accepted(tmp_path / "compose" / "nats.conf").returncode == 0


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["add", "Acme", "--streams", "REGISTRY"], 2, "name: 'Acme' must be 2 to 32 lowercase letters"),
        (["add", "registry", "--streams", "REGISTRY"], 2, "name: 'registry' is a service's or the system's own user"),
        (["add", "acme-2", "--streams", "REGISTRY"], 2, "name: 'acme-2' may not end in a hyphen and digits"),
        (["add", "acme", "--streams", "DEADLETTER"], 2, "streams: DEADLETTER is not a public stream"),
        (["add", "acme", "--streams", ","], 2, "streams: name at least one public stream"),
        (["add", "acme"], 2, "the following arguments are required: --streams"),
        (["revoke", "nobody"], 1, "name: 'nobody' is not an integrator of"),
        (["grant", "acme"], 2, "invalid choice: 'grant'"),
    ],
)
def test_wrong_arguments_are_refused_naming_the_field(
    args: list[str], code: int, said: str, profset: Callable[..., Ran], tmp_path: Path
) -> None:
    ran = profset(*args)

    assert ran.returncode == code and said in ran.stderr, ran
    assert not (tmp_path / "integrators.json").exists()


async def _let_in(server: NatsServer, password: str) -> bool:
    try:
        client = await nats.connect(
            server.address, user="acme", password=password, inbox_prefix="_INBOX.acme", allow_reconnect=False, connect_timeout=2
        )
    except (nats.errors.Error, OSError, TimeoutError):
        return False
    await client.close()
    return True


async def test_beside_a_running_local_stack_a_team_is_let_in_at_once_and_shut_out_on_revoke(
    profset: Callable[..., Ran], tmp_path: Path
) -> None:
    server = NatsServer(tmp_path / "nats", passwords=nats_passwords(tmp_path))  # as `profset stack up` starts it
    server.start()
    try:
        done = await asyncio.to_thread(in_a_process, "add", "acme", "--streams", "REGISTRY", data=tmp_path)
        assert done.returncode == 0 and "the local stack's nats-server reloaded its users" in done.stderr, done.stderr
        password = given(done.stdout)["NATS_PASSWORD"]
        assert await _let_in(server, password), "let in once the command returns: it waits for the reload"

        gone = profset("revoke", "acme")

        assert gone.returncode == 0, gone.stderr
        assert not await _let_in(server, password)
    finally:
        server.stop()
