"""Passwords (issue 27): an owner changes their own, an administrator resets one, and where the deployment requires
it (GATEWAY_PASSWORD_CHANGE_REQUIRED) a password someone else chose, the bootstrap admin's first, must be changed
at first sign-in, on the API and in the UI."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sign_in_helpers import OWNER, api_sign_in, client, gateways, ui_sign_in

from kit import clock
from kit.tokens import Actor, Role, Signer
from profset.seed import AdminMustChoose, seed_if_empty
from profset_testing import ADMIN_PASSWORD, Keys, serving

NEW = "my-own-new-password"


async def _change(http: httpx.AsyncClient, password: str, new: str, username: str = "admin") -> httpx.Response:
    return await http.post("/api/v1/auth/password", data={"username": username, "password": password, "new_password": new})


def _bearer(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def test_an_owner_changes_their_password(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http:
        short = await _change(http, ADMIN_PASSWORD, "short")
        same = await _change(http, ADMIN_PASSWORD, ADMIN_PASSWORD)
        wrong = await _change(http, "not-the-password", NEW)
        changed = await _change(http, ADMIN_PASSWORD, NEW)
        old = await api_sign_in(http, ADMIN_PASSWORD)
        new = await api_sign_in(http, NEW)
    assert short.status_code == 422 and short.json()["error"]["details"][0]["field"] == "new_password"
    assert same.status_code == 422 and same.json()["error"]["details"][0]["rule"] == "unchanged"
    assert wrong.status_code == 401
    assert changed.status_code == 200 and changed.json()["access_token"]
    assert old.status_code == 401 and new.status_code == 200


async def test_an_admin_resets_a_password_and_only_an_admin(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http:
        admin = _bearer(await api_sign_in(http, ADMIN_PASSWORD))
        body = {"username": "second.admin", "password": "first-password", "role": "admin"}
        assert (await http.post("/api/v1/users", json=body, headers=admin)).status_code == 201
        other = _bearer(await api_sign_in(http, "first-password", "second.admin"))
        reset = await http.put("/api/v1/users/second.admin/password", json={"password": "reset-password"}, headers=admin)
        unknown = await http.put("/api/v1/users/nobody.here/password", json={"password": "reset-password"}, headers=admin)
        short = await http.put("/api/v1/users/second.admin/password", json={"password": "short"}, headers=admin)
        after = await api_sign_in(http, "reset-password", "second.admin")
        staff = {"Authorization": f"Bearer {keys.token(Role.STAFF, 'some-org', 'staff.x')}"}
        by_staff = [
            await http.put(f"/api/v1/users/{name}/password", json={"password": "hijacked-password"}, headers=staff)
            for name in ("admin", "nobody.here")
        ]
    assert reset.status_code == 204, reset.text
    assert after.status_code == 200, "the reset password signs in"
    assert unknown.status_code == 404 and unknown.json()["error"]["details"][0]["field"] == "username"
    assert short.status_code == 422 and short.json()["error"]["details"][0]["field"] == "password"
    assert other  # the second admin had signed in with the first password
    assert [r.status_code for r in by_staff] == [403, 403], [r.text for r in by_staff]
    assert by_staff[0].json() == by_staff[1].json(), "a refused caller learns nothing of which accounts exist"


async def test_the_bootstrap_password_must_be_changed_where_required(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with (
        gateways(database_url, nats_server, keys, password_change_required=True) as (app,),
        client(app, OWNER) as http,
    ):
        refused = await api_sign_in(http, ADMIN_PASSWORD)
        page = await ui_sign_in(http, ADMIN_PASSWORD)
        form = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert form
        body = {"username": "admin", "password": ADMIN_PASSWORD, "new_password": NEW, "login_token": form.group(1)}
        chosen = await http.post("/ui/login", data={**body, "next": "/ui/"})
        admin = _bearer(await api_sign_in(http, NEW))
        created = {"username": "new.admin", "password": "chosen-by-admin", "role": "admin"}
        assert (await http.post("/api/v1/users", json=created, headers=admin)).status_code == 201
        newcomer = await api_sign_in(http, "chosen-by-admin", "new.admin")
        own = await _change(http, "chosen-by-admin", "chosen-by-myself", "new.admin")
        again = await api_sign_in(http, "chosen-by-myself", "new.admin")
    assert refused.status_code == 403
    assert refused.json()["error"]["details"][0]["field"] == "new_password"
    assert refused.json()["error"]["details"][0]["rule"] == "change_required"
    assert page.status_code == 403 and 'name="new_password"' in page.text and "придумайте свой" in page.text
    assert chosen.status_code == 303 and "profset_session" in chosen.headers["set-cookie"], "signed in with the new one"
    assert newcomer.status_code == 403, "a password an administrator chose is changed by its owner first"
    assert own.status_code == 200 and again.status_code == 200


async def test_the_demo_seed_says_the_admin_must_choose_first(database_url: str, nats_server: Any, keys: Keys) -> None:
    """compose's seed signs in as the bootstrap admin, which the gateway refuses there: a clear word, not a traceback."""
    async with gateways(database_url, nats_server, keys, password_change_required=True) as (app,), serving(app) as url:
        with pytest.raises(AdminMustChoose, match="PROFSET_ADMIN_PASSWORD"):
            await asyncio.to_thread(seed_if_empty, url, ADMIN_PASSWORD)


