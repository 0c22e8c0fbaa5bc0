"""The registry decides access on today's tree (DESIGN.md §5: the subtree is today's), whatever date a request names.

The world: primary org P sat under territorial org A until MOVED_ON and under B since; member M was transferred from
A's primary org to B's on TRANSFERRED_ON. Staff of A and staff of B ask about both with past dates. The expected
answers come from §5 — a date chooses which facts are shown or changed, never who may see or change them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from profset_testing import Stack, eventually
from profset_testing.api import admin, register

BEFORE_MOVE, MOVED_ON, TRANSFERRED_ON, LATER = "2020-06-01", "2022-01-01", "2023-01-01", "2024-06-01"
M_NAME, F_NAME = "Секретов Тайный Скрытович", "Будущев Грядущий Переводович"


async def world(stack: Stack) -> dict[str, Any]:
    """The union above, built by admin, with a staff user of A and one of B logged in."""
    h = await admin(stack)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    a = await register(stack, h, name="Территориальная А", level="territorial", parent_id=cc["id"], registered_on="1990-01-01")
    b = await register(stack, h, name="Территориальная Б", level="territorial", parent_id=cc["id"], registered_on="1990-01-01")
    w: dict[str, Any] = {"h": h, "cc": cc["id"], "a": a["id"], "b": b["id"]}
    w["today"] = (await ok(stack, h, "GET", f"/api/v1/orgs/{cc['id']}"))["as_of"]  # the union's today, not UTC's
    for key, parent in (("p", a), ("pa", a), ("pb", b)):
        org = await register(stack, h, name=f"ППО {key}", level="primary", parent_id=parent["id"], registered_on="1995-01-01")
        w[key] = org["id"]
    await ok(stack, h, "PATCH", f"/api/v1/orgs/{w['p']}", {"parent_id": b["id"], "effective_on": MOVED_ON})
    await ok(stack, h, "POST", f"/api/v1/orgs/{w['p']}/headcount", {"members": 120, "as_of": BEFORE_MOVE})
    await ok(stack, h, "PUT", f"/api/v1/orgs/{w['p']}/budgets/2020", {"total": "1000.00", "information": "60.00"})
    await ok(stack, h, "PUT", f"/api/v1/orgs/{w['p']}/agreement-clauses", {"clauses": [1, 3], "effective_on": BEFORE_MOVE})
    officer = {"full_name": "Председатель Павел", "role": "chair", "since": "2018-01-01"}
    w["officer"] = (await ok(stack, h, "POST", f"/api/v1/orgs/{w['p']}/officers", officer))["id"]
    council = {"name": "Молодёжный совет", "formed_on": "2019-01-01"}
    w["council"] = (await ok(stack, h, "POST", f"/api/v1/orgs/{w['p']}/youth-councils", council))["id"]
    member = {"full_name": M_NAME, "birth_date": "1980-02-03", "position": "сварщик", "since": "2015-01-01"}
    w["m"] = (await ok(stack, h, "POST", f"/api/v1/orgs/{w['pa']}/members", member))["id"]
    await ok(stack, h, "POST", f"/api/v1/members/{w['m']}/transfer", {"org_id": w["pb"], "effective_on": TRANSFERRED_ON})
    post = {"person_id": w["m"], "role": "info_activist", "since": "2016-01-01"}
    activist = (await ok(stack, h, "POST", f"/api/v1/orgs/{w['pa']}/officers", post))["id"]
    await ok(stack, h, "POST", f"/api/v1/officers/{activist}/relief", {"until": "2022-12-31"})
    for side in ("a", "b"):
        user = {"username": f"staff_{side}", "password": "a-long-password", "role": "staff", "org_id": w[side]}
        await ok(stack, h, "POST", "/api/v1/users", user)
        w[side + "_staff"] = await stack.login(f"staff_{side}", "a-long-password")
    return w


async def _equal(value: Any, expected: Any) -> bool:
    return await value == expected


async def ok(stack: Stack, headers: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    """The answer of a request that must succeed."""
    reply = await stack.http.request(method, path, json=body, headers=headers)
    assert reply.status_code < 300, (method, path, reply.status_code, reply.text)
    return reply.json()


async def status(stack: Stack, headers: dict[str, str], method: str, path: str, body: Any = None) -> int:
    reply = await stack.http.request(method, path, json=body, headers=headers)
    assert reply.status_code < 500, (method, path, reply.text)
    return reply.status_code


def asked_with_past_dates(w: dict[str, Any], n: int, own: str) -> list[tuple[str, str, Any]]:
    """(method, path, body) of every registry route about P or M, each naming a date when P sat under A (and M was
    in A's primary org); `own` is a primary org of the asker's, where a transfer of M would go."""
    p, m, off, council = w["p"], w["m"], w["officer"], w["council"]
    return [
        ("GET", f"/api/v1/orgs/{p}?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}?as_of={BEFORE_MOVE}&known_on={w['today']}", None),
        ("GET", f"/api/v1/orgs/{p}/children?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/subtree?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/officers?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/youth-councils?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/budgets/2020", None),
        ("GET", f"/api/v1/orgs/{p}/budgets?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/agreement-clauses?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/headcounts?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/orgs/{p}/members?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/officers/{off}", None),
        ("GET", f"/api/v1/members/{m}?as_of={BEFORE_MOVE}", None),
        ("GET", f"/api/v1/members/{m}?as_of={BEFORE_MOVE}&known_on={w['today']}", None),
        ("GET", f"/api/v1/members/{m}", None),
        ("PATCH", f"/api/v1/orgs/{p}", {"name": f"ППО переименованная {n}", "effective_on": BEFORE_MOVE}),
        ("POST", f"/api/v1/orgs/{p}/headcount", {"members": 100 + n, "as_of": BEFORE_MOVE}),
        ("PUT", f"/api/v1/orgs/{p}/budgets/2020", {"total": "2000.00", "information": f"{100 + n}.00"}),
        ("PUT", f"/api/v1/orgs/{p}/agreement-clauses", {"clauses": [1, 2, n % 6 + 3], "effective_on": BEFORE_MOVE}),
        ("POST", f"/api/v1/orgs/{p}/members", {"full_name": f"Новиков {n}", "since": BEFORE_MOVE}),
        ("POST", f"/api/v1/orgs/{p}/officers", {"full_name": f"Информатор {n}", "role": "info_worker", "since": BEFORE_MOVE}),
        ("POST", f"/api/v1/orgs/{p}/youth-councils", {"name": f"Совет {n}", "formed_on": BEFORE_MOVE}),
        ("POST", f"/api/v1/youth-councils/{council}/dissolution", {"effective_on": "2020-12-31", "reason": "x"}),
        ("POST", f"/api/v1/officers/{off}/trainings", {"course": f"Школа {n}", "on": "2019-05-01"}),
        ("POST", f"/api/v1/members/{m}/transfer", {"org_id": own, "effective_on": "2022-06-01"}),
        ("POST", f"/api/v1/members/{m}/leaving", {"effective_on": "2022-09-01", "reason": "по собственному"}),
    ]


async def test_the_old_subtree_is_refused_and_the_new_one_served_whatever_past_date_is_named(stack: Stack) -> None:
    w = await world(stack)
    let_through = [
        (method, path)
        for method, path, body in asked_with_past_dates(w, 1, w["pa"])
        if await status(stack, w["a_staff"], method, path, body) not in (403, 404)
    ]
    assert let_through == [], "A's staff reached P or M through a past date"
    refused = [
        (method, path, code)
        for method, path, body in asked_with_past_dates(w, 2, w["pb"])
        if (code := await status(stack, w["b_staff"], method, path, body)) >= 300
    ]
    assert refused == [], "B's staff were refused what is theirs today"
    shown = await ok(stack, w["b_staff"], "GET", f"/api/v1/members/{w['m']}?as_of={BEFORE_MOVE}")
    assert shown["full_name"] == M_NAME and shown["org_id"] == w["pa"], "facts of the date, seen by today's holder"
    assert (await ok(stack, w["b_staff"], "GET", f"/api/v1/orgs/{w['p']}?as_of={BEFORE_MOVE}"))["parent_id"] == w["a"]
    assert await status(stack, w["b_staff"], "GET", f"/api/v1/orgs/{w['p']}?as_of=1994-12-31") == 404, "not yet registered"


async def test_lists_and_searches_of_the_old_subtree_leave_out_what_moved_away(stack: Stack) -> None:
    w = await world(stack)
    a = w["a_staff"]
    ids = lambda rows: {r["id"] for r in rows}  # noqa: E731
    for path in (
        f"/api/v1/orgs?as_of={BEFORE_MOVE}",
        f"/api/v1/orgs/{w['a']}/children?as_of={BEFORE_MOVE}",
        f"/api/v1/orgs/{w['a']}/subtree?as_of={BEFORE_MOVE}",
    ):
        assert w["p"] not in ids(await ok(stack, a, "GET", path)), path
    assert w["pa"] in ids(await ok(stack, a, "GET", f"/api/v1/orgs/{w['a']}/children?as_of={BEFORE_MOVE}"))
    for path in (
        f"/api/v1/orgs/{w['pa']}/members?as_of={BEFORE_MOVE}",
        f"/api/v1/orgs/{w['a']}/members?as_of={BEFORE_MOVE}&subtree=true",
        f"/api/v1/members?q=Секретов&as_of={BEFORE_MOVE}",
    ):
        assert w["m"] not in ids(await ok(stack, a, "GET", path)), path
    posts = await ok(stack, a, "GET", f"/api/v1/orgs/{w['pa']}/officers?as_of={BEFORE_MOVE}")
    assert [p["full_name"] for p in posts if p["person_id"] == w["m"]] == [None], "M took the name along to B"
    posts = await ok(stack, w["h"], "GET", f"/api/v1/orgs/{w['pa']}/officers?as_of={BEFORE_MOVE}")
    assert [p["full_name"] for p in posts if p["person_id"] == w["m"]] == [M_NAME]
    b = w["b_staff"]
    assert w["p"] in ids(await ok(stack, b, "GET", f"/api/v1/orgs?as_of={BEFORE_MOVE}"))
    assert w["m"] in ids(await ok(stack, b, "GET", "/api/v1/members?q=Секретов"))


async def test_a_move_needs_the_org_and_its_new_parent_inside_the_subtree_today(stack: Stack) -> None:
    w = await world(stack)
    a, b = w["a_staff"], w["b_staff"]
    assert await status(stack, a, "PATCH", f"/api/v1/orgs/{w['pa']}", {"parent_id": w["b"]}) == 403
    assert await status(stack, b, "PATCH", f"/api/v1/orgs/{w['p']}", {"parent_id": w["a"], "effective_on": LATER}) == 403
    back = {"parent_id": w["a"], "effective_on": BEFORE_MOVE}
    assert await status(stack, a, "PATCH", f"/api/v1/orgs/{w['p']}", back) in (403, 404), "P is not A's today"
    gone = {"effective_on": "2021-06-01", "reason": "ликвидирована"}
    assert await status(stack, a, "POST", f"/api/v1/orgs/{w['p']}/dissolution", gone) in (403, 404), "the outside tester's case"
    dissolved = {"effective_on": LATER, "reason": "ликвидирована"}
    assert await status(stack, b, "POST", f"/api/v1/orgs/{w['p']}/dissolution", dissolved) == 202
    assert await status(stack, a, "GET", f"/api/v1/orgs/{w['p']}?as_of={BEFORE_MOVE}") in (403, 404), (
        "a dissolved org keeps its last parent"
    )
    assert (await ok(stack, b, "GET", f"/api/v1/orgs/{w['p']}?as_of={BEFORE_MOVE}"))["parent_id"] == w["a"]
    assert await status(stack, b, "GET", f"/api/v1/orgs/{w['p']}?as_of={w['today']}") == 404, "gone today"


async def test_a_transfer_or_a_move_dated_in_the_future_changes_nothing_until_that_day(stack: Stack) -> None:
    w = await world(stack)
    h, a, b = w["h"], w["a_staff"], w["b_staff"]
    soon, after = (date.fromisoformat(w["today"]) + timedelta(days=d) for d in (40, 50))
    f = (await ok(stack, h, "POST", f"/api/v1/orgs/{w['pa']}/members", {"full_name": F_NAME, "since": "2015-01-01"}))["id"]
    await ok(stack, h, "POST", f"/api/v1/members/{f}/transfer", {"org_id": w["pb"], "effective_on": soon.isoformat()})
    q = await register(stack, h, name="ППО Кью", level="primary", parent_id=w["a"], registered_on="1995-01-01")
    await ok(stack, h, "PATCH", f"/api/v1/orgs/{q['id']}", {"parent_id": w["b"], "effective_on": soon.isoformat()})
    later = await register(stack, h, name="ППО будущая", level="primary", parent_id=w["a"], registered_on=soon.isoformat())

    assert (await ok(stack, a, "GET", f"/api/v1/members/{f}?as_of={after}"))["org_id"] == w["pb"], "A's until that day"
    assert await status(stack, b, "GET", f"/api/v1/members/{f}?as_of={after}") in (403, 404)
    assert await status(stack, b, "GET", f"/api/v1/members/{f}") in (403, 404)
    assert f not in {r["id"] for r in await ok(stack, b, "GET", f"/api/v1/orgs/{w['pb']}/members?as_of={after}")}
    assert await status(stack, b, "POST", f"/api/v1/members/{f}/erasure", {"basis": "заявление"}) in (403, 404)
    assert (
        await status(stack, b, "POST", f"/api/v1/members/{f}/leaving", {"effective_on": after.isoformat(), "reason": "x"}) == 403
    )

    assert (await ok(stack, a, "GET", f"/api/v1/orgs/{q['id']}?as_of={after}"))["parent_id"] == w["b"]
    assert await status(stack, b, "GET", f"/api/v1/orgs/{q['id']}?as_of={after}") in (403, 404)
    rename = {"name": "ППО Кью новая", "effective_on": after.isoformat()}
    assert await status(stack, b, "PATCH", f"/api/v1/orgs/{q['id']}", rename) == 403
    assert await status(stack, a, "PATCH", f"/api/v1/orgs/{q['id']}", rename) == 200

    assert (await ok(stack, a, "GET", f"/api/v1/orgs/{later['id']}?as_of={after}"))["parent_id"] == w["a"]
    assert await status(stack, b, "GET", f"/api/v1/orgs/{later['id']}?as_of={after}") in (403, 404)
    assert await status(stack, a, "POST", f"/api/v1/members/{f}/erasure", {"basis": "заявление"}) == 202


async def test_a_past_day_never_tells_a_figure_of_an_org_that_has_left_the_subtree(stack: Stack) -> None:
    w = await world(stack)
    a, h = w["a_staff"], w["h"]
    await ok(stack, h, "POST", f"/api/v1/orgs/{w['pa']}/headcount", {"members": 30, "as_of": BEFORE_MOVE})
    mine = await ok(stack, a, "GET", f"/api/v1/orgs/{w['a']}?as_of={BEFORE_MOVE}")
    listed = await ok(stack, a, "GET", f"/api/v1/orgs/{w['a']}/children?as_of={BEFORE_MOVE}")
    assert (mine["members"], mine["children"], mine["primary_orgs"]) == (30, len(listed), 1), "P's 120 are not A's to see"
    whole = await ok(stack, h, "GET", f"/api/v1/orgs/{w['a']}?as_of={BEFORE_MOVE}")
    assert (whole["members"], whole["children"], whole["primary_orgs"]) == (150, 2, 2), "the admin sees the day's facts"
    counted = await ok(stack, a, "GET", f"/api/v1/orgs?as_of={BEFORE_MOVE}&level=territorial")
    assert [o["members"] for o in counted if o["id"] == w["a"]] == [30], "the same in the list"

    async def kpi_members(who: dict[str, str]) -> Any:
        return (await ok(stack, who, "GET", f"/api/v1/orgs/{w['a']}/kpi/2020"))["members"]

    assert await eventually(lambda: _equal(kpi_members(h), 150)), "the kpi's projection has the headcounts"
    assert await kpi_members(a) == 30, "nor does a past period's KPI tell P's members to A"
