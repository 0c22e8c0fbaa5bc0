"""The per-service Kubernetes objects of `k8s/base/services/` and the NATS users of the Helm values, from one
table, so a new service is one line in `natsauth.TALKS` and `profset manifests` (CI checks they match)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .natsauth import TALKS, authorization, env_name

PART_OF = {"app.kubernetes.io/part-of": "profset"}
SECRET = "profset-secrets"  # noqa: S105 - the name of a Secret, not one
"""The one Secret, with the keys of `.env` (`profset secrets` prints them)."""
DATABASE_SECRET = "profset-pg-app"  # noqa: S105 - the name of a Secret, not one
"""The application Secret CloudNativePG makes for the `profset-pg` cluster; its `uri` is the DATABASE_URL."""

HTTP_PORT = {"gateway": 8000}
"""The port of /healthz, /readyz and /metrics (the gateway's serves the API instead of /metrics); others use 8080."""
METRICS_PORT = {"gateway": 9100}
"""A service whose /metrics has a port of its own, off the public one (GATEWAY_METRICS_PORT)."""

EXTRA_SECRETS = {
    "registry": ("REGISTRY_MASTER_KEY",),  # only the services that seal personal data hold a master key, each its own
    "contacts": ("CONTACTS_MASTER_KEY",),
    "gateway": ("GATEWAY_TOKEN_PRIVATE_KEY", "PROFSET_ADMIN_PASSWORD"),
    "notifications": ("NOTIFICATIONS_SERVICE_PRIVATE_KEY", "NOTIFICATIONS_SMTP_PASSWORD"),
}


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
        {"name": "DATABASE_URL", **_secret(DATABASE_SECRET, "uri")},
        {"name": "TOKEN_PUBLIC_KEY", **_secret(SECRET, "TOKEN_PUBLIC_KEY")},
        {"name": "SERVICE_PUBLIC_KEYS", **_secret(SECRET, "SERVICE_PUBLIC_KEYS")},
        {"name": f"{prefix}_HTTP_HOST", "value": "0.0.0.0"},  # noqa: S104 - a pod listens on its own address
        {"name": f"{prefix}_PORT" if service == "gateway" else f"{prefix}_HTTP_PORT", "value": str(port_of(service))},
        {"name": f"{prefix}_NATS_USER", "value": service},
        *([{"name": f"{prefix}_METRICS_PORT", "value": str(METRICS_PORT[service])}] if service in METRICS_PORT else []),
        {"name": env_name(service), **_secret(SECRET, env_name(service))},
    ]
    env += [
        {"name": key, **_secret(SECRET, key, optional=key.endswith("SMTP_PASSWORD"))} for key in EXTRA_SECRETS.get(service, ())
    ]
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


def deployment(service: str) -> dict[str, Any]:
    """One service's Deployment: probes, resources, the restricted security context, a writable /tmp only."""
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
        "readinessProbe": {**probe, "httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - an emptyDir of the pod's own
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": service, "labels": _labels(service)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": service}},
            "template": {
                "metadata": {"labels": _labels(service)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": pod_security(),
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }


def objects(service: str) -> list[dict[str, Any]]:
    """Deployment, Service, PodDisruptionBudget and ServiceMonitor of one service."""
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
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": service, "labels": _labels(service)},
            "spec": {
                "selector": {"matchLabels": selector},
                "endpoints": [{"port": _metrics_port_name(service), "path": "/metrics", "interval": "30s"}],
            },
        },
    ]


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
    found["k8s/nats/values-auth.yaml"] = dump([nats_values()], "NATS users and permissions for the nats Helm chart 1.x.")
    found["k8s/base/alerts.yaml"] = dump([alert_rules(root)], "Alert rules: deploy/monitoring/alerts.yaml as a PrometheusRule.")
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
