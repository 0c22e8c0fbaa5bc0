"""The union the today's-tree tests share: a CC with territorial orgs A and B, primary orgs placed under them, and
users of a role bound to an org (DESIGN.md §5 is asked of it by each side)."""

from __future__ import annotations

from profset_testing import Stack
from profset_testing.api import register

PASSWORD = "a-long-password"


async def two_subtrees(stack: Stack, h: dict[str, str], primaries: dict[str, str], since: str = "1990-01-01") -> dict[str, str]:
    """Ids of the CC (`cc`), territorial orgs `a` and `b`, and each primary org named in `primaries` (name -> `a`|`b`)."""
    cc = await register(stack, h, name="ЦК", level="central", registered_on=since)
    ids = {"cc": cc["id"]}
    for side in ("a", "b"):
        territorial = await register(
            stack, h, name=f"Терорг {side.upper()}", level="territorial", parent_id=ids["cc"], registered_on=since
        )
        ids[side] = territorial["id"]
    for name, side in primaries.items():
        ids[name] = (await register(stack, h, name=f"ППО {name}", level="primary", parent_id=ids[side], registered_on=since))[
            "id"
        ]
    return ids


async def user(stack: Stack, h: dict[str, str], name: str, role: str, org_id: str) -> dict[str, str]:
    """Authorization headers of a new user of that role at that org, created by admin (`h`)."""
    body = {"username": name, "password": PASSWORD, "role": role, "org_id": org_id}
    reply = await stack.http.post("/api/v1/users", json=body, headers=h)
    assert reply.status_code == 201, reply.text
    return await stack.login(name, PASSWORD)
