"""The per-service Kubernetes objects of `k8s/base/services/`, the PostgreSQL cluster with a role per service, the stream
keeper, the NATS users of the Helm values, the monitoring component's objects (`k8s/components/monitoring`) and the prod
overlay's pooled database URLs, from one table, so a new service is one line in `natsauth.TALKS` and `profset manifests`
(CI checks they match)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .dbroles import password_setting, role_of
from .natsauth import KEEPER, TALKS, authorization, env_name
from .stack import MIGRATED
from .stackkeys import SEALING

PART_OF = {"app.kubernetes.io/part-of": "profset"}
SECRET = "profset-secrets"  # noqa: S105 - the name of a Secret, not one
"""The one Secret, with the keys of `.env` (`profset secrets` prints them)."""
CLUSTER = "profset-pg"
"""The CloudNativePG cluster; `profset-pg-rw` is its primary's Service."""
POOLER = f"{CLUSTER}-pooler-rw"
"""The prod overlay's PgBouncer Pooler (type rw, session mode) and its Service, in front of `profset-pg-rw`."""
MAX_CONNECTIONS = 400
"""PostgreSQL's max_connections in the base: every service's worst case (one replica each) plus the migrations Job and
one operator's command; tests/deploy/test_k8s_budget.py works it out for every overlay."""
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
DATABASE = "profset"
DATABASE_SECRET = "profset-pg-app"  # noqa: S105 - the name of a Secret, not one
"""The application Secret CloudNativePG makes for the owner `profset`: only the migrations Job reads its `uri`."""
TMP_MOUNT = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - an emptyDir of the pod's own


def role_secret(service: str) -> str:
    """The basic-auth Secret of a service's own database role (username `profset_<service>`), made by the operator."""
    return f"{CLUSTER}-{service}"


def database_url(service: str, host: str = f"{CLUSTER}-rw") -> str:
    """A service's DATABASE_URL: its own role, the password expanded from its own role's Secret (URL-safe), to the
    primary's Service (or the pooler's)."""
    return f"postgresql://{role_of(service)}:$({password_setting(service)})@{host}:5432/{DATABASE}"


HTTP_PORT = {"gateway": 8000}
"""The port of /healthz, /readyz and /metrics (the gateway's serves the API instead of /metrics); others use 8080."""
METRICS_PORT = {"gateway": 9100}
"""A service whose /metrics has a port of its own, off the public one (GATEWAY_METRICS_PORT)."""

EXTRA_SECRETS = {
    # only the services that seal personal data hold a master key, each its own
    **{service: (f"{service.upper()}_MASTER_KEY",) for service in SEALING},
    "gateway": ("GATEWAY_TOKEN_PRIVATE_KEY", "PROFSET_ADMIN_PASSWORD"),
    # the chat base URL carries the bot's token, so it is a secret; a mail server may want no login at all
    "notifications": (
        "NOTIFICATIONS_SERVICE_PRIVATE_KEY",
        "NOTIFICATIONS_SMTP_USERNAME",
        "NOTIFICATIONS_SMTP_PASSWORD",
        "NOTIFICATIONS_CHAT_BASE_URL",
    ),
}
OPTIONAL_SECRETS = frozenset({"NOTIFICATIONS_SMTP_USERNAME", "NOTIFICATIONS_SMTP_PASSWORD", "NOTIFICATIONS_CHAT_BASE_URL"})
"""Settings a deployment may leave out: no login at the mail server, no chats."""


def port_of(service: str) -> int:
    """The service's HTTP port in a container."""
    return HTTP_PORT.get(service, 8080)


