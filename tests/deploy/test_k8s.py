"""Every object of each overlay validates offline and strictly; the base carries probes, resources and the
restricted security profile; custom resources and the NATS values keep to their operators' documented fields."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from profset import manifests
from profset.kustomize import render
from profset.natsauth import TALKS, authorization, env_name
from profset.natsauth import render as nats_conf

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
}
OVERLAYS = ["base", "overlays/dev", "overlays/prod"]


def schema(name: str) -> dict[str, Any]:
    return json.loads((K8S / "schemas" / name).read_text())  # type: ignore[no-any-return]


def problems(obj: dict[str, Any]) -> list[str]:
    """What is wrong with one object: strict Kubernetes schemas, or ours for custom resources."""
    custom = SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    if custom is not None:
        validator = jsonschema.Draft7Validator(schema(custom))
        return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(obj)]
    try:
        kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'/'.join(map(str, e.path))}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {obj['apiVersion']} {obj['kind']}"]
    return []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_strictly(overlay: str) -> None:
    found = {f"{o['kind']}/{o['metadata']['name']}": problems(o) for o in render(K8S / overlay)}
    assert {name: p for name, p in found.items() if p} == {}


def test_the_checks_can_fail() -> None:
    deployment = next(o for o in render(K8S / "base") if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    cluster = next(o for o in render(K8S / "base") if o["kind"] == "Cluster")
    cluster["spec"]["storage"]["sizee"] = "1Gi"
    unknown = {"apiVersion": "example.org/v1", "kind": "Thing", "metadata": {"name": "x"}}
    assert problems(deployment) and problems(cluster) and problems(unknown)


def pods(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"])
        for o in objects
        if o["kind"] in ("Deployment", "Job")
    ]


def test_the_base_carries_probes_resources_and_the_restricted_profile() -> None:
    objects = render(K8S / "base")
    namespace = next(o for o in objects if o["kind"] == "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name, pod in pods(objects):
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"] == {"drop": ["ALL"]}, name
            assert set(container["resources"]) == {"requests", "limits"}, name
            if name.startswith("Deployment/"):
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name


def test_every_service_has_its_objects_and_the_network_is_denied_by_default() -> None:
    objects = render(K8S / "base")
    have = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for service in TALKS:
        for kind in ("Deployment", "Service", "PodDisruptionBudget", "ServiceMonitor"):
            assert (kind, service) in have, (kind, service)
    deny = next(o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    gateway = [o for o in objects if o["kind"] == "NetworkPolicy" and "Ingress" in o["spec"]["policyTypes"]]
    assert any(o["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "gateway"}} for o in gateway)


def test_prod_runs_replicated_streams_and_postgres() -> None:
    objects = render(K8S / "overlays/prod")
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    cluster = next(o for o in objects if o["kind"] == "Cluster")
    assert config["data"]["STREAM_REPLICAS"] == "3" and cluster["spec"]["instances"] == 3
    assert all(o["spec"]["replicas"] >= 2 for o in objects if o["kind"] == "Deployment")
    values = yaml.safe_load((K8S / "nats/values.yaml").read_text())
    assert values["config"]["cluster"]["replicas"] == 3 and values["config"]["jetstream"]["fileStore"]["pvc"]["enabled"]


def test_generated_files_are_up_to_date() -> None:
    stale = [path for path, text in manifests.files(ROOT).items() if (ROOT / path).read_text() != text]
    assert stale == [], "run `profset manifests` after changing natsauth.TALKS or deploy/monitoring"


def test_the_nats_values_keep_to_the_charts_fields_and_the_server_accepts_the_users(tmp_path: Path) -> None:
    values = manifests.merge_values(
        yaml.safe_load((K8S / "nats/values.yaml").read_text()), yaml.safe_load((K8S / "nats/values-auth.yaml").read_text())
    )
    jsonschema.Draft7Validator(schema("nats-helm-values.json")).validate(values)
    users = values["config"]["merge"]["authorization"]["users"]
    assert set(values["container"]["env"]) == {env_name(u["user"]) for u in users}
    block = {"users": [u | {"password": u["password"].strip("<> ")} for u in users]}
    assert block == authorization()
    (tmp_path / "nats.conf").write_text("listen: 127.0.0.1:4222\n" + nats_conf(block))
    env = {env_name(u["user"]): "pw" for u in users}
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "nats-server"), "-t", "-c", str(tmp_path / "nats.conf")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def exported_metrics() -> set[str]:
    from prometheus_client import REGISTRY

    import kit.metrics  # noqa: F401 - registers the kit's metrics

    names = set()
    for family in REGISTRY.collect():
        names |= {sample.name for sample in family.samples} | {family.name}
    return names | {f"{n}_bucket" for n in names} | {f"{n}_total" for n in names}


def test_alerts_and_the_dashboard_use_metrics_the_kit_exports() -> None:
    rules = yaml.safe_load((ROOT / "deploy/monitoring/alerts.yaml").read_text())["groups"][0]["rules"]
    dashboard = json.loads((ROOT / "deploy/monitoring/grafana-dashboard.json").read_text())
    exprs = [r["expr"] for r in rules] + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bprofset_\w+", e)}
    assert used and used <= exported_metrics(), used - exported_metrics()
    assert {r["alert"] for r in rules} >= {
        "ProfsetProjectionLag",
        "ProfsetDeadLetterDepth",
        "ProfsetRelayLag",
        "ProfsetErrorRate",
    }
