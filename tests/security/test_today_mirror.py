"""The services that mirror the tree (exchange, audits, kpi) decide access on the tree as it stands today (DESIGN.md §5):
an org moved from territorial org A to territorial org B with a past `effective_on` is B's to see and act on, whatever
date a request names (`as_of`, `planned_on`, a period of a past year), and no longer A's. Lists over a subtree of a
past day leave out the orgs that have since left the asker's; a cascade's deliveries show each asker its own
recipients; the register of outside parties shows an address only to those who may send to the party."""

from __future__ import annotations

import json
from typing import Any

from worlds import two_subtrees, user

from profset_testing import Stack, eventually
from profset_testing.api import admin

ROLES = ("staff", "auditor", "viewer")
BEFORE, MOVED_ON, AFTER = "2020-06-01", "2025-01-01", "2025-03-15"

# §5 by action: which roles may, where the target is inside their subtree today ("—": nobody but admin)
MAY = {
    "read orgs": {"staff", "auditor", "viewer"},
    "read audits": {"staff", "auditor", "viewer"},
    "audit": {"auditor"},
    "close remediation": {"staff"},
    "report facts": {"staff"},
    "set targets": {"staff"},
    "read a material": {"staff", "auditor", "viewer"},
    "write materials": {"staff"},
    "acknowledge": {"staff"},
    "—": set(),
}


def cells(w: dict[str, Any], n: int, side: str) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(action, method, path, body) aimed at the moved org, which is B's today, with dates from before the move."""
    p, audit = w["moved"], w["audit"]
    # A audited the moved org in 2020, when it was A's: A's auditors would plan that again, B's plan theirs after the move
    plan = {"planned_on": f"2020-0{n % 9 + 1}-15"} if side == "a" else {"planned_on": AFTER, "by_org_id": w["b"]}
    mention = {"on": "2020-05-05", "outlet": f"Газета {n}", "medium": "print", "tone": "positive"}
    return [
        ("read orgs", "GET", f"/api/v1/orgs/{p}/compliance?as_of={BEFORE}", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/compliance/summary?as_of={BEFORE}", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/plans", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/plans-missing/2020-Q2", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/contests/2020", None),
        ("read audits", "GET", f"/api/v1/orgs/{p}/audits?as_of={BEFORE}", None),
        ("read audits", "GET", f"/api/v1/orgs/{p}/audit-plan?as_of={BEFORE}", None),
        ("read audits", "GET", f"/api/v1/orgs/{p}/remediation?as_of={BEFORE}", None),
        ("read audits", "GET", f"/api/v1/audits/{audit}", None),
        ("audit", "POST", f"/api/v1/orgs/{p}/audits", plan),
        # A's audit of an org that has left A: neither A's auditors (the org is gone) nor B's (the audit is A's) act on it
        ("—", "POST", f"/api/v1/audits/{audit}/start", {"started_on": BEFORE}),
        ("—", "POST", f"/api/v1/audits/{audit}/findings", {"rule": "P4", "severity": "minor", "note": f"Замечание {n}"}),
        ("—", "POST", f"/api/v1/audits/{audit}/remediation", {"action": f"Сделать {n}", "owner_role": "chair", "due_on": AFTER}),
        # §5: staff close the items owned by posts of the orgs of their subtree (a second closing is a 422, let through)
        ("close remediation", "POST", f"/api/v1/audits/{audit}/remediation/{w['item']}/closure", {"closed_on": AFTER}),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/kpi/2020", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/targets/2020", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/kpi-series/K5?start=2019&end=2020", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/media-mentions?period=2020", None),
        ("set targets", "PUT", f"/api/v1/orgs/{p}/targets/2020", {"K2": 0.05}),
        ("set targets", "POST", f"/api/v1/orgs/{p}/kpi/{1995 + n}/close", None),
        ("report facts", "POST", f"/api/v1/orgs/{p}/media-mentions", mention),
        ("report facts", "PUT", f"/api/v1/orgs/{p}/feedback-times/2020-05", {"answered": n, "average_hours": 5}),
        ("read a material", "GET", f"/api/v1/materials/{w['material']}", None),
        ("read orgs", "GET", f"/api/v1/orgs/{p}/inbox", None),
        ("read a material", "GET", f"/api/v1/orgs/{p}/materials", None),
        ("write materials", "POST", "/api/v1/materials", {"org_id": p, "title": f"Т {n}", "body": "Текст", "kind": "news"}),
        ("report facts", "PUT", f"/api/v1/orgs/{p}/exchange-policy", {"hold_for_review": False}),
        ("acknowledge", "POST", f"/api/v1/materials/{w['cascaded']}/acknowledge", {"org_id": p}),
    ]


