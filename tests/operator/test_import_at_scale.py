"""`profset import` killed with SIGKILL mid-way and run again: every org and member is there exactly once, in the
ledger and in the read models, and the gateway serves the union."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from contracts.people import MemberAdmitted, PersonRegistered
from contracts.registry import OrgRegistered
from kit.db import make_engine
from kit.store import EventStore
from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.csv_files import union_files
from profset_testing.importing import counts, imported, importing, kill_when
from registry.domain import tree
from registry.handlers.tree import TREE
from registry.tables import ledger

TERRITORIAL, PRIMARY, MEMBERS = 3, 296, 3000
ORGS, OFFICERS = 1 + TERRITORIAL + PRIMARY, 2 * PRIMARY  # two officers in each primary org
ROWS = ORGS + PRIMARY + OFFICERS + MEMBERS  # and a headcount each


async def tree_snapshot(database_url: str) -> tuple[int, Any]:
    """The tree stream's snapshot: its version and state."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT version, state FROM registry.snapshots WHERE stream_id = :s"), {"s": TREE})
            version, state = found.one()
            return int(version), state
    finally:
        await engine.dispose()


async def tree_folded(database_url: str) -> Any:
    """The tree folded from every event of its stream, as encoded in a snapshot."""
    engine = make_engine(database_url)
    try:
        t = tree.EMPTY
        for r in await EventStore(engine, ledger, "registry").read_stream(TREE):
            t = tree.evolve(t, r.event)
        return tree.encode(t)
    finally:
        await engine.dispose()


async def test_an_import_killed_twice_mid_way_ends_with_every_org_and_member_once(stack: Stack, tmp_path: Path) -> None:
    union_files(tmp_path, territorial=TERRITORIAL, primary=PRIMARY, members=MEMBERS)

    first = await kill_when(stack, tmp_path, "registry", lambda n: sum(n.values()) > 0)
    assert 0 < sum(first.values()) < ROWS, first
    second = await kill_when(stack, tmp_path, "registry", lambda n: n.get("members", 0) > 0)
    assert 0 < second["members"] < MEMBERS, f"killed with some members written, not all: {second}"

    done = importing(stack, tmp_path)
    out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err.decode()
    report = out.decode()
    left = MEMBERS - (await imported(stack.database_url, "registry"))["members"]  # nothing, if the third run wrote the rest
    assert left == 0
    assert f"members        imported {MEMBERS - second['members']}, already there {second['members']}" in report, report

    assert await imported(stack.database_url, "registry") == {
        "orgs": ORGS,
        "headcounts": PRIMARY,
        "officers": OFFICERS,
        "members": MEMBERS,
    }
    events = await counts(stack.database_url, "SELECT type, count(*) FROM registry.events GROUP BY type")
    assert events[OrgRegistered.ce_type()] == ORGS
    assert events[PersonRegistered.ce_type()] == MEMBERS + OFFICERS
    assert events[MemberAdmitted.ce_type()] == MEMBERS
    models = await counts(
        stack.database_url,
        "SELECT 'orgs', count(*) FROM registry.orgs UNION ALL SELECT 'people', count(*) FROM registry.people "
        "UNION ALL SELECT 'memberships', count(*) FROM registry.memberships "
        "UNION ALL SELECT 'officers', count(*) FROM registry.officers "
        "UNION ALL SELECT 'keys', count(*) FROM registry.person_keys "
        "UNION ALL SELECT 'member streams', count(DISTINCT stream_id) FROM registry.events WHERE stream_id LIKE 'person-%'",
    )
    people = MEMBERS + OFFICERS
    assert models == {
        "orgs": ORGS,
        "people": people,
        "memberships": MEMBERS,
        "officers": OFFICERS,
        "keys": people,  # no key of a person a killed run never recorded
        "member streams": people,
    }

    assert await tree_snapshot(stack.database_url) == (ORGS, await tree_folded(stack.database_url)), "the import's snapshot"

    h = await stack.login("admin", ADMIN_PASSWORD)
    orgs = (await stack.http.get("/api/v1/orgs", params={"limit": 5000}, headers=h)).json()
    assert len(orgs) == ORGS
    cc = next(o for o in orgs if o["level"] == "central")
    assert cc["member_records"] == MEMBERS and cc["primary_orgs"] == PRIMARY
    found = (await stack.http.get("/api/v1/members", params={"q": "попов олег", "limit": 10000}, headers=h)).json()
    popovs = [i for i in range(MEMBERS) if i % 80 == 28]  # the 29th name of the files' cycle of 80
    assert len(found) == len(popovs) and all(m["full_name"].startswith("Попов Олег") for m in found)
