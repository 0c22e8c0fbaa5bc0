"""Oversized attachments are refused with 413, never a 5xx; one at the limit goes through."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from test_orgs_api import union

from gateway.api.exchange import UPLOAD_LIMIT
from profset.testing import Stack


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
