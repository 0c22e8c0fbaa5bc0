"""Turns a published CustomResourceDefinition into the strict JSON schema (draft 7) the manifest tests validate with.

    python k8s/schemas/crd_to_schema.py CRD.yaml VERSION SOURCE OUT.json [PATH_TO_LOOSEN ...]

Descriptions are dropped (the CRD is the reference); every object that lists its properties refuses others (as the
API server prunes them, so a misspelt field would be silently lost); `x-kubernetes-int-or-string` becomes
integer-or-string and `nullable` lets null through. A PATH_TO_LOOSEN (e.g. `spec.template`) is kept as any object, to
keep a huge embedded Kubernetes type (a pod template) out of the file; it is then not checked here.

Made so far (the source of each is in its `$comment`): the CloudNativePG Cluster, Pooler (`spec.template` loosened)
and ScheduledBackup, the Barman Cloud plugin's ObjectStore, External Secrets' ExternalSecret (v1), and the Prometheus
operator's ServiceMonitor, PodMonitor and PrometheusRule.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def strict(node: Any) -> Any:
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("description", "nullable") or key.startswith("x-kubernetes-"):
            continue
        # the names under `properties` are fields (Cluster has one called `description`), not schema keywords
        out[key] = {name: strict(field) for name, field in value.items()} if key == "properties" else strict(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if "properties" in node and "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def main(crd_path: str, version: str, source: str, out: str, *loosen: str) -> None:
    crd = yaml.safe_load(Path(crd_path).read_text())
    spec = crd["spec"]
    served = next(v for v in spec["versions"] if v["name"] == version)
    body = served["schema"]["openAPIV3Schema"]
    for path in loosen:
        node = body
        *parents, last = path.split(".")
        for key in parents:
            node = node["properties"][key]
        node["properties"][last] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = strict(body)
    api_version = f"{spec['group']}/{version}"
    schema["properties"]["apiVersion"] = {"const": api_version}
    schema["properties"]["kind"] = {"const": spec["names"]["kind"]}
    schema["properties"]["metadata"] = {"type": "object"}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"{spec['names']['kind']} ({api_version})",
        "$comment": f"From {source}, by k8s/schemas/crd_to_schema.py" + (f"; not checked: {', '.join(loosen)}" if loosen else ""),
        **schema,
    }
    Path(out).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
