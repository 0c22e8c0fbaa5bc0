"""`profset integrator add|list|revoke` end to end: the list, docker-compose's auth file and the Helm values it writes
are taken by a real nats-server, a running local stack's server lets a team in at once and shuts it out on revoke, revoke
deletes the team's consumers (and finds what is left when run again), and wrong arguments are refused naming the
field."""

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
from typing import Any

import jsonschema
import nats
import nats.errors
import pytest
import yaml
from nats.js.api import AckPolicy, ConsumerConfig

from profset import manifests
from profset.cli import main
from profset.natsauth import env_name, render, users
from profset.servers import NatsServer, free_port
from profset.stack import nats_passwords
from profset_testing import make_streams

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
    monkeypatch.delenv("NATS_URL", raising=False)  # the operator's server, where a test gives one

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

    assert gone.returncode == 2, "no operator's NATS to delete its consumers on: the command says what is left to do"
    assert "set NATS_URL (the operator's) and run `profset integrator revoke acme` again" in gone.stderr
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


def _push(name: str, deliver: str) -> ConsumerConfig:
    return ConsumerConfig(name=name, durable_name=name, deliver_subject=deliver, ack_policy=AckPolicy.EXPLICIT)


async def _consumers(js: Any, stream: str) -> set[str]:
    return {c.name for c in await js.consumers_info(stream)}


async def test_beside_a_running_local_stack_a_team_is_let_in_at_once_and_shut_out_on_revoke_its_consumers_deleted(
    profset: Callable[..., Ran], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = NatsServer(tmp_path / "nats", passwords=nats_passwords(tmp_path))  # as `profset stack up` starts it
    server.start()
    make_streams(server)
    monkeypatch.setenv("NATS_URL", server.url)  # the operator's, as the other operator commands take it
    operator = await nats.connect(server.url)
    js = operator.jetstream()
    try:
        done = await asyncio.to_thread(in_a_process, "add", "acme", "--streams", "REGISTRY,EXCHANGE", data=tmp_path)
        assert done.returncode == 0 and "the local stack's nats-server reloaded its users" in done.stderr, done.stderr
        password = given(done.stdout)["NATS_PASSWORD"]
        other = await asyncio.to_thread(in_a_process, "add", "beta", "--streams", "REGISTRY", data=tmp_path)
        assert await _let_in(server, password), "let in once the command returns: it waits for the reload"
        team = await nats.connect(server.address, user="acme", password=password, inbox_prefix="_INBOX.acme")
        beta = await nats.connect(
            server.address, user="beta", password=given(other.stdout)["NATS_PASSWORD"], inbox_prefix="_INBOX.beta"
        )
        try:  # as the tester left them: a durable, and push consumers aimed at a service, an inbox and an event
            theirs = team.jetstream(timeout=5)
            await theirs.pull_subscribe("registry.>", durable="acme", stream="REGISTRY")
            await theirs.add_consumer("REGISTRY", _push("acme-2", "svc.registry.get_org"))
            await theirs.add_consumer("REGISTRY", _push("acme-3", "_INBOX.gateway.x"))
            await theirs.add_consumer("EXCHANGE", _push("acme-4", "registry.org.registered"))
            await beta.jetstream(timeout=5).pull_subscribe("registry.>", durable="beta", stream="REGISTRY")
        finally:
            await team.close()
            await beta.close()
        await js.add_consumer("REGISTRY", ConsumerConfig(name="kpi_registry", durable_name="kpi_registry"))

        gone = await asyncio.to_thread(in_a_process, "revoke", "acme", data=tmp_path)

        assert gone.returncode == 0, gone.stderr
        assert gone.stdout.splitlines() == [
            "deleted consumer REGISTRY/acme",
            "deleted consumer REGISTRY/acme-2",
            "deleted consumer REGISTRY/acme-3",
            "deleted consumer EXCHANGE/acme-4",
        ]
        assert not await _let_in(server, password)
        assert await _consumers(js, "REGISTRY") == {"beta", "kpi_registry"}, "nobody else's"
        assert await _consumers(js, "EXCHANGE") == set()

        again = await asyncio.to_thread(in_a_process, "revoke", "acme", data=tmp_path)
        assert (again.returncode, again.stdout) == (1, ""), again
        assert "is not an integrator of" in again.stderr and "has no consumers left" in again.stderr
        # one it made before the server let it in no more (compose and Kubernetes reload after the command)
        await js.add_consumer("KPI", _push("acme-1", "svc.registry.get_org"))
        late = await asyncio.to_thread(in_a_process, "revoke", "acme", data=tmp_path)
        assert (late.returncode, late.stdout) == (0, "deleted consumer KPI/acme-1\n"), late
        assert await _consumers(js, "KPI") == set()
        assert profset("revoke", "reader").returncode == 1, "never the reader's consumers"
        assert await _consumers(js, "REGISTRY") == {"beta", "kpi_registry"}
    finally:
        await operator.close()
        server.stop()


async def test_revoke_says_so_when_the_operators_nats_does_not_answer(
    profset: Callable[..., Ran], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "integrators.json"
    assert profset("add", "acme", "--streams", "REGISTRY", "--registry", str(listed)).returncode == 0
    monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{free_port()}")

    gone = await asyncio.to_thread(profset, "revoke", "acme", "--registry", str(listed))

    assert gone.returncode == 3 and "acme's consumers are still there, NATS did not answer" in gone.stderr, gone
    assert profset("list", "--registry", str(listed)).stdout == "", "off the list all the same"
