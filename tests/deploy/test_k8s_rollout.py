"""Every Deployment that runs two replicas or more can be rolled and drained a pod at a time: Ready when it can serve
(/readyz, which a standby replica answers too), alive by /healthz, a rolling update that takes one pod down before it
starts the next, and a PodDisruptionBudget that lets one pod go."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

from profset.kustomize import render
from profset.natsauth import TALKS

K8S = Path(__file__).resolve().parents[2] / "k8s"
OVERLAYS = ["base", "overlays/dev", "overlays/prod"]


def replicas(objects: list[dict[str, Any]]) -> dict[str, int]:
    """Each Deployment's replicas: its own count, or its autoscaler's minimum."""
    scaled = {
        o["spec"]["scaleTargetRef"]["name"]: o["spec"]["minReplicas"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"
    }
    return {
        o["metadata"]["name"]: o["spec"].get("replicas") or scaled.get(o["metadata"]["name"], 1)
        for o in objects
        if o["kind"] == "Deployment"
    }


def allowed(value: int | str, of: int) -> int:
    """A count or a percentage of `of` (a PodDisruptionBudget rounds a percentage up)."""
    return math.ceil(of * int(value[:-1]) / 100) if isinstance(value, str) else value


def disruptions(budget: dict[str, Any], pods: int) -> int:
    """The pods a PodDisruptionBudget lets go at once out of `pods` Ready ones."""
    if "maxUnavailable" in budget:
        return allowed(budget["maxUnavailable"], pods)
    return pods - allowed(budget.get("minAvailable", pods), pods)


def problems(objects: list[dict[str, Any]]) -> dict[str, str]:
    """What keeps a Deployment of two or more replicas from rolling or draining a pod at a time, by Deployment."""
    budgets = [o["spec"] for o in objects if o["kind"] == "PodDisruptionBudget"]
    found = {}
    for o in (o for o in objects if o["kind"] == "Deployment"):
        name, count = o["metadata"]["name"], replicas(objects)[o["metadata"]["name"]]
        if count < 2:
            continue
        labels = o["spec"]["template"]["metadata"]["labels"]
        container = o["spec"]["template"]["spec"]["containers"][0]
        rolling = o["spec"].get("strategy", {}).get("rollingUpdate", {})
        mine = [b for b in budgets if b["selector"]["matchLabels"].items() <= labels.items()]
        if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
            found[name] = "no readiness probe on /readyz"
        elif container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
            found[name] = "no liveness probe on /healthz"
        elif len(mine) != 1 or disruptions(mine[0], count) < 1:
            found[name] = f"{len(mine)} disruption budgets, letting {[disruptions(b, count) for b in mine]} pods go"
        elif allowed(rolling.get("maxUnavailable", "25%"), count) < 1 and allowed(rolling.get("maxSurge", "25%"), count) < 1:
            found[name] = "a rolling update that can neither take a pod down nor add one"
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_of_two_or_more_replicas_is_probed_and_lets_one_pod_go(overlay: str) -> None:
    objects = render(K8S / overlay)
    assert problems(objects) == {}
    several = {name for name, n in replicas(objects).items() if n >= 2}
    if overlay == "overlays/prod":
        assert several == set(TALKS), "every service and the gateway run two or more in prod"


def test_the_check_can_fail() -> None:
    objects = render(K8S / "overlays/prod")
    broken = copy.deepcopy(objects)
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in broken}
    by_name[("Deployment", "registry")]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] = "/x"
    by_name[("PodDisruptionBudget", "contacts")]["spec"] = {
        "minAvailable": "100%",
        "selector": by_name[("PodDisruptionBudget", "contacts")]["spec"]["selector"],
    }
    by_name[("Deployment", "kpi")]["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 0, "maxUnavailable": 0}
    assert set(problems(broken)) == {"registry", "contacts", "kpi"}
