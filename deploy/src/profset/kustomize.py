"""A renderer for the subset of Kustomize that `k8s/` uses, so CI can check the overlays without the binary.

Supported, with kustomize's meaning: `resources` (files and folders with a kustomization), `components`
(folders whose kustomization is a `kind: Component`: its resources are added to what the resources gave, then its
patches apply to all of it, before the including kustomization's own transformations), `namespace`, `images`
(newName, newTag), `replicas`, and `patches` given by `path` (strategic merge: maps merge, a key set to null is
removed, a built-in kind's lists of named items merge by name, the patch's items first as kustomize orders them;
other lists, and every list of a custom resource, are replaced). Any other field is an error, so a manifest
never relies on something this renderer would silently skip.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "components", "namespace", "images", "replicas", "patches"}
COMPONENT = "Component"
"""The kind of a kustomization that may only be included as a component (apiVersion kustomize.config.k8s.io/v1alpha1)."""
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
}
SCALABLE = {"Deployment", "StatefulSet", "ReplicaSet"}


class KustomizeError(Exception):
    """The kustomization uses something outside the subset, or refers to what is not there."""


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects a `kustomize build folder` would print, in resource order."""
    path, spec = _kustomization(folder)
    if spec.get("kind") == COMPONENT:
        raise KustomizeError(f"{path}: a Component is built only as a component of a kustomization")
    return _build(folder, spec, path, [])


def _kustomization(folder: Path) -> tuple[Path, dict[str, Any]]:
    path = folder / "kustomization.yaml"
    if not path.exists():
        raise KustomizeError(f"{folder} has no kustomization.yaml")
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{path}: unsupported fields {sorted(unknown)}")
    return path, spec


def _build(folder: Path, spec: dict[str, Any], path: Path, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A kustomization's objects: `given` (what a component is applied to) and its resources, then its components,
    then its own transformations."""
    objects = given + _resources(folder, spec.get("resources", []), path)
    _unique(objects, path)
    for entry in spec.get("components", []):
        objects = _component(folder / entry, objects, path)
    for patch in spec.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{path}: only patches with a path are supported")
        for doc in yaml.safe_load_all((folder / patch["path"]).read_text()):
            if doc:
                _patch(objects, doc, path)
    if "namespace" in spec:
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
    for image in spec.get("images", []):
        _retag(objects, image, path)
    for wanted in spec.get("replicas", []):
        _scale(objects, wanted, path)
    return objects


def _component(folder: Path, objects: list[dict[str, Any]], including: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        raise KustomizeError(f"{including}: component {folder} is missing")
    path, spec = _kustomization(folder)
    if spec.get("kind") != COMPONENT:
        raise KustomizeError(f"{including}: {folder} is listed as a component but is not a kind: Component")
    return _build(folder, spec, path, objects)


def _resources(folder: Path, entries: list[str], path: Path) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for entry in entries:
        target = folder / entry
        if target.is_dir():
            objects += render(target)  # a Component here is an error, as in kustomize
        elif target.is_file():
            objects += [d for d in yaml.safe_load_all(target.read_text()) if d]
        else:
            raise KustomizeError(f"{path}: resource {entry} is missing")
    _unique(objects, path)
    return objects


def _scale(objects: list[dict[str, Any]], wanted: dict[str, Any], path: Path) -> None:
    found = [o for o in objects if o.get("kind") in SCALABLE and o["metadata"]["name"] == wanted["name"]]
    if not found:
        raise KustomizeError(f"{path}: replicas for {wanted['name']}, which is not there")
    for obj in found:
        obj["spec"]["replicas"] = wanted["count"]


def _ident(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata", {})
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return group, str(obj.get("kind")), str(meta.get("namespace", "")), str(meta.get("name"))


def _unique(objects: list[dict[str, Any]], path: Path) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for obj in objects:
        ident = _ident(obj)
        if ident in seen:
            raise KustomizeError(f"{path}: {ident} is declared twice")
        seen.add(ident)


def _patch(objects: list[dict[str, Any]], patch: dict[str, Any], path: Path) -> None:
    group, kind, namespace, name = _ident(patch)
    matches = [
        o
        for o in objects
        if _ident(o)[:2] == (group, kind) and _ident(o)[3] == name and (not namespace or _ident(o)[2] in ("", namespace))
    ]
    if len(matches) != 1:
        raise KustomizeError(f"{path}: the patch of {kind}/{name} matches {len(matches)} objects")
    merged = merge(matches[0], patch, by_name=built_in(group))
    matches[0].clear()
    matches[0].update(merged)


def built_in(group: str) -> bool:
    """Whether an API group is Kubernetes' own (core, apps, batch, networking.k8s.io, …), whose schema kustomize knows."""
    return "." not in group or group.endswith(".k8s.io")


def merge(base: Any, patch: Any, by_name: bool = True) -> Any:
    """A strategic merge: maps merge key by key (a key set to null is removed), lists of items with a `name` merge by
    name (`by_name`: a built-in kind's; kustomize knows no merge keys of a custom resource and replaces its lists, as
    `kubectl kustomize` does with a Cluster's `plugins`), the rest replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:  # a strategic merge patch removes a key set to null
                out.pop(key, None)
            else:
                out[key] = merge(base[key], value, by_name) if key in base else copy.deepcopy(value)
        return out
    if by_name and isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        # kustomize's order (kubectl kustomize, kustomize v5.5): the patch's items first, in its order (each merged
        # with the base's of its name), then the base's other items; so a patched env variable moves before the
        # ones it may have followed, which matters to `$(VAR)` references
        named_in_base = {item["name"]: item for item in base}
        patched = [
            merge(named_in_base[item["name"]], item) if item["name"] in named_in_base else copy.deepcopy(item) for item in patch
        ]
        named = {item["name"] for item in patch}
        return patched + [copy.deepcopy(item) for item in base if item["name"] not in named]
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _retag(objects: list[dict[str, Any]], image: dict[str, Any], path: Path) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise KustomizeError(f"{path}: images support name, newName and newTag only")
    for obj in objects:
        for container in _containers(obj):
            if "image" not in container:  # e.g. a Pooler's template that only sets a container's resources
                continue
            name, tag = _split(container["image"])
            if name == image["name"]:
                new_tag = image.get("newTag", tag)
                container["image"] = image.get("newName", name) + (f":{new_tag}" if new_tag else "")


def _split(reference: str) -> tuple[str, str]:
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:  # no tag, or the colon was a registry's port
        return reference, ""
    return name, tag


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if obj.get("kind") != "CronJob" else {}
    if obj.get("kind") == "Pod":
        pod = spec
    return [*pod.get("initContainers", []), *pod.get("containers", [])]
