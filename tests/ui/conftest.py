"""Browser tests' fixtures: the test stack's gateway served on a real port, Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from profset_testing import ADMIN_PASSWORD, Stack, serving
from profset_testing.api import register
from profset_testing.ui import ARTIFACTS, PASSWORD, Union

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--lang=ru-RU",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
async def union(stack: Stack) -> Union:
    """The orgs, headcounts and users the browser tests work with."""
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc = await register(stack, h, name="ЦК Судпроф", level="central", registered_on="1990-01-01")
    orgs = {"cc": cc}
    for key, name, parent in (("t1", "Северо-Западная организация", "cc"), ("t2", "Дальневосточная организация", "cc")):
        orgs[key] = await register(
            stack, h, name=name, level="territorial", parent_id=orgs[parent]["id"], registered_on="1991-01-01"
        )
    for key, name, parent, members in (
        ("p1", "ППО Невской верфи", "t1", 2100),
        ("p2", "ППО Ладожского завода", "t1", 480),
        ("p3", "ППО Амурской верфи", "t2", 951),
    ):
        orgs[key] = await register(stack, h, name=name, level="primary", parent_id=orgs[parent]["id"], registered_on="1995-01-01")
        reply = await stack.http.post(
            f"/api/v1/orgs/{orgs[key]['id']}/headcount", json={"members": members, "as_of": "2020-01-01"}, headers=h
        )
        assert reply.status_code == 201, reply.text
    for username, role, org in (
        ("staff.p1", "staff", "p1"),
        ("staff.t1", "staff", "t1"),
        ("staff.cc", "staff", "cc"),
        ("viewer.t2", "viewer", "t2"),
        ("auditor.cc", "auditor", "cc"),
    ):
        body = {"username": username, "password": PASSWORD, "role": role, "org_id": orgs[org]["id"]}
        reply = await stack.http.post("/api/v1/users", json=body, headers=h)
        assert reply.status_code == 201, reply.text
    return Union(h, orgs)


@pytest.fixture
async def site(stack: Stack) -> AsyncIterator[str]:
    """The stack's gateway (already started) on a real TCP port of this machine, in this event loop."""
    async with serving(stack.app) as url:
        yield url


@pytest.fixture
async def browser(site: str) -> AsyncIterator[Any]:
    """Headless Debian Chromium (make test installs it); closed before the site stops."""
    from playwright.async_api import async_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs it (apt-get install chromium)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()
