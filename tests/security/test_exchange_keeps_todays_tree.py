"""The exchange keeps today's tree between requests while its read models stand still (a hundred thousand orgs read
whole cost most of a request), and a move reaches access at once: the old parent's staff lose the moved org's inbox,
the new parent's gain it (DESIGN.md §5)."""

from __future__ import annotations

from kit import metrics
from profset_testing import Stack, eventually
from profset_testing.api import register, union


def asked(outcome: str) -> float:
    return metrics.READ_CACHE.labels("exchange", outcome)._value.get()


async def test_todays_tree_is_kept_between_inbox_requests_and_a_move_reaches_access(stack: Stack) -> None:
    h, cc, t, p = await union(stack)
    other = await register(stack, h, name="Дальневосточная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    staff = {}
    for side, org in (("old", t), ("new", other)):
        body = {"username": f"staff_{side}", "password": "a-long-password", "role": "staff", "org_id": org["id"]}
        assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
        staff[side] = await stack.login(f"staff_{side}", "a-long-password")
    inbox = f"/api/v1/orgs/{p['id']}/inbox"
    assert (await stack.http.get(inbox, headers=staff["old"])).status_code == 200
    hits = asked("hit")
    assert (await stack.http.get(inbox, headers=staff["old"])).status_code == 200
    assert asked("hit") == hits + 1, "the second request found today's tree kept"

    today = (await stack.http.get(f"/api/v1/orgs/{cc['id']}", headers=h)).json()["as_of"]
    moved = await stack.http.patch(f"/api/v1/orgs/{p['id']}", json={"parent_id": other["id"], "effective_on": today}, headers=h)
    assert moved.status_code == 200, moved.text

    async def refused_to_the_old_parent() -> bool:
        return (await stack.http.get(inbox, headers=staff["old"])).status_code == 403

    assert await eventually(refused_to_the_old_parent)
    assert (await stack.http.get(inbox, headers=staff["new"])).status_code == 200
