"""Every object of each overlay, with and without each optional component, validates offline and strictly; the base
carries probes, resources and the restricted security profile, and needs no Prometheus operator; custom resources and
the NATS values keep to their operators' published fields; each service logs in to PostgreSQL as its own managed role
(through the pooler in prod), its replicas spread over nodes and zones; prod archives WAL and backs up daily through
the Barman Cloud plugin; the stream keeper runs as a NATS user of its own."""

from __future__ import annotations

import copy
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
from profset.dbroles import password_setting, role_of
from profset.kustomize import render
from profset.natsauth import KEEPER, OPERATOR, TALKS, authorization, env_name
from profset.natsauth import render as nats_conf
from profset.stack import MIGRATED

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor.json",
    ("postgresql.cnpg.io/v1", "Pooler"): "cnpg-pooler.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "cnpg-scheduledbackup.json",
    ("barmancloud.cnpg.io/v1", "ObjectStore"): "barmancloud-objectstore.json",
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret.json",
}
"""Each custom resource's strict schema, made from its operator's published CRD by k8s/schemas/crd_to_schema.py."""
OVERLAYS = ["base", "overlays/dev", "overlays/prod"]
COMPONENTS = ["components/backup", "components/monitoring", "components/ingress", "components/gateway-hpa"]


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


def variant(overlay: str, components: list[str], folder: Path) -> Path:
    """A kustomization like `overlay` (absolute paths) with exactly `components`, written in `folder`."""
    spec = yaml.safe_load((K8S / overlay / "kustomization.yaml").read_text())
    if overlay == "base":
        spec = {"namespace": "profset", "resources": [str(K8S / "base")]}
    else:
        spec["resources"] = [str((K8S / overlay / r).resolve()) for r in spec.get("resources", [])]
        spec["patches"] = [{"path": str(K8S / overlay / p["path"])} for p in spec.get("patches", [])]
    spec["components"] = [str(K8S / c) for c in components]
    if "components/gateway-hpa" in components:  # the autoscaler's count, not the overlay's
        spec["replicas"] = [r for r in spec.get("replicas", []) if r["name"] != "gateway"]
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(spec))
    return folder


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("components", [[], *([c] for c in COMPONENTS), COMPONENTS], ids=lambda c: "+".join(c) or "none")
def test_every_overlay_validates_with_and_without_the_components(overlay: str, components: list[str], tmp_path: Path) -> None:
    objects = render(variant(overlay, components, tmp_path))
    found = {f"{o['kind']}/{o['metadata']['name']}": problems(o) for o in objects}
    assert {name: p for name, p in found.items() if p} == {}
    kinds = {o["kind"] for o in objects}
    assert ("ServiceMonitor" in kinds) == ("components/monitoring" in components)
    assert ("Ingress" in kinds) == ("components/ingress" in components)
    assert ("HorizontalPodAutoscaler" in kinds) == ("components/gateway-hpa" in components)
    assert ({"ObjectStore", "ScheduledBackup"} <= kinds) == ("components/backup" in components)
    cluster = next(o for o in objects if o["kind"] == "Cluster")
    assert ("plugins" in cluster["spec"]) == ("components/backup" in components)
    assert all(o["metadata"].get("namespace") == "profset" for o in objects if o["kind"] != "Namespace")