def _ports(service: str, key: str, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's named ports (http, and metrics where it has a port of its own)."""
    ports = [{"name": "http", key: port_of(service), **extra}]
    if service in METRICS_PORT:
        ports.append({"name": "metrics", key: METRICS_PORT[service], **extra})
    return ports


def _metrics_port_name(service: str) -> str:
    return "metrics" if service in METRICS_PORT else "http"


def _labels(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, **PART_OF}


def _secret(name: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "key": key}
    if optional:
        ref["optional"] = True
    return {"valueFrom": {"secretKeyRef": ref}}


def _env(service: str) -> list[dict[str, Any]]:
    prefix = service.upper()
    env: list[dict[str, Any]] = [
        {"name": password_setting(service), **_secret(role_secret(service), "password")},  # before the URL that uses it
        {"name": "DATABASE_URL", "value": database_url(service)},
        {"name": "TOKEN_PUBLIC_KEY", **_secret(SECRET, "TOKEN_PUBLIC_KEY")},
        {"name": "SERVICE_PUBLIC_KEYS", **_secret(SECRET, "SERVICE_PUBLIC_KEYS")},
        {"name": f"{prefix}_HTTP_HOST", "value": "0.0.0.0"},  # noqa: S104 - a pod listens on its own address
        {"name": f"{prefix}_PORT" if service == "gateway" else f"{prefix}_HTTP_PORT", "value": str(port_of(service))},
        {"name": f"{prefix}_NATS_USER", "value": service},
        *([{"name": f"{prefix}_METRICS_PORT", "value": str(METRICS_PORT[service])}] if service in METRICS_PORT else []),
        {"name": env_name(service), **_secret(SECRET, env_name(service))},
    ]
    env += [{"name": key, **_secret(SECRET, key, optional=key in OPTIONAL_SECRETS)} for key in EXTRA_SECRETS.get(service, ())]
    return env


def container_security() -> dict[str, Any]:
    """The restricted profile's container fields."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security() -> dict[str, Any]:
    """The restricted profile's pod fields; 10001 is the image's user."""
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _deployment(name: str, container: dict[str, Any]) -> dict[str, Any]:
    """One replica of a Profset process: the restricted profile, no API token, a writable /tmp only."""
    pod = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(),
        "terminationGracePeriodSeconds": 30,
        "containers": [container | {"securityContext": container_security(), "volumeMounts": [TMP_MOUNT]}],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": _labels(name)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": _labels(name)}, "spec": pod},
        },
    }


def spread(name: str) -> dict[str, Any]:
    """A Deployment's pod fields that keep its replicas apart: spread evenly over nodes and zones where it can be
    (ScheduleAnyway: a full zone or a single-node cluster still schedules), and preferably never two on one node."""
    selector = {"matchLabels": {"app.kubernetes.io/name": name}}
    return {
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
                "matchLabelKeys": ["pod-template-hash"],  # the revision's own pods: a rollout spreads the new ones too
            }
            for key in (HOSTNAME, ZONE)
        ],
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 100, "podAffinityTerm": {"labelSelector": selector, "topologyKey": HOSTNAME}}
                ]
            }
        },
    }


ROLLOUT = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
"""A service is replaced a pod at a time with no extra pod: a surge pod would open its connections on top of the
budget of PostgreSQL's (and the pooler's) connections (test_k8s_budget.py counts a surge where one is allowed)."""


def deployment(service: str) -> dict[str, Any]:
    """One service's Deployment: probes, resources, the restricted security context, a writable /tmp only, replicas
    spread over nodes and zones, rolled out without a surge."""
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3}
    container = {
        "name": service,
        "image": "profset",
        "command": ["python", "-m", service],
        "ports": _ports(service, "containerPort", {"protocol": "TCP"}),
        "envFrom": [{"configMapRef": {"name": "profset-config"}}],
        "env": _env(service),
        "startupProbe": {**probe, "failureThreshold": 30, "periodSeconds": 2},
        "livenessProbe": probe,
        # Ready when it can serve requests, a standby replica too (its relay and projectors wait for its twin's locks):
        # a rollout or a drain never waits for a lock, and /healthz says which replica leads what
        "readinessProbe": {**probe, "httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    }
    made = _deployment(service, container)
    made["spec"]["strategy"] = ROLLOUT
    made["spec"]["template"]["spec"] |= spread(service)
    return made


def objects(service: str) -> list[dict[str, Any]]:
    """Deployment, Service and PodDisruptionBudget of one service (its ServiceMonitor is the monitoring component's)."""
    selector = {"app.kubernetes.io/name": service}
    return [
        deployment(service),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": service, "labels": _labels(service)},
            "spec": {"selector": selector, "ports": [{**p, "targetPort": p["name"]} for p in _ports(service, "port", {})]},
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": service, "labels": _labels(service)},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
        },
    ]


def service_monitor(service: str) -> dict[str, Any]:
    """The Prometheus operator's scrape of one service's /metrics."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": service, "labels": _labels(service)},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": service}},
            "endpoints": [{"port": _metrics_port_name(service), "path": "/metrics", "interval": "30s"}],
        },
    }


def dashboard(root: Path) -> dict[str, Any]:
    """`deploy/monitoring/grafana-dashboard.json` as a ConfigMap that Grafana's sidecar loads (label grafana_dashboard)."""
    text = json.dumps(json.loads((root / "deploy/monitoring/grafana-dashboard.json").read_text()), indent=1) + "\n"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "profset-grafana-dashboard", "labels": {**PART_OF, "grafana_dashboard": "1"}},
        "data": {"profset.json": text},
    }


