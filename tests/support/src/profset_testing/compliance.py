"""Helpers for the rule catalogue through the public API: primary orgs of a given size, and the verdicts on a date."""

from __future__ import annotations

from typing import Any

from .api import admin, post, register
from .stack import Stack

DAY = "2026-06-15"
"""The date asked about; every fact below is dated relative to it."""


async def union(stack: Stack) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """The admin's headers, a CC and a territorial org under it."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК Судпроф", level="central", registered_on="1990-01-01")
    t = await register(stack, h, name="Северо-Западная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    return h, cc, t


async def primary(
    stack: Stack, h: dict[str, str], parent: dict[str, Any], members: int | None, registered_on: str = "1995-03-01"
) -> str:
    """A primary org under `parent` with a headcount of `members` (none reported, given None); answers its id."""
    org = await register(stack, h, name=f"ППО {members}", level="primary", parent_id=parent["id"], registered_on=registered_on)
    if members is not None:
        await post(stack, h, f"/api/v1/orgs/{org['id']}/headcount", {"members": members, "as_of": "2026-01-01"})
    return str(org["id"])


async def verdicts(stack: Stack, h: dict[str, str], org_id: str, as_of: str = DAY) -> dict[str, dict[str, Any]]:
    """An org's verdicts on a date, by rule."""
    reply = await stack.http.get(f"/api/v1/orgs/{org_id}/compliance", params={"as_of": as_of}, headers=h)
    assert reply.status_code == 200, reply.text
    return {v["rule"]: v for v in reply.json()}


async def status(stack: Stack, h: dict[str, str], org_id: str, rule: str, as_of: str = DAY) -> str:
    """One rule's verdict on an org on a date."""
    return str((await verdicts(stack, h, org_id, as_of))[rule]["status"])


async def channel(
    stack: Stack, h: dict[str, str], org_id: str, kind: str, audience: str = "members", since: str = "2020-01-01"
) -> str:
    """Registers an org's information channel; answers its id."""
    body = {"kind": kind, "name": kind, "since": since, "audience": audience}
    return str((await post(stack, h, f"/api/v1/orgs/{org_id}/channels", body))["id"])
