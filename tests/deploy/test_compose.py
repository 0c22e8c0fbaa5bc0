"""docker-compose.yml validates against the compose specification and uses the local stack's keys and users."""

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

from profset.natsauth import TALKS, env_name, fresh_environment, users

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
        assert env["DATABASE_URL"].startswith("postgresql://") and env["NATS_URL"] == "nats://nats:4222", name
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"] and service["user"] == "10001:10001", name
        assert "readyz" in " ".join(service["healthcheck"]["test"]), name
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert set(services["nats"]["environment"]) == {env_name(u) for u in users()}
    assert services["migrate"]["command"] == ["profset", "migrate"]


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