def pooled_urls() -> list[dict[str, Any]]:
    """The prod overlay's patches: each service reaches PostgreSQL through the pooler (the migrations Job does not).
    The password comes first again: kustomize puts a patch's list items before the others, and Kubernetes expands
    `$(…)` only from variables defined earlier in the list."""
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": service, "namespace": "profset"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": service,
                                "env": [
                                    {"name": password_setting(service), **_secret(role_secret(service), "password")},
                                    {"name": "DATABASE_URL", "value": database_url(service, POOLER)},
                                ],
                            }
                        ]
                    }
                }
            },
        }
        for service in TALKS
    ]


def keeper() -> dict[str, Any]:
    """The stream keeper's Deployment: `profset streams --keep` as its own NATS user, which makes every stream with the
    deployment's replicas and makes one again when a service finds it missing. It serves no HTTP (so no probes): it
    exits when it cannot reach NATS at start or cannot make a stream, and reconnects for ever once it runs."""
    container = {
        "name": KEEPER,
        "image": "profset",
        "command": ["profset", "streams", "--keep", "--replicas", "$(STREAM_REPLICAS)", "--max-gib", "$(STREAM_MAX_GIB)"],
        "env": [
            {"name": "STREAM_REPLICAS", "valueFrom": {"configMapKeyRef": {"name": "profset-config", "key": "STREAM_REPLICAS"}}},
            {"name": "STREAM_MAX_GIB", "valueFrom": {"configMapKeyRef": {"name": "profset-config", "key": "STREAM_MAX_GIB"}}},
            {"name": env_name(KEEPER), **_secret(SECRET, env_name(KEEPER))},
            {"name": "NATS_URL", "value": f"nats://{KEEPER}:$({env_name(KEEPER)})@nats:4222"},
        ],
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
    }
    return _deployment(KEEPER, container)  # one: repairs are answered in a queue group, so two in a rollout do no harm


def managed_role(service: str) -> dict[str, Any]:
    """A service's own role in the cluster (CloudNativePG makes it and sets its password from `role_secret`); the
    migrations Job grants it its own schema."""
    return {
        "name": role_of(service),
        "ensure": "present",
        "comment": f"the {service} service: its own schema only",
        "login": True,
        "passwordSecret": {"name": role_secret(service)},
    }


def role_secrets(environment: dict[str, str]) -> list[dict[str, Any]]:
    """The basic-auth Secret of each service's role, from `<SERVICE>_DB_PASSWORD` in `environment` (a `.env`), as
    CloudNativePG wants it: the role's name as username, and the reload label so a changed password is applied at once."""
    missing = [password_setting(s) for s in MIGRATED if not environment.get(password_setting(s))]
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": role_secret(s), "labels": {**PART_OF, "cnpg.io/reload": "true"}},
            "type": "kubernetes.io/basic-auth",
            "stringData": {"username": role_of(s), "password": environment[password_setting(s)]},
        }
        for s in MIGRATED
    ]


SECRET_STORE = {"kind": "ClusterSecretStore", "name": "profset-vault"}
"""The prod overlay's example store (External Secrets Operator); its key `profset/prod` holds every key of `.env`."""


def role_external_secrets() -> list[dict[str, Any]]:
    """The prod overlay's example: each service's role Secret (as `role_secrets` makes it) from the secret manager's
    `<SERVICE>_DB_PASSWORD`, instead of `profset db-secrets`."""
    return [
        {
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": {"name": role_secret(s), "labels": PART_OF},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": SECRET_STORE,
                "target": {
                    "name": role_secret(s),
                    "creationPolicy": "Owner",
                    "deletionPolicy": "Retain",
                    "template": {
                        "type": "kubernetes.io/basic-auth",
                        "metadata": {"labels": {**PART_OF, "cnpg.io/reload": "true"}},
                        "data": {"username": role_of(s), "password": "{{ .password }}"},
                    },
                },
                "data": [{"secretKey": "password", "remoteRef": {"key": "profset/prod", "property": password_setting(s)}}],
            },
        }
        for s in MIGRATED
    ]