async def test_a_past_date_never_lets_the_old_subtree_see_or_act_on_a_moved_org(stack: Stack) -> None:
    w = await _world(stack)
    wrong, n = [], 0
    for side in "ab":
        for role in ROLES:
            for action, method, path, body in cells(w, n := n + 1, side):
                allowed = side == "b" and role in MAY[action]
                reply = await _answered(stack, method, path, body, w["users"][f"{side}-{role}"] | w["wait"])
                assert reply.status_code < 500, (side, role, path, reply.text)
                if _granted(reply) != allowed:
                    wrong.append((side, role, method, path, reply.status_code, reply.text[:160]))
    assert wrong == [], "\n".join(map(str, wrong))


async def test_lists_show_each_side_only_the_orgs_of_its_subtree_today(stack: Stack) -> None:
    w = await _world(stack)  # one world for both halves: a stack costs more than the questions
    await _deliveries_and_parties(stack, w)
    await _lists_of_a_past_subtree(stack, w)


async def _deliveries_and_parties(stack: Stack, w: dict[str, Any]) -> None:
    """A cascade to the whole tree: each side sees its own recipients and progress; what a side sent up, every
    recipient; party addresses go to those who send to the party."""
    mine = {"a": {w["a"], w["pa"]}, "b": {w["b"], w["pb"], w["moved"]}}
    for side in "ab":
        for role in ROLES:
            headers = w["users"][f"{side}-{role}"] | w["wait"]
            rows = await _get(stack, f"/api/v1/materials/{w['cascaded']}/deliveries", headers)
            assert {r["recipient"] for r in rows} == mine[side], (side, role)
            progress = await _get(stack, f"/api/v1/materials/{w['cascaded']}/progress", headers)
            assert (progress["orgs_expected"], progress["orgs_reached"]) == (len(mine[side]),) * 2, (side, role)
            assert set(progress["not_acknowledged"]) == mine[side]
            addresses = {p["name"]: p["email"] for p in await _get(stack, "/api/v1/parties", headers)}
            # only staff send, and an association hears from its own territorial org; FNPR only from the CC
            assert addresses == {
                "ФНПР": None,
                "Ассоциация А": "a@assoc.ru" if (side, role) == ("a", "staff") else None,
                "Ассоциация Б": "b@assoc.ru" if (side, role) == ("b", "staff") else None,
            }, (side, role)
            if side == "a":  # what A sent up is followed to where it went, beyond A's subtree too (X6)
                rows = await _get(stack, f"/api/v1/materials/{w['sent_up']}/deliveries", headers)
                assert {(r["recipient"], r["recipient_kind"]) for r in rows} == {(w["cc"], "org"), (w["assoc_a"], "party")}
    everything = await _get(stack, f"/api/v1/materials/{w['cascaded']}/deliveries", w["admin"] | w["wait"])
    assert {r["recipient"] for r in everything} == mine["a"] | mine["b"]
    parties = await _get(stack, "/api/v1/parties", w["admin"])
    assert {p["email"] for p in parties} == {"fnpr@fnpr.ru", "a@assoc.ru", "b@assoc.ru"}


async def _lists_of_a_past_subtree(stack: Stack, w: dict[str, Any]) -> None:
    """Lists over A's subtree as it stood before the move leave out, for A's users, the org that has left it."""
    a, moved = w["a"], w["moved"]
    for role in ROLES:
        headers = w["users"][f"a-{role}"] | w["wait"]
        summary = await _get(stack, f"/api/v1/orgs/{a}/compliance/summary?as_of={BEFORE}", headers)
        assert summary["orgs"] == 2, role  # A and its primary org that stayed, not the one that has moved to B
        assert moved not in json.dumps(summary["rules"])
        for path in (
            f"/api/v1/orgs/{a}/audits?as_of={BEFORE}",
            f"/api/v1/orgs/{a}/remediation?as_of={BEFORE}",
            f"/api/v1/orgs/{a}/audit-plan?as_of={BEFORE}&year=2020",
            f"/api/v1/orgs/{a}/plans-missing/2020-Q2",
            f"/api/v1/orgs/{a}/contests/2020",
            f"/api/v1/kpi/rankings?period=2020&indicator=K5&level=primary&org_id={a}",
        ):
            assert moved not in json.dumps(await _get(stack, path, headers)), (role, path)
    # the same lists for admin show what that day held: the moved org is there (not A's answer, kept for A's users)
    summary = await _get(stack, f"/api/v1/orgs/{a}/compliance/summary?as_of={BEFORE}", w["admin"] | w["wait"])
    assert summary["orgs"] == 3
    for path in (
        f"/api/v1/orgs/{a}/audits?as_of={BEFORE}",
        f"/api/v1/kpi/rankings?period=2020&indicator=K5&level=primary&org_id={a}",
    ):
        assert moved in json.dumps(await _get(stack, path, w["admin"] | w["wait"])), path


