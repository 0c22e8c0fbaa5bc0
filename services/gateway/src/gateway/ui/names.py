"""Names for the ids pages show: orgs the user can read and outside parties (others stay as their ids)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .page import Ui


async def org_names(ui: Ui, wanted: Iterable[str] = (), parties: bool = True) -> dict[str, str]:
    """Id → name for the orgs of the user's subtree, the outside parties, and up to ten more asked for."""
    names: dict[str, str] = {}
    orgs, _ = await ui.maybe("registry", "list_orgs", {"limit": 5000})
    outside, _ = await ui.maybe("exchange", "list_parties", {}) if parties else (None, None)
    for row in [*(orgs or []), *(outside or [])]:
        names[row["id"]] = row["name"]
    for org_id in [i for i in dict.fromkeys(wanted) if i and i not in names][:10]:
        org, _ = await ui.maybe("registry", "get_org", {"org_id": org_id})
        if org:
            names[org_id] = org["name"]
    return names


async def names_only(ui: Ui, names: dict[str, str], wanted: Iterable[str]) -> dict[str, str]:
    """Id → name, and nothing more, for the orgs `wanted` that `names` lacks: the senders and recipients of a material
    the user may read, which may lie outside the user's subtree (names are no secret; what those orgs hold is)."""
    missing = [i for i in dict.fromkeys(wanted) if i and i not in names][:500]
    if not missing:
        return {}
    found, _ = await ui.maybe("registry", "name_orgs", {"org_ids": missing})
    return dict(found or {})


def children_of(orgs: list[dict[str, Any]], org_id: str) -> list[dict[str, Any]]:
    """The orgs directly under one org, by name."""
    return sorted((o for o in orgs if o["parent_id"] == org_id), key=lambda o: o["name"])