def role_secrets_yaml(env_file: str) -> str:
    """`profset db-secrets`: the role Secrets from the text of a `.env` (`KEY=value` lines, as `profset secrets` writes
    them), as YAML for `kubectl apply`; KeyError names the passwords it lacks."""
    pairs = (line.split("=", 1) for line in env_file.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    secrets = role_secrets({key.strip(): value.strip() for key, value in pairs})
    body = "---\n".join(yaml.safe_dump(s, sort_keys=False, width=120) for s in secrets)
    return f"# Each service's database role (CloudNativePG sets the password): kubectl -n profset apply -f -\n{body}"


def cluster(services: tuple[str, ...]) -> dict[str, Any]:
    """The ledger: a CloudNativePG cluster whose owner `profset` only migrates, with a login role per service."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": CLUSTER, "labels": PART_OF},
        "spec": {
            "instances": 1,
            "imageName": "ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie",
            "primaryUpdateStrategy": "unsupervised",
            "bootstrap": {"initdb": {"database": DATABASE, "owner": "profset"}},
            "managed": {"roles": [managed_role(service) for service in services]},
            "postgresql": {"parameters": {"max_connections": str(MAX_CONNECTIONS), "shared_buffers": "256MB"}},
            "storage": {"size": "10Gi"},
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
        },
    }


def nats_values() -> dict[str, Any]:
    """The NATS Helm chart (1.x) values that hold the users: passwords from the `profset-secrets` Secret."""
    block = authorization()
    for user in block["users"]:
        user["password"] = f"<< {user['password']} >>"  # the chart writes << … >> unquoted: a variable
    env = {
        env_name(user["user"]): {"valueFrom": {"secretKeyRef": {"name": SECRET, "key": env_name(user["user"])}}}
        for user in block["users"]
    }
    return {"config": {"merge": {"authorization": block}}, "container": {"env": env}}


def merge_values(*layers: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of several values files: later maps win key by key, anything else is replaced."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            out[key] = merge_values(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def dump(docs: list[dict[str, Any]], header: str) -> str:
    """YAML documents under a header comment."""
    body = "---\n".join(yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=120) for d in docs)
    return f"# {header}\n# Generated by `profset manifests` (natsauth.TALKS, deploy/monitoring); edit there, not here.\n{body}"


def alert_rules(root: Path) -> dict[str, Any]:
    """`deploy/monitoring/alerts.yaml` as a PrometheusRule for the Prometheus operator."""
    groups = yaml.safe_load((root / "deploy/monitoring/alerts.yaml").read_text())["groups"]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "profset", "labels": PART_OF},
        "spec": {"groups": groups},
    }


def files(root: Path) -> dict[str, str]:
    """Every generated file, by path under the repository."""
    found = {f"k8s/base/services/{service}.yaml": dump(objects(service), f"The {service} service.") for service in TALKS}
    found["k8s/base/services/kustomization.yaml"] = dump(
        [{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": [f"{s}.yaml" for s in TALKS]}],
        "Every service.",
    )
    found["k8s/base/postgres.yaml"] = dump(
        [cluster(MIGRATED)],
        f"The ledger: a CloudNativePG cluster. The owner `profset` (Secret `{DATABASE_SECRET}`) runs the migrations only;\n"
        "# each service logs in as its own role profset_<service>, whose password CloudNativePG sets from the\n"
        "# basic-auth Secret profset-pg-<service> (made by the operator, docs/operations.md). `profset-pg-rw` is the primary.",
    )
    found["k8s/base/streamkeeper.yaml"] = dump(
        [keeper()], "The stream keeper: makes and mends the bus's streams, as its own NATS user."
    )
    found["k8s/nats/values-auth.yaml"] = dump([nats_values()], "NATS users and permissions for the nats Helm chart 1.x.")
    monitoring = "k8s/components/monitoring"
    found[f"{monitoring}/alerts.yaml"] = dump(
        [alert_rules(root)], "Alert rules: deploy/monitoring/alerts.yaml as a PrometheusRule."
    )
    found[f"{monitoring}/servicemonitors.yaml"] = dump(
        [service_monitor(service) for service in TALKS], "Prometheus scrapes every service's /metrics."
    )
    found[f"{monitoring}/dashboard.yaml"] = dump(
        [dashboard(root)], "The Grafana dashboard (deploy/monitoring/grafana-dashboard.json) for Grafana's sidecar."
    )
    found["k8s/overlays/prod/externalsecret-roles.yaml"] = dump(
        role_external_secrets(),
        "An example: each service's database role Secret from the secret manager (externalsecret.yaml's store).",
    )
    found["k8s/overlays/prod/pooled-database-urls.yaml"] = dump(
        pooled_urls(), f"Every service's DATABASE_URL through the pooler {POOLER} (pooler.yaml), its own role still."
    )
    found["deploy/nats/auth.conf"] = "# Generated by `profset manifests` from natsauth.TALKS.\n" + _auth_conf()
    return found


def _auth_conf() -> str:
    from .natsauth import render

    return render(authorization())


def write(root: Path) -> list[str]:
    """Writes every generated file under `root`; returns the paths that changed."""
    changed = []
    for path, text in files(root).items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(path)
    return changed
