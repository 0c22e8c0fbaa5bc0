"""Oversized bodies and attachments are refused with 413 naming the limit, never a 5xx; one at the limit goes through."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from gateway.api.exchange import UPLOAD_LIMIT
from profset_testing import Stack
from profset_testing.api import union
from profset_testing.faults import record


async def test_an_attachment_over_the_limit_is_413_and_one_at_the_limit_is_kept(stack: Stack) -> None:
    h, cc, _, _ = await union(stack)
    draft = {"org_id": cc["id"], "title": "С вложением", "body": "Текст", "kind": "news"}
    material = await stack.http.post("/api/v1/materials", json=draft, headers=h)
    assert material.status_code == 201, material.text
    path = f"/api/v1/materials/{material.json()['id']}/attachments"
    big = await stack.http.post(path, files={"file": ("big.bin", b"x" * (UPLOAD_LIMIT + 1))}, headers=h)
    assert big.status_code == 413 and big.json()["error"]["details"][0]["field"] == "file", big.text
    over_exchange = await stack.http.post(path, files={"file": ("five.bin", b"z" * (5 * 1024 * 1024 + 1))}, headers=h)
    assert over_exchange.status_code == 413, over_exchange.text  # the exchange's own limit (5 MiB by default)
    fits = await stack.http.post(path, files={"file": ("fits.bin", b"y" * (5 * 1024 * 1024))}, headers=h)
    assert fits.status_code == 201, fits.text


def _names_the_limit(answer: Any, limit: int) -> None:
    assert answer.status_code == 413, (answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert error["code"] == "too_large" and str(limit) in error["message"], error
    assert error["details"] == [{"field": "body", "rule": "max_body_bytes", "message": error["message"]}], error


async def test_a_json_body_over_the_limit_is_413_before_it_is_read_whether_its_length_is_declared_or_not(
    stack: Stack,
) -> None:
    h, cc, _, _ = await union(stack)
    limit = stack.app.state.gateway.settings.max_body_bytes
    draft = json.dumps({"org_id": cc["id"], "title": "Длинный", "body": "Текст", "kind": "news"}).encode()
    headers = {**h, "Content-Type": "application/json"}

    at_limit = draft + b" " * (limit - len(draft))  # JSON allows trailing whitespace: exactly the limit, and valid
    fits = await stack.http.post("/api/v1/materials", content=at_limit, headers=headers)
    assert fits.status_code == 201, fits.text

    declared = await stack.http.post("/api/v1/materials", content=at_limit + b" ", headers=headers)
    _names_the_limit(declared, limit)

    chunk, pulled = b" " * 65536, 0

    async def endless() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked, 64 MiB if all were read
        nonlocal pulled
        yield draft
        for _ in range(1024):
            pulled += 1
            yield chunk

    streamed = await stack.http.post("/api/v1/materials", content=endless(), headers=headers)
    _names_the_limit(streamed, limit)
    read_at_most = limit // len(chunk) + 1
    assert pulled <= read_at_most, f"{pulled} chunks read, but the limit is passed by chunk {read_at_most}"

    small_chunked = await stack.http.post("/api/v1/materials", content=_chunks(draft), headers=headers)
    assert small_chunked.status_code == 201, small_chunked.text
    record("oversized_json", bodies=4, over_limit=2, refused_413=2, chunks_read=pulled, chunks_sent_max=1024, limit=limit)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 7):
        yield data[i : i + 7]


async def test_an_upload_far_over_the_limit_is_413_from_its_declared_length(stack: Stack) -> None:
    h, cc, _, _ = await union(stack)
    draft = {"org_id": cc["id"], "title": "С вложением", "body": "Текст", "kind": "news"}
    material = await stack.http.post("/api/v1/materials", json=draft, headers=h)
    path = f"/api/v1/materials/{material.json()['id']}/attachments"
    huge = await stack.http.post(path, files={"file": ("huge.bin", b"x" * (UPLOAD_LIMIT * 2))}, headers=h)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large", huge.text[:300]
