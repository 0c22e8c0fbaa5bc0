"""Crypto-shredding against a real PostgreSQL: a destroyed key makes every copy unreadable."""

from __future__ import annotations

import asyncio

import pytest
from kit_helpers import headcount

from kit.crypto import KeyRing, generate_master_key, open_field
from kit.projection import Inline
from kit.store import Batch, EventStore, VersionConflict, insert_many, inserts
from profset_testing.counting import LEDGER


async def opened(ring: KeyRing, conn, person_id: str, token: str) -> str | None:  # type: ignore[no-untyped-def]
    """The field as a read model opens it: with the person's live key, if any."""
    return open_field((await ring.keys(conn, [person_id])).get(person_id), person_id, token)


async def test_a_field_is_readable_until_its_owner_is_erased(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    async with engine.begin() as conn:
        sealed = await ring.encrypt(conn, "person-1", "Иванов Иван Иванович")
        other = await ring.encrypt(conn, "person-2", "Петрова Анна")
    assert "Иванов" not in sealed
    async with engine.begin() as conn:
        assert await opened(ring, conn, "person-1", sealed) == "Иванов Иван Иванович"
        assert await opened(ring, conn, "person-2", sealed) is None, "a field is bound to its owner"
        await ring.destroy(conn, "person-1")
    async with engine.begin() as conn:
        assert await opened(ring, conn, "person-1", sealed) is None
        assert await opened(ring, conn, "person-2", other) == "Петрова Анна"
        with pytest.raises(ValueError, match="erased"):
            await ring.encrypt(conn, "person-1", "again")


async def test_keys_are_useless_without_the_master_key(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        sealed = await KeyRing(LEDGER, generate_master_key()).encrypt(conn, "p", "secret")
    async with engine.begin() as conn:
        with pytest.raises(Exception):  # noqa: B017 - the wrapped key does not open under another master key
            await opened(KeyRing(LEDGER, generate_master_key()), conn, "p", sealed)


async def test_sealing_several_people_keeps_the_key_first_made_when_two_race_for_it(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    async with engine.begin() as conn:
        known = await ring.seal_many(conn, {"p1": {"name": "Первый"}, "p3": {"name": "Третий"}, "p4": {"name": "Четвёртый"}})
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await second.begin()
        won = await ring.seal_many(first, {"p1": {"name": "Первый"}, "p2": {"name": "Второй", "post": None}})
        # the second sees no key for p2 either, and waits on the first's row until it commits
        racing = asyncio.create_task(ring.seal_many(second, {"p2": {"name": "Второй"}}))
        await asyncio.sleep(0.3)
        await first.commit()
        lost = await racing
        await second.commit()
    assert won["p2"]["post"] is None
    async with engine.begin() as conn:
        keys = await ring.keys(conn, ["p1", "p2"])
        assert open_field((await ring.keys(conn, ["p4"]))["p4"], "p4", known["p4"]["name"] or "") == "Четвёртый"
    assert open_field(keys["p1"], "p1", known["p1"]["name"] or "") == "Первый"
    assert open_field(keys["p1"], "p1", won["p1"]["name"] or "") == "Первый", "a known key is used again"
    assert open_field(keys["p2"], "p2", won["p2"]["name"] or "") == "Второй"
    assert open_field(keys["p2"], "p2", lost["p2"]["name"] or "") == "Второй", "the race's loser sealed with the kept key"


async def test_a_key_made_with_an_append_is_kept_only_with_its_events_and_never_replaces_one(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    seen_by_read_model: list[bytes | None] = []

    async def reads_the_key(conn, recorded) -> None:  # type: ignore[no-untyped-def]
        key = (await ring.keys(conn, ["p1"])).get("p1")
        seen_by_read_model.extend(key for _ in recorded)

    store = EventStore(engine, LEDGER, "registry", inline=[reads_the_key])
    sealed, keep = ring.sealed_anew("p1", {"name": "Первый", "post": None})
    await store.append_batch([Batch("person-p1", [headcount("o", 1)], 0)], also=keep)
    stale, keep_stale = ring.sealed_anew("p1", {"name": "Чужой"})
    with pytest.raises(Exception):  # noqa: B017 - the key row exists: the write, and the append, fail
        await store.append_batch([Batch("person-p1b", [headcount("o", 2)], 0)], also=keep_stale)
    _, keep_lost = ring.sealed_anew("p2", {"name": "Второй"})
    with pytest.raises(VersionConflict):
        await store.append_batch([Batch("person-p1", [headcount("o", 3)], 0)], also=keep_lost)
    async with engine.connect() as conn:
        keys = await ring.keys(conn, ["p1", "p2"])
        events = (await conn.exec_driver_sql("SELECT count(*) FROM kit_test.events")).scalar_one()
    assert sealed["post"] is None and open_field(keys["p1"], "p1", sealed["name"] or "") == "Первый"
    assert open_field(keys["p1"], "p1", stale["name"] or "") is None, "the first key stands"
    assert "p2" not in keys and events == 1, "a failed append keeps neither its events nor its key"
    assert seen_by_read_model == [keys["p1"]], "a read model of the same append reads the new key"


async def test_keys_made_with_concurrent_appends_go_together_and_a_duplicate_fails_only_its_own(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    store = EventStore(engine, LEDGER, "registry")
    _, keep = ring.sealed_anew("p0", {"name": "Нулевой"})
    await store.append_batch([Batch("person-p0", [headcount("o", 1)], 0)], also=keep)
    statements: list[int] = []  # rows a key insert carried

    async def counted(conn, table, rows) -> None:  # type: ignore[no-untyped-def]
        statements.append(len(rows))
        await insert_many(conn, table, rows)

    monkeypatch.setattr(inserts, "insert_many", counted)
    made = {f"p{i}": ring.sealed_anew(f"p{i}", {"name": f"Человек {i}"}) for i in range(6)}  # p0 has a key already
    appends = [store.append_batch([Batch(f"new-{pid}", [headcount("o", 1)], 0)], also=k) for pid, (_, k) in made.items()]
    outcomes = await asyncio.gather(*appends, return_exceptions=True)
    assert isinstance(outcomes[0], Exception) and not any(isinstance(o, Exception) for o in outcomes[1:])
    async with engine.connect() as conn:
        keys = await ring.keys(conn, list(made)[1:])
        events = (await conn.exec_driver_sql("SELECT count(*) FROM kit_test.events")).scalar_one()
    assert events == 6, "the duplicate's append alone failed"
    assert statements and max(statements) > 1, "a group's keys were inserted in one statement"
    for pid, (sealed, _) in list(made.items())[1:]:
        assert open_field(keys[pid], pid, sealed["name"] or "") == f"Человек {pid[1:]}"


def test_a_key_made_here_is_handed_to_one_read_model_once_and_not_when_made_twice() -> None:
    ring = KeyRing(LEDGER, generate_master_key(), remember=2)
    sealed, _ = ring.sealed_anew("p1", {"name": "Первый"})
    assert ring.made("p1") and not ring.made("p2")
    taken = ring.take_made(["p1", "p2"])
    assert list(taken) == ["p1"] and open_field(taken["p1"], "p1", sealed["name"] or "") == "Первый"
    assert ring.take_made(["p1"]) == {} and not ring.made("p1"), "handed out once: a second reader reads the table"
    ring.sealed_anew("p2", {"name": "Второй"})
    ring.sealed_anew("p2", {"name": "Чужой"})
    assert not ring.made("p2"), "two keys made for one person: only the table knows which was kept"
    for pid in ("p3", "p4", "p5"):
        ring.sealed_anew(pid, {"name": pid})
    assert [ring.made(p) for p in ("p3", "p4", "p5")] == [False, True, True], "keys of appends that failed age out"


async def test_a_read_model_that_took_a_made_key_on_a_failed_guess_reads_it_back_on_the_next_try(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    given: list[bytes | None] = []

    async def people(conn, recorded) -> None:  # type: ignore[no-untyped-def]
        if any(r.stream_id == "person-p1" for r in recorded):
            given.append((ring.take_made(["p1"]) or await ring.keys(conn, ["p1"])).get("p1"))

    # as the registry's people read model: pipelined while the keys were made here
    store = EventStore(engine, LEDGER, "registry", inline=[Inline(people, reads=lambda _: not ring.made("p1"))])
    await store.append("warm", [headcount("o", 1)], expected_version=0)
    await EventStore(engine, LEDGER, "registry").append("other", [headcount("o", 1)], expected_version=0)
    sealed, keep = ring.sealed_anew("p1", {"name": "Первый"})
    await store.append_batch([Batch("person-p1", [headcount("o", 1)], 0)], also=keep)  # foreseen, refused, checked
    async with engine.connect() as conn:
        kept = (await ring.keys(conn, ["p1"]))["p1"]
    # the guess took the made key if its read model ran before the guard's refusal came back; the checked write then
    # read the one its `also` kept
    assert given in ([kept], [kept, kept]), "the read model was given the key that was kept, however often it ran"
    assert open_field(kept, "p1", sealed["name"] or "") == "Первый"


async def test_a_read_model_that_took_a_made_key_in_a_failed_group_reads_it_back_when_written_again(engine) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(LEDGER, generate_master_key())
    given: list[bytes | None] = []

    async def people(conn, recorded) -> None:  # type: ignore[no-untyped-def]
        if any(r.stream_id == "person-p1" for r in recorded):
            given.append((ring.take_made(["p1"]) or await ring.keys(conn, ["p1"])).get("p1"))

    # as the registry's people read model: pipelined while the keys were made here
    store = EventStore(engine, LEDGER, "registry", inline=[Inline(people, reads=lambda _: not ring.made("p1"))])
    _, first = ring.sealed_anew("p0", {"name": "Нулевой"})
    await store.append_batch([Batch("person-p0", [headcount("o", 1)], 0)], also=first)
    sealed, keep = ring.sealed_anew("p1", {"name": "Первый"})
    _, duplicate = ring.sealed_anew("p0", {"name": "Чужой"})  # p0 has a key: this group's key insert fails
    outcomes = await asyncio.gather(
        store.append_batch([Batch("person-p1", [headcount("o", 1)], 0)], also=keep),
        store.append_batch([Batch("again-p0", [headcount("o", 1)], 0)], also=duplicate),
        return_exceptions=True,
    )
    assert not isinstance(outcomes[0], Exception) and isinstance(outcomes[1], Exception), "written again one by one"
    async with engine.connect() as conn:
        kept = (await ring.keys(conn, ["p1"]))["p1"]
    assert given == [kept, kept], "the group took the made key; its append, written again, read the one its `also` kept"
    assert open_field(kept, "p1", sealed["name"] or "") == "Первый"
