"""Sign-in is rate-limited: after five wrong passwords from one address even the right one answers 429 there for a
while (test_sign_in_throttle.py shows the owner still gets in from elsewhere, and the rest of issue 27); and
a burst of sign-ins checks only a few passwords at a time, each check holding 64 MiB."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from argon2 import PasswordHasher

from gateway import accounts
from profset_testing import ADMIN_PASSWORD, Keys
from profset_testing.faults import mini_stack, record


class Overlapping(PasswordHasher):
    """The real hasher, counting how many checks run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = self.most = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


async def test_guessing_a_password_is_stopped_with_429(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with mini_stack(database_url, nats_server, keys) as mini:
        answers = []
        for i in range(8):
            reply = await mini.http.post("/api/v1/auth/token", data={"username": "admin", "password": f"guess-{i}"})
            answers.append(reply.status_code)
        right = await mini.http.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        other = await mini.http.post("/api/v1/auth/token", data={"username": "someone", "password": "guess"})
    record("login_rate_limit", attempts=len(answers) + 1, refused_429=answers.count(429) + (right.status_code == 429))
    assert answers == [401] * 5 + [429] * 3
    assert right.status_code == 429 and right.json()["error"]["details"][0]["field"] == "username"
    assert ADMIN_PASSWORD not in right.text and "guess" not in right.text
    assert other.status_code == 429, "the guessing address is held back whichever username it tries next"
    assert int(right.headers["Retry-After"]) >= 1


async def test_every_answer_carries_the_security_headers(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with mini_stack(database_url, nats_server, keys) as mini:
        answers = [
            await mini.http.get("/healthz"),
            await mini.http.get("/api/v1/me", headers=mini.headers),
            await mini.http.get("/api/v1/me"),  # a refusal too
            await mini.http.get("/api/v1/no-such-route"),
        ]
        login = await mini.http.get("/ui/login")
    policy = login.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert all("Content-Security-Policy" not in reply.headers for reply in answers), "the API's own pages keep theirs"
    for reply in answers:
        assert reply.headers["X-Content-Type-Options"] == "nosniff", reply.url
        assert reply.headers["X-Frame-Options"] == "DENY" and reply.headers["Referrer-Policy"] == "no-referrer"


async def test_a_burst_of_sign_ins_checks_two_passwords_at_a_time(
    database_url: str, nats_server: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = Overlapping()
    monkeypatch.setattr(accounts, "HASHER", hasher)
    async with mini_stack(database_url, nats_server, keys) as mini:
        burst = [
            mini.http.post("/api/v1/auth/token", data={"username": name, "password": ADMIN_PASSWORD})
            for name in ["admin"] * 6 + ["nobody"] * 4  # an unknown name is checked against a decoy, as slowly
        ]
        answers = [reply.status_code for reply in await asyncio.gather(*burst)]
    assert sorted(answers) == [200] * 6 + [401] * 4
    assert hasher.most == 2, f"{hasher.most} checks at once (GATEWAY_PASSWORD_HASHES_AT_ONCE is 2)"