def test_the_checks_can_fail() -> None:
    deployment = next(o for o in render(K8S / "base") if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    cluster = next(o for o in render(K8S / "base") if o["kind"] == "Cluster")
    cluster["spec"]["storage"]["sizee"] = "1Gi"
    unknown = {"apiVersion": "example.org/v1", "kind": "Thing", "metadata": {"name": "x"}}
    assert problems(deployment) and problems(cluster) and problems(unknown)
    prod = {(o["kind"], o["metadata"]["name"]): o for o in render(K8S / "overlays/prod")}
    store = copy.deepcopy(prod[("ObjectStore", "profset-backups")])
    store["spec"]["configuration"]["s3Credentials"]["accessKeyID"] = store["spec"]["configuration"]["s3Credentials"].pop(
        "accessKeyId"
    )
    backup = copy.deepcopy(prod[("ScheduledBackup", "profset-pg-daily")])
    backup["spec"]["method"] = "barmanCloud"
    pooler = copy.deepcopy(prod[("Pooler", "profset-pg-pooler-rw")])
    pooler["spec"]["pgbouncer"]["poolMode"] = "sessions"
    secret = copy.deepcopy(prod[("ExternalSecret", "profset-secrets")])
    secret["spec"]["secretStoreRef"]["kind"] = "ClusterStore"
    plugged = copy.deepcopy(prod[("Cluster", "profset-pg")])
    plugged["spec"]["plugins"][0]["isWalArchiver"] = True
    assert all(problems(o) for o in (store, backup, pooler, secret, plugged))


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
            if name == f"Deployment/{KEEPER}":  # serves no HTTP: nothing to probe (it exits when it can't work)
                assert "ports" not in container and "livenessProbe" not in container, name
            elif name.startswith("Deployment/"):
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name


def test_every_service_has_its_objects_and_the_network_is_denied_by_default() -> None:
    objects = render(K8S / "base")
    have = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for service in TALKS:
        for kind in ("Deployment", "Service", "PodDisruptionBudget"):
            assert (kind, service) in have, (kind, service)
    assert [o for o in objects if o["apiVersion"].startswith("monitoring.coreos.com/")] == [], "the base needs no Prometheus"
    cluster = next(o for o in objects if o["kind"] == "Cluster")
    assert "enablePodMonitor" not in cluster["spec"].get("monitoring", {}), "deprecated; the component has a PodMonitor"
    assert {name for kind, name in have if kind == "Deployment"} == {*TALKS, KEEPER}
    deny = next(o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    gateway = [o for o in objects if o["kind"] == "NetworkPolicy" and "Ingress" in o["spec"]["policyTypes"]]
    assert any(o["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "gateway"}} for o in gateway)


def test_prod_runs_replicated_streams_and_postgres() -> None:
    objects = render(K8S / "overlays/prod")
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    cluster = next(o for o in objects if o["kind"] == "Cluster")
    assert config["data"]["STREAM_REPLICAS"] == "3" and cluster["spec"]["instances"] == 3
    scaled = {o["spec"]["scaleTargetRef"]["name"]: o["spec"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"}
    assert set(scaled) == {"gateway"} and scaled["gateway"]["minReplicas"] >= 3
    deployments = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "Deployment"}
    assert "replicas" not in deployments["gateway"], "kubectl apply would reset the autoscaler's count"
    replicas = {name: spec.get("replicas") or scaled[name]["minReplicas"] for name, spec in deployments.items()}
    assert replicas.pop(KEEPER) == 1 and all(n >= 2 for n in replicas.values()), replicas
    keeper = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == KEEPER)
    container = keeper["spec"]["template"]["spec"]["containers"][0]
    command = container["command"]
    assert command[command.index("--replicas") + 1] == "$(STREAM_REPLICAS)", "the keeper makes R3 streams in prod too"
    assert command[command.index("--max-gib") + 1] == "$(STREAM_MAX_GIB)" and config["data"]["STREAM_MAX_GIB"]
    values = yaml.safe_load((K8S / "nats/values.yaml").read_text())
    assert values["config"]["cluster"]["replicas"] == 3 and values["config"]["jetstream"]["fileStore"]["pvc"]["enabled"]


def secret_refs(pod: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (Secret, key) a pod's containers read."""
    found = set()
    for container in pod["containers"]:
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                found.add((ref["name"], ref["key"]))
        found |= {(e["secretRef"]["name"], "*") for e in container.get("envFrom", []) if "secretRef" in e}
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_logs_in_as_its_own_role_from_its_own_secret_only(overlay: str) -> None:
    objects = render(K8S / overlay)
    roles = {r["name"]: r for r in next(o for o in objects if o["kind"] == "Cluster")["spec"]["managed"]["roles"]}
    assert set(roles) == {role_of(s) for s in MIGRATED}
    for service in MIGRATED:
        pod = next(p for name, p in pods(objects) if name == f"Deployment/{service}")
        env = pod["containers"][0]["env"]
        names = [e["name"] for e in env]
        url = next(e["value"] for e in env if e["name"] == "DATABASE_URL")
        host = manifests.POOLER if overlay == "overlays/prod" else "profset-pg-rw"  # prod goes through PgBouncer
        assert url == f"postgresql://{role_of(service)}:$({password_setting(service)})@{host}:5432/profset"
        assert names.index(password_setting(service)) < names.index("DATABASE_URL"), "defined before it is used"
        role = roles[role_of(service)]
        assert role["login"] is True and role.get("ensure", "present") == "present" and not role.get("superuser")
        database_secrets = {(n, k) for n, k in secret_refs(pod) if n.startswith("profset-pg")}
        assert database_secrets == {(role["passwordSecret"]["name"], "password")}, service
    for name, pod in pods(objects):  # the owner's Secret: the migrations alone
        if ("profset-pg-app", "uri") in secret_refs(pod):
            assert name == "Job/profset-migrate", name
    migrate = next(p for name, p in pods(objects) if name == "Job/profset-migrate")
    assert migrate["containers"][0]["command"] == ["profset", "migrate", "--roles", "grant"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_stream_keeper_runs_as_its_own_nats_user_and_nobody_holds_the_operators(overlay: str) -> None:
    objects = render(K8S / overlay)
    keeper = next(p for name, p in pods(objects) if name == f"Deployment/{KEEPER}")
    container = keeper["containers"][0]
    assert container["command"][:3] == ["profset", "streams", "--keep"]
    assert secret_refs(keeper) == {(manifests.SECRET, env_name(KEEPER))}
    url = next(e["value"] for e in container["env"] if e["name"] == "NATS_URL")
    assert url == f"nats://{KEEPER}:$({env_name(KEEPER)})@nats:4222"
    holders = [name for name, pod in pods(objects) if (manifests.SECRET, env_name(OPERATOR)) in secret_refs(pod)]
    assert holders == [], "the operator's NATS password is for people running profset, not for a pod"


def test_every_deployment_the_keeper_included_may_reach_nats_and_nothing_else_opens_for_it() -> None:
    objects = render(K8S / "base")
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    to_nats = policies["profset-to-nats-and-postgres"]
    nats_in = policies["nats"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    for o in (o for o in objects if o["kind"] == "Deployment"):
        labels = o["spec"]["template"]["metadata"]["labels"]
        assert to_nats["podSelector"]["matchLabels"].items() <= labels.items(), o["metadata"]["name"]
        assert nats_in.items() <= labels.items(), o["metadata"]["name"]
    opened = [n for n, p in policies.items() if p["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": KEEPER}}]
    assert opened == [], "the keeper needs no policy of its own: it only talks to NATS"


def test_every_managed_role_gets_a_basic_auth_secret_from_the_env_file() -> None:
    from profset.natsauth import fresh_environment

    env = fresh_environment()
    text = "# a comment\n" + "\n".join(f"{k}={v}" for k, v in env.items())
    secrets = list(yaml.safe_load_all(manifests.role_secrets_yaml(text)))
    roles = next(o for o in render(K8S / "base") if o["kind"] == "Cluster")["spec"]["managed"]["roles"]
    by_name = {s["metadata"]["name"]: s for s in secrets}
    assert set(by_name) == {r["passwordSecret"]["name"] for r in roles}
    for role in roles:
        secret = by_name[role["passwordSecret"]["name"]]
        assert problems(secret) == [], secret["metadata"]["name"]
        assert secret["type"] == "kubernetes.io/basic-auth" and secret["metadata"]["labels"]["cnpg.io/reload"] == "true"
        service = role["name"].removeprefix("profset_")
        assert secret["stringData"] == {"username": role["name"], "password": env[password_setting(service)]}
    with pytest.raises(KeyError, match="KPI_DB_PASSWORD"):
        manifests.role_secrets_yaml(text.replace("KPI_DB_PASSWORD=", "#"))


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


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_spreads_over_nodes_and_zones_and_rolls_out_without_a_surge(overlay: str) -> None:
    for o in render(K8S / overlay):
        if o["kind"] != "Deployment" or o["metadata"]["name"] not in TALKS:
            continue
        name, pod = o["metadata"]["name"], o["spec"]["template"]["spec"]
        own = {"matchLabels": {"app.kubernetes.io/name": name}}
        assert own["matchLabels"].items() <= o["spec"]["template"]["metadata"]["labels"].items(), name
        spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
        assert set(spread) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
        for constraint in spread.values():
            assert constraint["whenUnsatisfiable"] == "ScheduleAnyway" and constraint["maxSkew"] == 1, name
            assert constraint["labelSelector"] == own, name
        anti = pod["affinity"]["podAntiAffinity"]
        assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti, "a small cluster must still schedule"
        [term] = anti["preferredDuringSchedulingIgnoredDuringExecution"]
        assert term["podAffinityTerm"] == {"labelSelector": own, "topologyKey": "kubernetes.io/hostname"}, name
        assert o["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0, name


def test_prod_archives_wal_and_backs_up_daily_through_the_barman_cloud_plugin() -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in render(K8S / "overlays/prod")}
    cluster = objects[("Cluster", manifests.CLUSTER)]["spec"]
    [plugin] = cluster["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"] is True
    store = objects[("ObjectStore", plugin["parameters"]["barmanObjectName"])]["spec"]
    assert "backup" not in cluster, "the in-tree barmanObjectStore is deprecated: the plugin archives"
    assert not store["configuration"].get("serverName"), "the plugin's docs: serverName stays empty in the ObjectStore"
    assert store["configuration"]["destinationPath"].startswith("s3://") and store["retentionPolicy"]
    credentials = store["configuration"]["s3Credentials"]
    secret = {ref["name"] for ref in credentials.values()}
    assert len(secret) == 1, "both keys from one Secret"
    [backup] = [o["spec"] for o in objects.values() if o["kind"] == "ScheduledBackup"]
    assert backup["cluster"]["name"] == manifests.CLUSTER and backup["method"] == "plugin"
    assert backup["pluginConfiguration"]["name"] == plugin["name"]
    seconds, minute, hour, day, month, weekday = backup["schedule"].split()
    assert (day, month, weekday) == ("*", "*", "*") and all(f.isdigit() for f in (seconds, minute, hour)), "daily"
    external = {o["spec"]["target"]["name"]: o["spec"] for o in objects.values() if o["kind"] == "ExternalSecret"}
    assert set(external) >= {manifests.SECRET, *secret}
    assert {spec["secretStoreRef"]["kind"] for spec in external.values()} == {"ClusterSecretStore"}
    assert ("ObjectStore", "profset-backups") not in {(o["kind"], o["metadata"]["name"]) for o in render(K8S / "base")}


def test_the_recovery_component_makes_the_cluster_from_the_backups_and_archives_apart(tmp_path: Path) -> None:
    objects = render(variant("overlays/prod", [*COMPONENTS, "components/recovery"], tmp_path))
    found = {f"{o['kind']}/{o['metadata']['name']}": problems(o) for o in objects}
    assert {name: p for name, p in found.items() if p} == {}
    stores = {o["metadata"]["name"] for o in objects if o["kind"] == "ObjectStore"}
    cluster = next(o for o in objects if o["kind"] == "Cluster")["spec"]
    assert set(cluster["bootstrap"]) == {"recovery"}, "no initdb beside it"
    recovery = cluster["bootstrap"]["recovery"]
    assert (recovery["database"], recovery["owner"]) == (manifests.DATABASE, "profset")
    source = next(c for c in cluster["externalClusters"] if c["name"] == recovery["source"])["plugin"]
    [archive] = cluster["plugins"]
    assert source["name"] == archive["name"] == "barman-cloud.cloudnative-pg.io" and archive["isWALArchiver"] is True
    assert source["parameters"]["barmanObjectName"] in stores and archive["parameters"]["barmanObjectName"] in stores
    assert source["parameters"]["serverName"] == manifests.CLUSTER, "the archive the prod cluster wrote"
    assert archive["parameters"]["serverName"] != source["parameters"]["serverName"], "never into the archive read from"


def test_prods_external_secrets_make_the_secrets_the_pods_and_the_cluster_read() -> None:
    objects = render(K8S / "overlays/prod")
    external = {o["spec"]["target"]["name"]: o["spec"] for o in objects if o["kind"] == "ExternalSecret"}
    assert {s["spec"]["secretStoreRef"]["kind"] for s in (o for o in objects if o["kind"] == "ExternalSecret")} == {
        "ClusterSecretStore"
    }
    read = {name for _, pod in pods(objects) for name, _ in secret_refs(pod)} - {manifests.DATABASE_SECRET}
    assert read <= set(external), "every Secret a pod reads but the operator's own app Secret"
    roles = next(o for o in objects if o["kind"] == "Cluster")["spec"]["managed"]["roles"]
    for role in roles:
        spec = external[role["passwordSecret"]["name"]]
        template = spec["target"]["template"]
        service = role["name"].removeprefix("profset_")
        assert template["type"] == "kubernetes.io/basic-auth" and template["metadata"]["labels"]["cnpg.io/reload"] == "true"
        assert template["data"] == {"username": role["name"], "password": "{{ .password }}"}
        assert spec["data"] == [
            {"secretKey": "password", "remoteRef": {"key": "profset/prod", "property": password_setting(service)}}
        ]
