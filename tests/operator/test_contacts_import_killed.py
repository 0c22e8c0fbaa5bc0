"""`profset import` killed with SIGKILL while it writes the contacts' files, and run again: every channel and
contact point is there exactly once, in the contacts ledger and its read models, each with its sealing key."""

from __future__ import annotations

from pathlib import Path

from contracts.contacts import ChannelOpened, ConsentGranted, ContactAdded
from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.csv_files import union_files, write
from profset_testing.importing import counts, imported, importing, kill_when

TERRITORIAL, PRIMARY, MEMBERS = 2, 100, 2000
CHANNELS = 1 + TERRITORIAL + 2 * PRIMARY  # a notice board in every org, and a chat in each primary org
POINTS = 2 * MEMBERS + 2 * PRIMARY  # a member's work e-mail and mobile; each officer's personal e-mail or handle
CONSENTS = MEMBERS // 2  # the mobiles of even-numbered members
DUPLICATES = MEMBERS // 50  # rows naming a work e-mail already in the file, written another way


def contacts_files(folder: Path) -> None:
    """channels.csv and contact_points.csv for the people and orgs of `union_files` of the same size."""
    orgs = ["cc"] + [f"t{i}" for i in range(TERRITORIAL)] + [f"p{i}" for i in range(PRIMARY)]
    channels = [[f"board-{o}", o, "notice_board", f"Стенд {o}", "", "", "2020-01-01"] for o in orgs]
    channels += [
        [f"chat-p{i}", f"p{i}", "chat", f"Чат {i}", f"https://t.me/chat_p{i}", "members", "2021-01-01"] for i in range(PRIMARY)
    ]
    write(folder, "channels", ["ref", "org_ref", "kind", "name", "url", "audience", "since"], channels)
    points = []
    for i in range(MEMBERS):
        points.append([f"m{i}", "work_email", f"m{i}@zavod.ru", "", ""])
        points.append([f"m{i}", "mobile", f"8 912 {i:07d}", *(("2026-01-01", "written") if i % 2 == 0 else ("", ""))])
    points += [[f"o{i}", "personal_email", f"chair{i}@mail.ru", "", ""] for i in range(PRIMARY)]
    points += [[f"w{i}", "messenger", f"@worker_{i:05d}", "", ""] for i in range(PRIMARY)]
    points += [[f"m{i}", "work_email", f" M{i}@ZAVOD.RU ", "", ""] for i in range(0, MEMBERS, 50)]  # the same addresses
    write(folder, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], points)


async def test_an_import_killed_twice_while_writing_contacts_ends_with_every_channel_and_contact_point_once(
    stack: Stack, tmp_path: Path
) -> None:
    union_files(tmp_path, territorial=TERRITORIAL, primary=PRIMARY, members=MEMBERS)
    contacts_files(tmp_path)

    first = await kill_when(stack, tmp_path, "contacts", lambda n: n.get("contact_points", 0) > 0)
    assert 0 < first["contact_points"] < POINTS, f"killed with some contact points written, not all: {first}"
    second = await kill_when(stack, tmp_path, "contacts", lambda n: n.get("contact_points", 0) > first["contact_points"])
    assert first["contact_points"] < second["contact_points"] < POINTS, f"killed mid-way again: {first} {second}"

    done = importing(stack, tmp_path)
    out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err.decode()
    report = out.decode()
    assert f"channels       imported 0, already there {CHANNELS}" in report, report
    written, before = POINTS - second["contact_points"], second["contact_points"] + DUPLICATES
    assert f"contact_points imported {written}, already there {before}" in report, report

    assert await imported(stack.database_url, "contacts") == {"channels": CHANNELS, "contact_points": POINTS}
    events = await counts(stack.database_url, "SELECT type, count(*) FROM contacts.events GROUP BY type")
    assert events == {ChannelOpened.ce_type(): CHANNELS, ContactAdded.ce_type(): POINTS, ConsentGranted.ce_type(): CONSENTS}
    models = await counts(
        stack.database_url,
        "SELECT 'channels', count(*) FROM contacts.channels "
        "UNION ALL SELECT 'channel names', count(DISTINCT (org_id, name)) FROM contacts.channels "
        "UNION ALL SELECT 'points', count(*) FROM contacts.contact_points "
        "UNION ALL SELECT 'addresses', count(DISTINCT (person_id, kind, digest)) FROM contacts.contact_points "
        "UNION ALL SELECT 'consents', count(consent_since) FROM contacts.contact_points "
        "UNION ALL SELECT 'keys', count(*) FROM contacts.person_keys "
        "UNION ALL SELECT 'sealed', count(*) FROM contacts.contact_points p "
        "  JOIN contacts.person_keys k ON k.person_id = p.contact_id "
        "  WHERE k.wrapped_key IS NOT NULL AND p.value IS NOT NULL AND p.digest IS NOT NULL "
        "UNION ALL SELECT 'people', count(DISTINCT person_id) FROM contacts.contact_points "
        "UNION ALL SELECT 'streams', count(DISTINCT stream_id) FROM contacts.events",
    )
    assert models == {
        "channels": CHANNELS,
        "channel names": CHANNELS,
        "points": POINTS,
        "addresses": POINTS,  # no address recorded twice under two ids
        "consents": CONSENTS,
        "keys": POINTS,  # no key of a contact point a killed run never recorded
        "sealed": POINTS,  # and no contact point recorded without its key
        "people": MEMBERS + 2 * PRIMARY,
        "streams": CHANNELS + POINTS,
    }

    h = await stack.login("admin", ADMIN_PASSWORD)
    orgs = {o["name"]: o for o in (await stack.http.get("/api/v1/orgs", params={"limit": 5000}, headers=h)).json()}
    p7 = orgs["ППО 7"]["id"]
    boards = (await stack.http.get(f"/api/v1/orgs/{p7}/channels", headers=h)).json()
    assert sorted((c["kind"], c["name"]) for c in boards) == [("chat", "Чат 7"), ("notice_board", "Стенд p7")]
    base = (await stack.http.get(f"/api/v1/orgs/{p7}/contact-base", headers=h)).json()
    assert sorted((e["role"], e["kind"]) for e in base) == [("chair", "personal_email"), ("info_worker", "messenger")]
