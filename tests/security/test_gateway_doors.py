"""The gateway's smaller doors (issue 27): account creation that reveals nothing to those who may not create, cookie
writes that need the UI's CSRF token, CSV exports that a spreadsheet cannot run, /metrics off the public port."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from profset_testing import ADMIN_PASSWORD, Stack, eventually

PASSWORD = "a long password"


async def _union(stack: Stack) -> tuple[dict[str, str], dict[str, Any]]:
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc = await stack.http.post("/api/v1/orgs", json={"name": "ЦК", "level": "central", "registered_on": "1990-01-01"}, headers=h)
    body = {"name": "Северная", "level": "territorial", "parent_id": cc.json()["id"], "registered_on": "1991-01-01"}
    t = await stack.http.post("/api/v1/orgs", json=body, headers=h)
    assert t.status_code == 201, t.text
    return h, t.json()


async def _user(stack: Stack, h: dict[str, str], username: str, role: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": role, "org_id": org_id}
    created = await stack.http.post("/api/v1/users", json=body, headers=h)
    assert created.status_code == 201, created.text
    return await stack.login(username, PASSWORD)


async def test_creating_a_user_tells_a_taken_name_only_to_a_creator(stack: Stack) -> None:
    h, t = await _union(stack)
    viewer = await _user(stack, h, "viewer.t", "viewer", t["id"])
    auditor = await _user(stack, h, "auditor.t", "auditor", t["id"])
    staff = await _user(stack, h, "staff.t", "staff", t["id"])
    for who in (viewer, auditor):
        answers = []
        for name in ("staff.t", "free.name"):  # one taken, one free: the same refusal
            body = {"username": name, "password": PASSWORD, "role": "viewer", "org_id": t["id"]}
            reply = await stack.http.post("/api/v1/users", json=body, headers=who)
            answers.append((reply.status_code, reply.json()["error"]["message"]))
        assert answers[0] == answers[1] and answers[0][0] == 403, answers
    escalate = {"username": "admin", "password": PASSWORD, "role": "admin"}
    assert (await stack.http.post("/api/v1/users", json=escalate, headers=staff)).status_code == 403, "not a 409 either"
    body = {"username": "viewer.t", "password": PASSWORD, "role": "viewer", "org_id": t["id"]}
    taken = await stack.http.post("/api/v1/users", json=body, headers=staff)
    assert taken.status_code == 409
    assert taken.json()["error"]["details"][0]["field"] == "username"
    assert taken.json()["error"]["details"][0]["rule"] == "taken"


async def test_a_contact_base_export_cannot_run_a_formula(stack: Stack) -> None:
    h, t = await _union(stack)
    body = {"name": "ППО верфи", "level": "primary", "parent_id": t["id"], "registered_on": "1995-01-01"}
    p = (await stack.http.post("/api/v1/orgs", json=body, headers=h)).json()
    chair = await stack.http.post(f"/api/v1/orgs/{p['id']}/officers", json={"full_name": "Пётр", "role": "chair"}, headers=h)
    assert chair.status_code == 201, chair.text
    wait = {**h, "Profset-Min-Positions": chair.headers["Profset-Positions"]}
    consent = {"given_at": "2026-01-01", "method": "electronic"}  # a messenger is personal: shown only with consent
    for kind, value in (("work_email", "=1+2@verf.ru"), ("messenger", "@evil_handle")):
        body = {"kind": kind, "value": value, "consent": consent}
        added = await stack.http.post(f"/api/v1/people/{chair.json()['person_id']}/contact-points", json=body, headers=wait)
        assert added.status_code == 201, added.text
    submitted = await stack.http.post(f"/api/v1/orgs/{p['id']}/contact-base/submissions", json={}, headers=h)
    assert submitted.status_code == 201, submitted.text
    export = await stack.http.get(f"/api/v1/contact-base/submissions/{submitted.json()['id']}/export.csv", headers=h)
    values = {line.split(",")[3] for line in export.text.splitlines()[1:]}
    assert values == {"'=1+2@verf.ru", "'@evil_handle"}, export.text


def test_every_cell_that_starts_a_formula_is_written_as_text() -> None:
    from gateway.csvcells import table

    rows = [("=SUM(A1)", "+cmd", "-2+3", "@x", "\tTAB", "\rCR", "-12.5", "+7911", "ok", None, 3)]
    assert table(("a",) * 11, rows).split("\r\n")[1] == "'=SUM(A1),'+cmd,'-2+3,'@x,'\tTAB,\"'\rCR\",-12.5,+7911,ok,,3"


async def test_an_api_write_by_the_session_cookie_needs_the_csrf_token(stack: Stack) -> None:
    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as browser:
        form = await browser.get("/ui/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token
        body = {"username": "admin", "password": ADMIN_PASSWORD, "login_token": token.group(1), "next": "/ui/"}
        assert (await browser.post("/ui/login", data=body)).status_code == 303
        org = {"name": "ЦК", "level": "central", "registered_on": "1990-01-01"}
        forged = await browser.post("/api/v1/orgs", json=org)
        empty_bearer = await browser.post("/api/v1/orgs", json=org, headers={"Authorization": "Bearer  "})
        read = await browser.get("/api/v1/me")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', (await browser.get("/ui/users")).text)
        assert csrf
        wrong = await browser.post("/api/v1/orgs", json=org, headers={"X-CSRF-Token": "0" * 40})
        sent = await browser.post("/api/v1/orgs", json=org, headers={"X-CSRF-Token": csrf.group(1)})
    assert forged.status_code == 403 and forged.json()["error"]["details"][0] == {
        "field": "X-CSRF-Token",
        "rule": "csrf",
        "message": "an API write signed in by the UI's cookie needs the page's CSRF token; or use a bearer token",
    }
    assert empty_bearer.status_code == 403 and wrong.status_code == 403
    assert read.status_code == 200, "reading with the cookie needs no token"
    assert sent.status_code == 201, sent.text
    h = await stack.login("admin", ADMIN_PASSWORD)
    bearer = await stack.http.post("/api/v1/orgs", json={**org, "name": "ЦК 2"}, headers=h)
    assert bearer.status_code == 422, "a bearer write needs no CSRF token (refused here only by H1: one central)"


async def test_metrics_are_served_on_a_port_of_their_own(database_url: str, nats_server: Any, keys: Any) -> None:
    from gateway.config import GatewaySettings
    from gateway.main import serve, servers
    from profset.servers import free_port
    from profset_testing import service_settings

    shared = service_settings(database_url, nats_server.url, keys) | nats_server.login("gateway")
    settings = GatewaySettings(**shared, token_private_key=keys.private, port=free_port(), metrics_port=free_port())
    public, metrics = servers(settings)
    running = asyncio.create_task(serve(public, metrics))
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            await eventually(lambda: _answers(http, f"http://127.0.0.1:{settings.port}/healthz"))
            on_public = await http.get(f"http://127.0.0.1:{settings.port}/metrics")
            on_own = await http.get(f"http://127.0.0.1:{settings.metrics_port}/metrics")
    finally:
        public.should_exit = True
        await asyncio.wait_for(running, 20)
    assert on_public.status_code == 404, "the public port does not serve /metrics"
    assert on_own.status_code == 200 and "# TYPE" in on_own.text and "profset_" in on_own.text
    assert metrics.should_exit and not running.exception(), "stopping the gateway stops its metrics server"


async def _answers(http: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False
