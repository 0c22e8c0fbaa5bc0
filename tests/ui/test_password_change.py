"""In Chromium: a user changes their own password from any page, and where a password someone else chose must be
changed at first sign-in (GATEWAY_PASSWORD_CHANGE_REQUIRED), the sign-in page asks for a new one and signs in with it."""

from __future__ import annotations

from typing import Any

from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.ui import PASSWORD, Union, shot, sign_in

NEW = "a-password-of-my-own"
NEW_LABEL = "Новый пароль (не короче 10 символов)"


async def test_a_user_changes_their_password_from_the_menu(stack: Stack, union: Union, browser: Any, site: str) -> None:
    page = await sign_in(browser, site, "staff.p1")
    await page.get_by_role("link", name="Сменить пароль").click()
    await page.get_by_label("Текущий пароль").fill("not-my-password")
    await page.get_by_label(NEW_LABEL).fill(NEW)
    await page.get_by_role("button", name="Сменить пароль").click()
    assert await page.locator("#password-error").inner_text() == "Неверное имя пользователя или пароль."
    await page.get_by_label("Текущий пароль").fill(PASSWORD)
    await page.get_by_label(NEW_LABEL).fill("short")
    await page.get_by_role("button", name="Сменить пароль").click()
    assert await page.locator("#new_password-error").inner_text() == "Слишком коротко."
    await page.get_by_label("Текущий пароль").fill(PASSWORD)
    await page.get_by_label(NEW_LABEL).fill(NEW)
    await page.get_by_role("button", name="Сменить пароль").click()
    await page.get_by_text("Пароль изменён.").wait_for()
    await shot(page, "password-changed")
    again = await sign_in(browser, site, "staff.p1", NEW)
    assert "/ui/orgs/" in again.url
    assert (await stack.http.post("/api/v1/auth/token", data={"username": "staff.p1", "password": PASSWORD})).status_code == 401


async def test_a_password_chosen_by_another_is_changed_at_first_sign_in(
    stack: Stack, union: Union, browser: Any, site: str
) -> None:
    stack.app.state.gateway.accounts.owner_chooses = True  # as GATEWAY_PASSWORD_CHANGE_REQUIRED=true starts it
    context = await browser.new_context(base_url=site, locale="ru-RU", timezone_id="Europe/Moscow")
    page = await context.new_page()
    await page.goto("/ui/login")
    await page.get_by_label("Имя пользователя").fill("staff.t1")
    await page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Вход").click()
    await page.get_by_text("Этот пароль задал другой человек: чтобы войти, придумайте свой.").wait_for()
    await shot(page, "password-change-required")
    await page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    await page.get_by_label(NEW_LABEL).fill(NEW)
    await page.get_by_role("button", name="Вход").click()
    await page.wait_for_url(lambda url: "/ui/orgs/" in url)
    signed = await stack.http.post("/api/v1/auth/token", data={"username": "staff.t1", "password": NEW})
    assert signed.status_code == 200, "the owner's own password signs in without a further change"


async def test_an_administrator_resets_a_password_on_the_users_page(stack: Stack, union: Union, browser: Any, site: str) -> None:
    staff = await sign_in(browser, site, "staff.t1")
    await staff.goto("/ui/users")
    assert await staff.get_by_role("heading", name="Сбросить пароль").count() == 0, "staff do not reset passwords"
    admin = await sign_in(browser, site, "admin", ADMIN_PASSWORD)
    await admin.goto("/ui/users")
    await admin.locator("#reset_username").select_option("staff.p1")
    await admin.locator("#reset_password").fill("short")
    await admin.get_by_role("button", name="Сбросить").click()
    assert await admin.locator("#reset_password-error").inner_text() == "Слишком коротко."
    await admin.locator("#reset_username").select_option("staff.p1")
    await admin.locator("#reset_password").fill("reset-by-the-admin")
    await admin.get_by_role("button", name="Сбросить").click()
    await admin.get_by_text("Пароль пользователя staff.p1 сброшен.").wait_for()
    await shot(admin, "password-reset")
    signed = await stack.http.post("/api/v1/auth/token", data={"username": "staff.p1", "password": "reset-by-the-admin"})
    assert signed.status_code == 200
