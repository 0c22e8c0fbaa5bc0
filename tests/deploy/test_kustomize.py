"""The Kustomize subset renderer does what kustomize does for the fields k8s/ uses, and refuses the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from profset.kustomize import KustomizeError, merge, render

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 1,
        "template": {"spec": {"containers": [{"name": "web", "image": "profset", "env": [{"name": "A", "value": "1"}]}]}},
    },
}


def write(folder: Path, name: str, *docs: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump_all(docs))


def test_an_overlay_patches_retags_scales_and_namespaces_its_base(tmp_path: Path) -> None:
    write(tmp_path / "base", "web.yaml", DEPLOYMENT, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}})
    write(tmp_path / "base", "kustomization.yaml", {"resources": ["web.yaml"]})
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    patch["spec"] = {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "2"}]}]}}}
    write(tmp_path / "prod", "patch.yaml", patch)
    overlay = {"namespace": "ns", "resources": ["../base"], "patches": [{"path": "patch.yaml"}]}
    overlay |= {"images": [{"name": "profset", "newName": "reg.example:5000/profset", "newTag": "2"}]}
    write(tmp_path / "prod", "kustomization.yaml", overlay | {"replicas": [{"name": "web", "count": 3}]})

    web, namespace = render(tmp_path / "prod")

    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "reg.example:5000/profset:2"
    assert container["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}], "named items merge by name"
    assert web["spec"]["replicas"] == 3 and web["metadata"]["namespace"] == "ns"
    assert "namespace" not in namespace["metadata"], "a Namespace is cluster-scoped"


@pytest.mark.parametrize(
    ("kustomization", "message"),
    [
        ({"resources": ["web.yaml"], "commonLabels": {"a": "b"}}, "unsupported fields"),
        ({"resources": ["gone.yaml"]}, "missing"),
        ({"resources": ["web.yaml"], "replicas": [{"name": "db", "count": 2}]}, "not there"),
        ({"resources": ["web.yaml", "web.yaml"]}, "declared twice"),
        ({"resources": ["web.yaml"], "patches": [{"patch": "x"}]}, "only patches with a path"),
    ],
)
def test_what_the_subset_does_not_cover_is_an_error(tmp_path: Path, kustomization: dict[str, object], message: str) -> None:
    write(tmp_path, "web.yaml", DEPLOYMENT)
    write(tmp_path, "kustomization.yaml", kustomization)
    with pytest.raises(KustomizeError, match=message):
        render(tmp_path)


def test_a_patch_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "web.yaml", DEPLOYMENT)
    write(tmp_path, "patch.yaml", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}})
    write(tmp_path, "kustomization.yaml", {"resources": ["web.yaml"], "patches": [{"path": "patch.yaml"}]})
    with pytest.raises(KustomizeError, match="matches 0 objects"):
        render(tmp_path)


def test_lists_without_names_are_replaced_not_merged() -> None:
    assert merge({"command": ["a", "b"], "x": {"y": 1}}, {"command": ["c"], "x": {"z": 2}}) == {
        "command": ["c"],
        "x": {"y": 1, "z": 2},
    }


def test_named_items_merge_in_kustomizes_order_the_patchs_first() -> None:
    """As `kubectl kustomize` (kustomize v5.5.0) renders it: a patch's named items come first, in the patch's order,
    each merged with the base's item of its name, then the base's others in their order. A patch that changes an
    env variable referring to an earlier one, `$(PASSWORD)`, must therefore repeat that one before it."""
    base = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    assert merge(base, [{"name": "C", "value": "9"}, {"name": "D", "value": "4"}]) == [
        {"name": "C", "value": "9"},
        {"name": "D", "value": "4"},
        {"name": "A", "value": "1"},
        {"name": "B", "value": "2"},
    ]
    containers = [{"name": "web", "image": "x"}, {"name": "side", "image": "y"}]
    assert merge(containers, [{"name": "side", "env": []}]) == [{"name": "side", "image": "y", "env": []}, containers[0]]


def test_a_custom_resources_lists_are_replaced_as_kustomize_knows_no_merge_key_for_them(tmp_path: Path) -> None:
    plugin = {"name": "barman-cloud.cloudnative-pg.io", "parameters": {"barmanObjectName": "a", "serverName": "r1"}}
    cluster = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "pg"}}
    write(tmp_path, "objects.yaml", cluster | {"spec": {"plugins": [plugin], "postgresql": {"parameters": {"a": "1"}}}})
    replacing = {"plugins": [{"name": plugin["name"], "isWALArchiver": True}], "postgresql": {"parameters": {"b": "2"}}}
    write(tmp_path, "patch.yaml", cluster | {"spec": replacing})
    write(tmp_path, "kustomization.yaml", {"resources": ["objects.yaml"], "patches": [{"path": "patch.yaml"}]})
    [patched] = render(tmp_path)
    assert patched["spec"]["plugins"] == [{"name": plugin["name"], "isWALArchiver": True}], "replaced, not merged"
    assert patched["spec"]["postgresql"]["parameters"] == {"a": "1", "b": "2"}, "maps still merge"