async def _world(stack: Stack) -> dict[str, Any]:
    """CC; territorial orgs A and B, each with a primary org; a primary org of A, audited by A and mentioned in the
    press in 2020, moved to B from 2025-01-01; a material it wrote; a CC material cascaded to the whole tree; FNPR and
    each territorial org's association; a staff, an auditor and a viewer of A and of B."""
    h, seen = await admin(stack), {}
    o = await two_subtrees(stack, h, {"pa": "a", "pb": "b", "moved": "a"})
    p = o["moved"]
    audit = (await _ok(stack, "POST", f"/api/v1/orgs/{p}/audits", {"planned_on": BEFORE}, h, seen))["id"]
    await _ok(stack, "POST", f"/api/v1/audits/{audit}/start", {"started_on": BEFORE}, h, seen)
    item = {"action": "Обновить стенд", "owner_role": "chair", "due_on": "2020-09-01"}
    await _ok(stack, "POST", f"/api/v1/audits/{audit}/remediation", item, h, seen)
    item_id = (await stack.http.get(f"/api/v1/audits/{audit}", headers=h)).json()["remediation"][0]["id"]
    mention = {"on": "2020-05-05", "outlet": "Вести", "medium": "print", "tone": "positive"}
    await _ok(stack, "POST", f"/api/v1/orgs/{p}/media-mentions", mention, h, seen)
    draft = {"org_id": p, "title": "Новости завода", "body": "Текст", "kind": "news"}
    material = (await _ok(stack, "POST", "/api/v1/materials", draft, h, seen))["id"]
    await _ok(stack, "PATCH", f"/api/v1/orgs/{p}", {"parent_id": o["b"], "effective_on": MOVED_ON}, h, seen)
    parties = {}
    for kind, name, email, org in (
        ("fnpr", "ФНПР", "fnpr@fnpr.ru", None),
        ("territorial_association", "Ассоциация А", "a@assoc.ru", o["a"]),
        ("territorial_association", "Ассоциация Б", "b@assoc.ru", o["b"]),
    ):
        party = {"kind": kind, "name": name, "email": email, "org_id": org}
        parties[name] = (await _ok(stack, "POST", "/api/v1/parties", party, h, seen))["id"]
    up = {"org_id": o["a"], "title": "Наверх", "body": "Текст", "kind": "news", "newsworthy": True}
    sent_up = (await _ok(stack, "POST", "/api/v1/materials", up, h, seen))["id"]
    await _ok(stack, "POST", f"/api/v1/materials/{sent_up}/send-up", {}, h, seen)
    news = {"org_id": o["cc"], "title": "Всем", "body": "Текст", "kind": "news"}
    cascaded = (await _ok(stack, "POST", "/api/v1/materials", news, h, seen))["id"]
    await _ok(stack, "POST", f"/api/v1/materials/{cascaded}/cascade", {}, h, seen)
    everyone = {o["a"], o["b"], o["pa"], o["pb"], p}
    await eventually(lambda: _delivered(stack, h, cascaded, everyone), timeout=30)
    users = {f"{side}-{role}": await user(stack, h, f"{side}{role}", role, o[side]) for side in "ab" for role in ROLES}
    return o | {
        "admin": h,
        "sent_up": sent_up,
        "assoc_a": parties["Ассоциация А"],
        "audit": audit,
        "item": item_id,
        "material": material,
        "cascaded": cascaded,
        "users": users,
        "wait": {"Profset-Min-Positions": json.dumps(seen)},  # each user's first request waits for all of the above
    }


async def _ok(stack: Stack, method: str, path: str, body: Any, headers: dict[str, str], seen: dict[str, int]) -> Any:
    """A write that must succeed; `seen` keeps the furthest position of each ledger it reached."""
    reply = await stack.http.request(method, path, json=body, headers=headers)
    assert reply.status_code < 300, (path, reply.text)
    for ledger, position in json.loads(reply.headers.get("Profset-Positions", "{}")).items():
        seen[ledger] = max(seen.get(ledger, 0), int(position))
    return reply.json()


async def _delivered(stack: Stack, h: dict[str, str], material: str, orgs: set[str]) -> bool:
    reply = await stack.http.get(f"/api/v1/materials/{material}/deliveries", headers=h)
    return reply.status_code == 200 and orgs <= {d["recipient"] for d in reply.json()}


def _granted(reply: Any) -> bool:
    """Let through: done, or refused by a rule that presumes access (a 422, such as a delivery already acknowledged
    by a user asked before, or a period closed twice)."""
    return reply.status_code not in (401, 403, 404)


async def _get(stack: Stack, path: str, headers: dict[str, str]) -> Any:
    reply = await _answered(stack, "GET", path, None, headers)
    assert reply.status_code == 200, (path, reply.text)
    return reply.json()


async def _answered(stack: Stack, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """The reply once the services have caught up with each other (a 503 here only means "not yet")."""

    async def attempt() -> Any:
        reply = await stack.http.request(method, path, json=body, headers=headers)
        return None if reply.status_code == 503 else reply

    return await eventually(attempt, timeout=30, interval=0.2)
