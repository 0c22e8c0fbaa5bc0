"""docker-compose.yml validates against the compose specification and uses the local stack's keys and users; each service
holds its own database role's password only, and the stream keeper runs as a NATS user of its own."""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from profset.dbroles import password_setting, role_of
from profset.natsauth import KEEPER, OPERATOR, TALKS, env_name, fresh_environment, users
from profset.stack import MIGRATED

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def spec_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the compose specification's JSON schema (vendored by check-jsonschema)."""
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_file_follows_the_compose_specification() -> None:
    assert spec_errors(compose()) == []


def test_the_specification_check_can_fail() -> None:
    broken = compose()
    broken["services"]["registry"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["gateway"]["ports"] = "8000:8000"
    assert len(spec_errors(broken)) >= 2


def test_every_service_runs_as_its_own_nats_user_read_only_with_a_health_check() -> None:
    services = compose()["services"]
    for name in TALKS:
        service = services[name]
        env = service["environment"]
        prefix = name.upper()
        assert env[f"{prefix}_NATS_USER"] == name and env[env_name(name)].startswith(f"${{{env_name(name)}"), name
        assert env["NATS_URL"] == "nats://nats:4222", name
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"] and service["user"] == "10001:10001", name
        assert "readyz" in " ".join(service["healthcheck"]["test"]), name
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert set(services["nats"]["environment"]) == {env_name(u) for u in users()}


def referenced(value: object) -> set[str]:
    """The variables of `.env` a value of the file reads."""
    return set(re.findall(r"\$\{([A-Z0-9_]+)", json.dumps(value)))


def test_each_service_logs_in_to_postgres_as_its_own_role_with_its_own_password_only() -> None:
    services = compose()["services"]
    owned = {password_setting(s) for s in MIGRATED}
    for name in MIGRATED:
        url = services[name]["environment"]["DATABASE_URL"]
        assert re.fullmatch(
            rf"postgresql://{role_of(name)}:\$\{{{password_setting(name)}:\?[^}}]*\}}@postgres:5432/profset", url
        ), url
        assert referenced(services[name]) & (owned | {"POSTGRES_PASSWORD"}) == {password_setting(name)}, name
    for name, service in services.items():  # the owner's password: the server and the migrations alone
        if "POSTGRES_PASSWORD" in referenced(service):
            assert name in ("postgres", "migrate"), name
    migrate = services["migrate"]
    assert migrate["command"] == ["profset", "migrate", "--roles", "create"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgresql://profset:${POSTGRES_PASSWORD")
    assert {k for k in migrate["environment"] if k.endswith("_DB_PASSWORD")} == owned
    assert "NATS_URL" not in migrate["environment"], "the migrations make no stream: the keeper does"


def test_the_stream_keeper_runs_as_its_own_nats_user_and_nobody_holds_the_operators() -> None:
    services = compose()["services"]
    keeper = services["streamkeeper"]
    assert keeper["command"][:3] == ["profset", "streams", "--keep"]
    assert keeper["environment"]["NATS_URL"].startswith(f"nats://{KEEPER}:${{{env_name(KEEPER)}:")
    assert referenced(keeper) == {"PROFSET_IMAGE", env_name(KEEPER), "STREAM_MAX_GIB"}
    assert keeper["read_only"] is True and keeper["cap_drop"] == ["ALL"] and keeper["user"] == "10001:10001"
    assert keeper["restart"] == "unless-stopped"
    for name in TALKS:
        assert services[name]["depends_on"]["streamkeeper"] == {"condition": "service_started"}, name
    holders = {name for name, service in services.items() if env_name(OPERATOR) in referenced(service)}
    assert holders == {"nats"}, "the operator's NATS password is for the server to check, not for a process to hold"


def test_the_env_example_names_every_variable_the_file_reads_and_every_secret() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    wanted = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert wanted - example <= {"NATS_PUBLISH_PORT"}, wanted - example
    assert set(fresh_environment()) <= example


def test_the_nats_server_accepts_the_compose_configuration(tmp_path: Path) -> None:
    env = {env_name(u): "pw" for u in users()}
    conf = ROOT / "deploy/nats/nats.conf"
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "nats-server"), "-t", "-c", str(conf)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    missing = subprocess.run(
        [str(Path(sys.executable).parent / "nats-server"), "-t", "-c", str(conf)],
        env={},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert missing.returncode != 0 and "NATS_PASSWORD" in missing.stderr, "a password not given stops the server"
