"""Helpers of the browser tests (tests/ui): signing in with Chromium driven by Playwright, and screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "ui"
"""Where screenshots go: test-artifacts/ui of the repository."""
PASSWORD = "long-enough-password"
"""The password of every user the browser tests make."""


@dataclass
class Union:
    """A small union: the CC; T1 with primary orgs P1, P2; T2 with P3; and a user per role to sign in as."""

    admin: dict[str, str]
    orgs: dict[str, dict[str, Any]]


async def sign_in(browser: Any, site: str, username: str, password: str = PASSWORD, **options: Any) -> Any:
    """A new browser context (its own cookies) signed in as the user; answers its page."""
    options = {"locale": "ru-RU", "timezone_id": "Europe/Moscow", **options}
    context = await browser.new_context(base_url=site, **options)
    page = await context.new_page()
    await page.goto("/ui/login")
    await page.get_by_label("Имя пользователя").fill(username)
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Вход").click()
    try:
        await page.wait_for_url(lambda url: "/ui/login" not in url)
    except Exception:
        await shot(page, f"failed-sign-in-{username}")
        raise
    return page


async def shot(page: Any, name: str) -> None:
    """Saves a full-page screenshot under test-artifacts/ui."""
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
