"""Kustomize components in the renderer: a `kind: Component` adds its resources to what it is included in and patches
all of it, before the including kustomization's own transformations; a key patched to null is removed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from profset.kustomize import KustomizeError, merge, render

COMPONENT = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "web", "image": "profset"}]}}},
}
MONITOR = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "web"}}


def write(folder: Path, name: str, *docs: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump_all(docs))


def test_a_component_adds_its_resources_and_patches_what_it_is_included_in(tmp_path: Path) -> None:
    write(tmp_path / "base", "web.yaml", DEPLOYMENT)
    write(tmp_path / "base", "kustomization.yaml", {"resources": ["web.yaml"]})
    write(tmp_path / "monitoring", "monitor.yaml", MONITOR)
    unscaled = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": None}}
    write(tmp_path / "monitoring", "unscaled.yaml", unscaled)
    write(
        tmp_path / "monitoring",
        "kustomization.yaml",
        COMPONENT | {"resources": ["monitor.yaml"], "patches": [{"path": "unscaled.yaml"}]},
    )
    overlay = {"namespace": "ns", "resources": ["../base"], "components": ["../monitoring"]}
    write(tmp_path / "prod", "kustomization.yaml", overlay | {"images": [{"name": "profset", "newTag": "2"}]})

    web, monitor = render(tmp_path / "prod")

    assert "replicas" not in web["spec"], "the component's patch removed it"
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "profset:2"
    assert monitor["kind"] == "ServiceMonitor" and monitor["metadata"]["namespace"] == "ns", "the overlay's namespace"
    assert len(render(tmp_path / "base")) == 1, "the base alone has no component"


def test_a_component_is_no_resource_and_a_resource_no_component(tmp_path: Path) -> None:
    write(tmp_path / "web", "web.yaml", DEPLOYMENT)
    write(tmp_path / "web", "kustomization.yaml", {"resources": ["web.yaml"]})
    write(tmp_path / "part", "kustomization.yaml", COMPONENT | {"resources": []})
    write(tmp_path / "a", "kustomization.yaml", {"resources": ["../part"]})
    write(tmp_path / "b", "kustomization.yaml", {"components": ["../web"]})
    write(tmp_path / "c", "kustomization.yaml", {"components": ["../gone"]})
    for folder, message in (("a", "only as a component"), ("b", "not a kind: Component"), ("c", "missing"), ("part", "only")):
        with pytest.raises(KustomizeError, match=message):
            render(tmp_path / folder)


def test_a_component_that_declares_what_is_there_already_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "base", "web.yaml", DEPLOYMENT)
    write(tmp_path / "part", "web.yaml", DEPLOYMENT)
    write(tmp_path / "part", "kustomization.yaml", COMPONENT | {"resources": ["web.yaml"]})
    write(tmp_path / "base", "kustomization.yaml", {"resources": ["web.yaml"], "components": ["../part"]})
    with pytest.raises(KustomizeError, match="declared twice"):
        render(tmp_path / "base")


def test_null_removes_a_key_and_nothing_else() -> None:
    assert merge({"a": 1, "b": {"c": 2, "d": 3}}, {"a": None, "b": {"c": None}, "e": None}) == {"b": {"d": 3}}


def test_images_leave_a_container_without_an_image_alone(tmp_path: Path) -> None:
    pooler = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Pooler",
        "metadata": {"name": "pool"},
        "spec": {"template": {"spec": {"containers": [{"name": "pgbouncer", "resources": {}}]}}},
    }
    write(tmp_path, "objects.yaml", DEPLOYMENT, pooler)
    write(tmp_path, "kustomization.yaml", {"resources": ["objects.yaml"], "images": [{"name": "profset", "newTag": "2"}]})
    web, pool = render(tmp_path)
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "profset:2"
    assert pool["spec"]["template"]["spec"]["containers"] == [{"name": "pgbouncer", "resources": {}}]
