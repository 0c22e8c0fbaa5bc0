"""The exchange, contacts, appeals and notifications keep today's tree between queries while their mirror of it stands
still (a hundred thousand orgs read whole cost most of a request), and a move reaches access at once: the old
parent's staff lose the moved org's lists, the new parent's gain them (DESIGN.md §5)."""

from __future__ import annotations

import pytest

from kit import metrics
from profset_testing import Stack, eventually
from profset_testing.api import register, union


def asked(service: str, outcome: str) -> float:
    return metrics.READ_CACHE.labels(service, outcome)._value.get()


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("exchange-tree", "inbox"),
        ("contacts-tree", "channels"),
        ("appeals-tree", "appeals"),
        ("notifications-tree", "notifications"),
    ],
)
async def test_todays_tree_is_kept_between_queries_and_a_move_reaches_access(stack: Stack, service: str, path: str) -> None:
    h, cc, t, p = await union(stack)
    other = await register(stack, h, name="Дальневосточная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    staff = {}
    for side, org in (("old", t), ("new", other)):
        body = {"username": f"staff_{side}", "password": "a-long-password", "role": "staff", "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
        staff[side] = await stack.login(f"staff_{side}", "a-long-password")
    listed = f"/api/v1/orgs/{p['id']}/{path}"
    assert (await stack.http.get(listed, headers=staff["old"])).status_code == 200
    hits = asked(service, "hit")
    assert (await stack.http.get(listed, headers=staff["old"])).status_code == 200
    assert asked(service, "hit") == hits + 1, "the second query found today's tree kept"

    today = (await stack.http.get(f"/api/v1/orgs/{cc['id']}", headers=h)).json()["as_of"]
    moved = await stack.http.patch(f"/api/v1/orgs/{p['id']}", json={"parent_id": other["id"], "effective_on": today}, headers=h)
    assert moved.status_code == 200, moved.text

    async def refused_to_the_old_parent() -> bool:
        return (await stack.http.get(listed, headers=staff["old"])).status_code == 403

    assert await eventually(refused_to_the_old_parent)
    assert (await stack.http.get(listed, headers=staff["new"])).status_code == 200
