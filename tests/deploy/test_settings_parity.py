"""Every setting compose gives a process, its pods get too, and `profset env` makes every secret compose requires:
a setting added to one deployment and forgotten in the other (appeals' master key, notifications' chat URL and SMTP
login were) fails here rather than at an operator's first start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from profset.kustomize import render
from profset.natsauth import fresh_environment

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
REQUIRED = re.compile(r"\$\{(\w+):\?")
CHOSEN = {"NOTIFICATIONS_SMTP_HOST"}  # not a secret: the operator names their mail server in .env (README)


def pod_settings(overlay: str) -> dict[str, set[str]]:
    """Each Deployment's settings: its containers' env and the keys of the ConfigMaps they load whole."""
    objects = render(ROOT / "k8s" / overlay)
    maps = {o["metadata"]["name"]: set(o.get("data", {})) for o in objects if o["kind"] == "ConfigMap"}
    found: dict[str, set[str]] = {}
    for o in objects:
        if o["kind"] != "Deployment":
            continue
        names: set[str] = set()
        for container in o["spec"]["template"]["spec"]["containers"]:
            names |= {e["name"] for e in container.get("env", [])}
            names |= {k for ref in container.get("envFrom", []) for k in maps[ref["configMapRef"]["name"]]}
        found[o["metadata"]["name"]] = names
    return found


def compose_settings(service: dict[str, Any]) -> set[str]:
    return set(service.get("environment") or {})


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_every_setting_compose_passes_a_service_its_pods_get(overlay: str) -> None:
    pods = pod_settings(overlay)
    missing = {
        name: sorted(compose_settings(COMPOSE["services"][name]) - settings)
        for name, settings in pods.items()
        if name in COMPOSE["services"]
    }
    assert {name: keys for name, keys in missing.items() if keys} == {}
    assert {"registry", "appeals", "notifications", "gateway"} <= pods.keys()  # the comparison saw the services


def test_profset_env_makes_every_secret_compose_requires() -> None:
    required = set(REQUIRED.findall((ROOT / "docker-compose.yml").read_text()))
    assert "APPEALS_MASTER_KEY" in required
    assert sorted(required - CHOSEN - fresh_environment().keys()) == []


def test_each_sealing_service_gets_its_own_master_key_and_no_other() -> None:
    pods = pod_settings("overlays/prod")
    holders = {name: sorted(k for k in keys if k.endswith("_MASTER_KEY")) for name, keys in pods.items()}
    assert {name: keys for name, keys in holders.items() if keys} == {
        name: [f"{name.upper()}_MASTER_KEY"] for name in ("registry", "contacts", "appeals")
    }
