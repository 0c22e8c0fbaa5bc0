"""Sign-in is rate-limited per username: after five wrong passwords even the right one answers 429 for a while."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "faults"))
from faultkit import mini_stack, record

from profset.testing import ADMIN_PASSWORD, Keys


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
    assert other.status_code == 401, "another username is not held back by this one's failures"


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
