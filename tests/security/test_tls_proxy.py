"""compose's TLS proxy (deploy/caddy/Caddyfile, run by Debian's Caddy) in front of a real gateway: a browser on
another machine signs in over HTTPS, the Secure session cookie travels back, plain HTTP is sent to HTTPS, and the
certificate verifies against the proxy's own authority."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sign_in_helpers import gateways

from profset.servers import free_port
from profset_testing import ADMIN_PASSWORD, Keys, eventually, serving

CADDYFILE = Path(__file__).resolve().parents[2] / "deploy/caddy/Caddyfile"
CADDY = "/usr/bin/caddy"  # Debian's package, installed by `make test` as Chromium is


@asynccontextmanager
async def proxy(upstream: str, home: Path) -> AsyncIterator[tuple[str, str, Path]]:
    """Caddy with the project's Caddyfile on free ports; the HTTPS and HTTP bases and its local authority's root."""
    https, http = free_port(), free_port()
    env = os.environ | {
        "PROFSET_SITE": "localhost",
        "PROFSET_UPSTREAM": upstream.removeprefix("http://"),
        "PROFSET_HTTPS_PORT": str(https),
        "PROFSET_HTTP_PORT": str(http),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    log = (home / "caddy.log").open("w")
    caddy = subprocess.Popen(
        [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env=env, stdout=log, stderr=log
    )
    root = home / "data/caddy/pki/authorities/local/root.crt"
    try:
        await eventually(lambda: asyncio.sleep(0, root.exists()), timeout=30)
        yield f"https://localhost:{https}", f"http://localhost:{http}", root
    finally:
        caddy.terminate()
        caddy.wait(10)
        log.close()


async def test_a_browser_elsewhere_signs_in_through_the_proxy(
    database_url: str, nats_server: Any, keys: Keys, tmp_path: Path
) -> None:
    async with (
        gateways(database_url, nats_server, keys, trusted_proxies="127.0.0.1") as (app,),
        serving(app) as upstream,
        proxy(upstream, tmp_path) as (https, http, root),
    ):
        trusted = ssl.create_default_context(cafile=str(root))
        async with httpx.AsyncClient(base_url=https, verify=trusted, timeout=30) as browser:
            form = await eventually(lambda: _login_form(browser))
            token = re.search(r'name="login_token" value="([^"]+)"', form.text)
            assert token, form.text
            body = {"username": "admin", "password": ADMIN_PASSWORD, "login_token": token.group(1), "next": "/ui/"}
            signed_in = await browser.post("/ui/login", data=body)
            home = await browser.get("/ui/")
            own_page = await browser.get("/ui/password")
        async with httpx.AsyncClient(timeout=30) as plain:
            redirected = await plain.get(f"{http}/ui/login")
        async with httpx.AsyncClient(base_url=https, timeout=30) as untrusting:
            try:
                await untrusting.get("/ui/login")
                verified_without_the_root = True
            except httpx.ConnectError:
                verified_without_the_root = False
    assert signed_in.status_code == 303, signed_in.text
    cookie = signed_in.headers["set-cookie"]
    assert "profset_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert home.headers["location"] == "/ui/tree", "the Secure cookie came back over HTTPS: signed in, not sent to log in"
    assert own_page.status_code == 200 and 'action="/ui/logout"' in own_page.text
    assert own_page.headers["strict-transport-security"].startswith("max-age=")
    assert redirected.status_code in (301, 308) and redirected.headers["location"].startswith("https://")
    assert not verified_without_the_root, "the certificate is the proxy's own authority's, not a public one"


async def _login_form(browser: httpx.AsyncClient) -> httpx.Response | None:
    """The login page once the proxy has its certificate and answers (the first handshake may come too early)."""
    try:
        page = await browser.get("/ui/login")
    except httpx.TransportError:
        return None
    return page if page.status_code == 200 else None