async def test_without_the_setting_the_bootstrap_password_signs_in(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http:
        assert (await api_sign_in(http, ADMIN_PASSWORD)).status_code == 200, "the local stack and the tests as before"


async def test_a_signed_in_user_changes_their_password_in_the_ui(database_url: str, nats_server: Any, keys: Keys) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http:
        assert (await ui_sign_in(http, ADMIN_PASSWORD)).status_code == 303
        page = await http.get("/ui/password")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and csrf
        wrong = await http.post("/ui/password", data={"_csrf": csrf.group(1), "password": "wrong-one", "new_password": NEW})
        short = await http.post("/ui/password", data={"_csrf": csrf.group(1), "password": ADMIN_PASSWORD, "new_password": "x"})
        forged = await http.post("/ui/password", data={"password": ADMIN_PASSWORD, "new_password": NEW})
        done = await http.post("/ui/password", data={"_csrf": csrf.group(1), "password": ADMIN_PASSWORD, "new_password": NEW})
        shown = await http.get(done.headers["location"])
        signs_in = await api_sign_in(http, NEW)
    assert wrong.status_code == 401 and "Неверное имя пользователя или пароль" in wrong.text
    assert short.status_code == 422 and 'id="new_password-error"' in short.text
    assert forged.status_code == 403, "the form needs the session's CSRF token"
    assert done.status_code == 303 and "Пароль изменён" in shown.text
    assert signs_in.status_code == 200


async def test_a_changed_password_signs_every_earlier_session_out(database_url: str, nats_server: Any, keys: Keys) -> None:
    """A token lifted before a change (or a reset) stops serving at once, not when it expires hours later."""
    minute_ago = clock.now() - timedelta(minutes=1)
    earlier = {"Authorization": f"Bearer {Signer(keys.private).sign(Actor('admin', Role.ADMIN, None), minute_ago, 3600)}"}
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http:
        before = await http.get("/api/v1/me", headers=earlier)
        fresh = _bearer(await _change(http, ADMIN_PASSWORD, NEW))
        after = await http.get("/api/v1/me", headers=earlier)
        with_fresh = await http.get("/api/v1/me", headers=fresh)
        reset = await http.put("/api/v1/users/admin/password", json={"password": "reset-by-itself"}, headers=fresh)
    assert before.status_code == 200 and with_fresh.status_code == 200
    assert after.status_code == 401 and after.json()["error"]["details"][0]["rule"] == "token_revoked"
    assert reset.status_code == 204


async def test_the_ui_session_that_changed_the_password_stays_and_others_end(
    database_url: str, nats_server: Any, keys: Keys
) -> None:
    async with gateways(database_url, nats_server, keys) as (app,), client(app, OWNER) as http, client(app, OWNER) as other:
        session = {
            "profset_session": Signer(keys.private).sign(
                Actor("admin", Role.ADMIN, None), clock.now() - timedelta(minutes=1), 3600
            )
        }
        http.cookies.update(session)
        other.cookies.update(session)
        page = await http.get("/ui/password")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert csrf
        done = await http.post("/ui/password", data={"_csrf": csrf.group(1), "password": ADMIN_PASSWORD, "new_password": NEW})
        still = await http.get("/ui/password")
        ended = await other.get("/ui/password")
    assert done.status_code == 303
    assert still.status_code == 200, "the session that changed it got a fresh cookie"
    assert ended.status_code == 303 and ended.headers["location"].startswith("/ui/login"), "another session ends"
