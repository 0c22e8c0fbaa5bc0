"""Sign-in is throttled on every door (issue 27): the UI's and the API's share one limiter kept in PostgreSQL, so it
holds across gateway replicas; it counts per username and per address, backs off exponentially, and never locks the
owner out; a flood of sign-ins is refused with 503 and Retry-After instead of starving the gateway."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sign_in_helpers import GUESSER, OWNER, api_sign_in, client, gateways, ui_sign_in

from profset_testing import ADMIN_PASSWORD, Keys


async def test_a_guesser_is_held_back_and_the_owner_still_gets_in(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, GUESSER) as guesser, client(app, OWNER) as owner:
        guesses = [await api_sign_in(guesser, f"guess-{i}") for i in range(7)]
        right_from_guesser = await api_sign_in(guesser, ADMIN_PASSWORD)
        other_name = await api_sign_in(guesser, "guess", username="someone")
        right_from_owner = await api_sign_in(owner, ADMIN_PASSWORD)
    assert [r.status_code for r in guesses] == [401] * 5 + [429] * 2
    assert all(int(r.headers["Retry-After"]) >= 1 for r in guesses[5:])
    assert right_from_guesser.status_code == 429, "the guessing address waits even with the right password"
    assert right_from_guesser.json()["error"]["details"][0] == {
        "field": "username",
        "rule": "rate",
        "message": "too many failed sign-ins; try again later",
    }
    assert other_name.status_code == 429, "the address is held back for every username it tries"
    assert right_from_owner.status_code == 200, "five wrong passwords elsewhere do not lock the owner out"


async def test_the_throttle_holds_across_two_replicas(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with (
        gateways(database_url, nats_server, keys, n=2) as (one, two),
        client(one, GUESSER) as a,
        client(two, GUESSER) as b,
        client(two, OWNER) as owner,
    ):
        guesses = [await api_sign_in((a, b)[i % 2], f"guess-{i}") for i in range(5)]
        next_on_each = [await api_sign_in(a, "guess-5"), await api_sign_in(b, "guess-6")]
        owner_in = await api_sign_in(owner, ADMIN_PASSWORD)
    assert [r.status_code for r in guesses] == [401] * 5, "three guesses on one replica, two on the other"
    assert [r.status_code for r in next_on_each] == [429, 429], "each replica counts the other's failures"
    assert owner_in.status_code == 200


async def test_the_ui_and_the_api_share_one_count(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, GUESSER) as guesser, client(app, OWNER) as owner:
        pages = [await ui_sign_in(guesser, f"guess-{i}") for i in range(3)]
        calls = [await api_sign_in(guesser, f"guess-{i}") for i in range(3, 5)]
        held_page = await ui_sign_in(guesser, ADMIN_PASSWORD)
        held_call = await api_sign_in(guesser, ADMIN_PASSWORD)
        owner_page = await ui_sign_in(owner, ADMIN_PASSWORD)
    assert [r.status_code for r in pages + calls] == [401] * 5
    assert held_page.status_code == 429 and int(held_page.headers["Retry-After"]) >= 1
    assert "Слишком много неудачных попыток входа" in held_page.text
    assert held_call.status_code == 429
    assert owner_page.status_code == 303 and owner_page.headers["location"] == "/ui/", "the owner signs in from elsewhere"


async def test_each_failure_past_the_free_ones_doubles_the_wait(database_url: str, nats_server: Any, keys: Keys) -> None:
    fast = {"sign_in_free_failures": 2, "sign_in_first_wait_seconds": 1.0}
    waits = []
    async with gateways(database_url, nats_server, keys, **fast) as (app,), client(app, GUESSER) as guesser:
        assert (await api_sign_in(guesser, "guess-0")).status_code == 401
        for i in range(1, 4):
            assert (await api_sign_in(guesser, f"guess-{i}")).status_code == 401
            held = await api_sign_in(guesser, ADMIN_PASSWORD)
            assert held.status_code == 429
            waits.append(int(held.headers["Retry-After"]))
            await _until_let_through(guesser, waits[-1])
    assert waits == [1, 2, 4]


async def _until_let_through(http: httpx.AsyncClient, seconds: int) -> None:
    """Waits out a hold: the next check of a (wrong) password is let through after `seconds`, not before."""
    started = time.monotonic()
    await asyncio.sleep(seconds - 0.3)
    blocked = await http.post("/api/v1/auth/token", data={"username": "nobody-at-all", "password": "x"})
    assert blocked.status_code == 429, "still held just before the wait is over"
    await asyncio.sleep(max(0.0, seconds + 0.1 - (time.monotonic() - started)))


async def test_a_flood_of_sign_ins_is_refused_with_503_not_queued(database_url: str, nats_server: Any, keys: Keys) -> None:
    small = {"password_hashes_at_once": 1, "password_hashes_queued": 2}
    async with gateways(database_url, nats_server, keys, **small) as (app,), client(app, OWNER) as http:
        flood = asyncio.gather(*(api_sign_in(http, ADMIN_PASSWORD) for _ in range(12)))
        await asyncio.sleep(0.05)
        health = await http.get("/healthz")
        answers = await flood
    codes = sorted(r.status_code for r in answers)
    assert health.status_code == 200, "the gateway answers while the flood is refused"
    assert 200 in codes and 503 in codes and set(codes) <= {200, 503}, codes
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["Retry-After"] == "1" and busy.json()["error"]["code"] == "unavailable"


def test_the_policy_in_the_domain() -> None:
    from gateway.domain.throttle import Failures, Policy, address_key, after_failure, wait_before_check

    policy, now = Policy(free_failures=2, first_wait=10, longest_wait=60, forget_after=3600), datetime(2026, 1, 1, tzinfo=UTC)
    state = Failures()
    holds = []
    for _ in range(6):
        state = after_failure(state, now, policy)
        holds.append(state.held(now))
    assert holds == [0, 10, 20, 40, 60, 60]
    clean, failing = Failures(), Failures(1, now, None)
    assert wait_before_check(state, clean, now, policy) == 0, "a clean address is never held back by the username"
    assert wait_before_check(state, failing, now, policy) == 60
    assert after_failure(state, now + timedelta(hours=2), policy).count == 1, "old failures are forgotten"
    assert address_key("2001:db8:1:2:3:4:5:6") == address_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7" and address_key(None) == "unknown"


async def test_forgotten_failures_are_purged(database_url: str, nats_server: Any, keys: Keys) -> None:
    import psycopg

    long_ago = datetime.now(UTC) - timedelta(hours=3)
    async with gateways(database_url, nats_server, keys) as (app,), client(app, GUESSER) as guesser:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for i in range(30):  # made-up usernames of an old flood, their waits long over
                conn.execute(
                    "INSERT INTO gateway.sign_in_failures VALUES ('user', %s, 9, %s, %s)", (f"made-up-{i}", long_ago, long_ago)
                )
        app.state.gateway.accounts.throttle.PURGE_EVERY = 1  # purge at the next failure, not the fiftieth
        assert (await api_sign_in(guesser, "guess")).status_code == 401
        with psycopg.connect(database_url) as conn:
            left = conn.execute("SELECT kind, key, failures FROM gateway.sign_in_failures ORDER BY kind").fetchall()
    assert left == [("address", GUESSER, 1), ("user", "admin", 1)]
