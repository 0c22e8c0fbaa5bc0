"""`profset import`: a whole union from CSV, checked row by row before anything is written, idempotent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kit.db import make_engine
from profset import cli
from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.csv_files import union_files, write
from registry.tables import ledger


async def profset(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


async def ledger_size(database_url: str) -> int:
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        size = (await conn.execute(select(func.count()).select_from(ledger.events))).scalar_one()
    await engine.dispose()
    return int(size)


@pytest.fixture
def operator_env(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", stack.database_url)
    for key, value in stack.keys.master_environment().items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("operator_env")
async def test_a_union_of_1000_orgs_and_50000_members_imports_once(stack: Stack, tmp_path: Path, capsys: Any) -> None:
    union_files(tmp_path)
    assert await profset("import", str(tmp_path)) == 0
    assert "members        imported 50000" in capsys.readouterr().out
    h = await stack.login("admin", ADMIN_PASSWORD)
    orgs = (await stack.http.get("/api/v1/orgs", params={"limit": 5000}, headers=h)).json()
    assert len(orgs) == 1000
    cc = next(o for o in orgs if o["level"] == "central")
    assert cc["member_records"] == 50_000 and cc["members"] == sum(100 + i for i in range(979))
    assert cc["primary_orgs"] == 979 and cc["children"] == 20
    p7 = next(o for o in orgs if o["name"] == "ППО 7")
    officers = (await stack.http.get(f"/api/v1/orgs/{p7['id']}/officers", headers=h)).json()
    assert [(o["role"], o["full_name"], o["released"], o["trained"]) for o in officers] == [
        ("chair", "Председатель 7", True, False),
        ("info_worker", "Информработник 7", False, True),
    ]
    found = (await stack.http.get("/api/v1/members", params={"q": "попов олег", "limit": 10000}, headers=h)).json()
    assert len(found) == 50_000 // 80 and all(m["full_name"].startswith("Попов Олег") for m in found)

    before = await ledger_size(stack.database_url)
    assert await profset("import", str(tmp_path)) == 0
    assert "members        imported 0, already there 50000" in capsys.readouterr().out
    assert await ledger_size(stack.database_url) == before, "a re-run of the same files changes nothing"


@pytest.mark.usefixtures("operator_env")
async def test_every_bad_row_is_reported_by_file_and_line_and_nothing_is_written(
    stack: Stack, tmp_path: Path, capsys: Any
) -> None:
    write(
        tmp_path,
        "orgs",
        ["ref", "name", "level", "parent_ref", "registered_on"],
        [
            ["cc", "ЦК", "central", "", "1990-01-01"],
            ["t1", "Т", "territorial", "cc", "1989-01-01"],
            ["p1", "П", "primary", "nowhere", "1995-01-01"],
            ["p2", "П2", "regional", "cc", "1995-01-01"],
            ["p3", "П3", "primary", "cc", "1995-01-01"],
        ],
    )
    write(
        tmp_path,
        "members",
        ["ref", "org_ref", "full_name", "since"],
        [["m1", "cc", "X", "2000-01-01"], ["m2", "p3", "", "2000-01-01"]],
    )
    write(tmp_path, "headcounts", ["org_ref", "members", "as_of"], [["p3", "-5", "2020-01-01"], ["p3", "10", "1994-01-01"]])
    before = await ledger_size(stack.database_url)
    assert await profset("import", str(tmp_path)) == 1
    report = capsys.readouterr().err.splitlines()
    assert report[:-1] == [
        "headcounts.csv:2: members: Input should be greater than or equal to 0",
        "headcounts.csv:3: org_ref: H1: no such org on 1994-01-01",
        "members.csv:2: org_ref: D3: members are recorded in a primary org",
        "members.csv:3: full_name: Field required",
        "orgs.csv:3: parent_ref: H1: the parent does not exist on every day from 1989-01-01",
        "orgs.csv:4: parent_ref: no org 'nowhere' in the files or the union",
        "orgs.csv:5: level: Input should be 'central', 'territorial' or 'primary'",
    ]
    assert report[-1] == "7 problem(s); nothing more was imported (the registry files)"
    assert await ledger_size(stack.database_url) == before


@pytest.mark.usefixtures("operator_env")
async def test_channels_and_contact_points_import_after_the_people_they_belong_to(
    stack: Stack, tmp_path: Path, capsys: Any
) -> None:
    union_files(tmp_path, territorial=2, primary=3, members=4)
    write(
        tmp_path,
        "channels",
        ["ref", "org_ref", "kind", "name", "url", "audience", "since"],
        [
            ["ch1", "p0", "notice_board", "Стенд", "", "", "2020-01-01"],
            ["ch2", "t0", "chat", "Чат председателей", "https://t.me/x_chairs", "chairs", "2021-01-01"],
        ],
    )
    contacts = [
        ["m0", "work_email", "M0@Verf.ru", "", ""],
        ["m1", "mobile", "8 912 000-00-01", "2026-01-01", "written"],
        ["w2", "personal_email", "w2@mail.ru", "", ""],
    ]
    write(tmp_path, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], contacts)
    assert await profset("import", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "channels       imported 2" in out and "contact_points imported 3" in out
    h = await stack.login("admin", ADMIN_PASSWORD)
    orgs = {o["name"]: o for o in (await stack.http.get("/api/v1/orgs", headers=h)).json()}
    boards = (await stack.http.get(f"/api/v1/orgs/{orgs['ППО 0']['id']}/channels", headers=h)).json()
    assert [(c["kind"], c["name"]) for c in boards] == [("notice_board", "Стенд")]
    base = (await stack.http.get(f"/api/v1/orgs/{orgs['ППО 2']['id']}/contact-base", headers=h)).json()
    assert [(e["role"], e["kind"], e["usable"]) for e in base] == [("info_worker", "personal_email", False)], "no consent"
    before = await ledger_size(stack.database_url)
    assert await profset("import", str(tmp_path)) == 0
    assert "contact_points imported 0, already there 3" in capsys.readouterr().out
    assert await ledger_size(stack.database_url) == before

    renamed = (tmp_path / "orgs.csv").read_text().replace("ППО 1,primary", "ППО номер один,primary")
    (tmp_path / "orgs.csv").write_text(renamed)
    assert await profset("import", str(tmp_path)) == 0
    warned = [w for w in capsys.readouterr().err.splitlines() if "(warning)" in w]
    assert len(warned) == 1 and warned[0].startswith("orgs.csv:") and "changed since it was imported" in warned[0]
    assert await ledger_size(stack.database_url) == before, "a changed row is reported, not applied"

    write(
        tmp_path,
        "contact_points",
        ["person_ref", "kind", "value", "consent_given_at", "consent_method"],
        [["m2", "mobile", "123", "", ""], ["ghost", "work_email", "g@x.ru", "", ""]],
    )
    assert await profset("import", str(tmp_path)) == 1
    assert [line for line in capsys.readouterr().err.splitlines() if "(warning)" not in line][:2] == [
        "contact_points.csv:2: value: write the number with its country code (+7 912 345-67-89)",
        "contact_points.csv:3: person_ref: no person 'ghost' (or erased)",
    ]


@pytest.mark.usefixtures("operator_env")
async def test_an_operator_erases_a_person_with_the_basis_recorded(stack: Stack, capsys: Any) -> None:
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc = (
        await stack.http.post("/api/v1/orgs", json={"name": "ЦК", "level": "central", "registered_on": "1990-01-01"}, headers=h)
    ).json()
    ppo = {"name": "ППО", "level": "primary", "parent_id": cc["id"], "registered_on": "1995-01-01"}
    p = (await stack.http.post("/api/v1/orgs", json=ppo, headers=h)).json()
    person = (await stack.http.post(f"/api/v1/orgs/{p['id']}/members", json={"full_name": "Стираемый Сергей"}, headers=h)).json()[
        "id"
    ]
    assert await profset("erase", person, "--basis", "заявление от 01.11.2026") == 0
    assert "erased" in capsys.readouterr().out
    record = (await stack.http.get(f"/api/v1/members/{person}", headers=h)).json()
    assert record["erased"] and record["full_name"] is None and record["erasure_basis"] == "заявление от 01.11.2026"
    assert await profset("erase", person, "--basis", "again") == 1, "an erased record stays closed"


ONE_LINE = "one line of text: no line break, tab, control or direction character"


@pytest.mark.usefixtures("operator_env")
async def test_a_name_with_a_line_break_or_control_character_is_reported_by_row_and_column_and_nothing_is_written(
    stack: Stack, tmp_path: Path, capsys: Any
) -> None:
    union_files(tmp_path, territorial=1, primary=2, members=2)
    orgs = (tmp_path / "orgs.csv").read_text(encoding="utf-8")
    (tmp_path / "orgs.csv").write_text(orgs.replace("ППО 1,", '"ППО 1\nBcc: spy@example.org",'), encoding="utf-8")
    members = (tmp_path / "members.csv").read_text(encoding="utf-8")
    (tmp_path / "members.csv").write_text(members.replace("Иванов Иван №0", "Иванов\u2028Иван"), encoding="utf-8")
    before = await ledger_size(stack.database_url)
    assert await profset("import", str(tmp_path)) == 1
    report = capsys.readouterr().err.splitlines()
    # the org's row starts on line 2 and its quoted name ends on line 3; what named it is reported as well
    assert f"orgs.csv:2: name: {ONE_LINE}" in report and f"members.csv:2: full_name: {ONE_LINE}" in report, report
    assert not any("spy@example.org" in line for line in report), "the report does not echo what the cell held"
    assert await ledger_size(stack.database_url) == before, "nothing written"

    union_files(tmp_path, territorial=1, primary=2, members=2)
    channels = [["ch1", "p0", "notice_board", "Стенд\x1b[2J", "", "", "2020-01-01"]]
    write(tmp_path, "channels", ["ref", "org_ref", "kind", "name", "url", "audience", "since"], channels)
    points = [["m0", "work_email", "m0@verf.ru", "", ""], ["m1", "work_email", "m1@verf.ru\r\nBcc: spy@example.org", "", ""]]
    write(tmp_path, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], points)
    assert await profset("import", str(tmp_path)) == 1
    report = [line for line in capsys.readouterr().err.splitlines() if ".csv:" in line and "(warning)" not in line]
    assert report == [f"channels.csv:2: name: {ONE_LINE}", f"contact_points.csv:3: value: {ONE_LINE}"], report
    h = await stack.login("admin", ADMIN_PASSWORD)
    listed = {o["name"]: o for o in (await stack.http.get("/api/v1/orgs", headers=h)).json()}
    boards = (await stack.http.get(f"/api/v1/orgs/{listed['ППО 0']['id']}/channels", headers=h)).json()
    assert boards == [], "no channel of the files written"
    base = (await stack.http.get(f"/api/v1/orgs/{listed['ППО 0']['id']}/contact-base", headers=h)).json()
    assert base == [], "nor the good contact point beside the bad one"
