"""Without a browser: the catalogue covers every text, Russian plurals and formats, CSRF, refusals as pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from gateway.ui.forms import FORBIDDEN, GENERIC, RULE_TEXT
from gateway.ui.i18n import Formats, translations
from gateway.ui.words import INDICATORS, LABELS
from profset_testing import Stack
from profset_testing.ui import PASSWORD, Union

UI = Path(__file__).resolve().parents[2] / "services" / "gateway" / "src" / "gateway" / "ui"
SINGLE = re.compile(r"""(?<![A-Za-z])_\(\s*(["'])(.+?)\1""")
PLURAL = re.compile(r"""ngettext\(\s*(["'])(.+?)\1\s*,\s*(["'])(.+?)\3""")


def test_every_text_of_the_ui_has_a_russian_translation() -> None:
    ru = translations("ru")
    sources = [*LABELS.values(), *INDICATORS.values(), *RULE_TEXT.values(), FORBIDDEN, GENERIC]
    plurals = []
    for f in [*UI.rglob("*.html"), *UI.rglob("*.py")]:
        text = f.read_text(encoding="utf-8")
        sources += [m.group(2) for m in SINGLE.finditer(text)]
        plurals += [(m.group(2), m.group(4)) for m in PLURAL.finditer(text)]
    missing = sorted({s for s in sources if s != "—" and ru.gettext(s) == s})
    missing += sorted({a for a, b in plurals if ru.ngettext(a, b, 5) in (a, b)})
    assert not missing, f"add these to locale/ru/LC_MESSAGES/messages.po: {missing}"


def test_russian_plural_forms_dates_and_numbers() -> None:
    ru = Formats("ru")
    forms = [ru.ngettext("%(num)s member", "%(num)s members", n) for n in (1, 2, 5, 11, 21, 22, 112, 1001)]
    assert forms == [
        "1 член профсоюза",
        "2 члена профсоюза",
        "5 членов профсоюза",
        "11 членов профсоюза",
        "21 член профсоюза",
        "22 члена профсоюза",
        "112 членов профсоюза",
        "1\u00a0001 член профсоюза",
    ]
    assert ru.date(date(2026, 3, 8), "long") == "8 марта 2026\u202fг."
    assert ru.number("1234567.5") == "1\u00a0234\u00a0567,5"
    assert ru.percent("0.05") == "5\u00a0%" or ru.percent("0.05") == "5%"
    assert ru.number(None) == "—" and ru.number("not a number") == "—"
    en = Formats("en")
    assert en.ngettext("%(num)s member", "%(num)s members", 1) == "1 member" and en.number("1234.5") == "1,234.5"


async def _login(stack: Stack, username: str, password: str, token: str | None = None) -> Any:
    """Posts the sign-in form as a browser would, with the token its page handed out (None: the page's own)."""
    page = await stack.http.get("/ui/login")
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    sent = found.group(1) if token is None else token
    form = {"username": username, "password": password, "next": "/ui/tree", "login_token": sent}
    stack.http.cookies.clear()  # cookies go as a header: the test client, on plain http, would not send Secure ones
    return await stack.http.post("/ui/login", data=form, headers={"Cookie": f"profset_login={found.group(1)}"})


async def _signed_in(stack: Stack, username: str) -> dict[str, str]:
    """The session cookie as a header."""
    answer = await _login(stack, username, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/tree", answer.text
    cookie = answer.headers["set-cookie"]
    assert all(flag in cookie.lower() for flag in ("httponly", "secure", "samesite=lax")), cookie
    stack.http.cookies.clear()
    return {"Cookie": cookie.split(";", 1)[0]}


async def test_a_wrong_password_is_shown_beside_the_field_and_a_form_without_its_token_is_refused(
    stack: Stack, union: Union
) -> None:
    forged = await _login(stack, "staff.p1", PASSWORD, token="made-up-elsewhere")
    assert forged.status_code == 403 and "profset_session" not in forged.headers.get("set-cookie", ""), (
        "no sign-in from elsewhere"
    )
    assert "Форма устарела" in forged.text
    wrong = await _login(stack, "staff.p1", "not-the-password")
    assert (
        wrong.status_code == 401 and 'id="password-error"' in wrong.text and "Неверное имя пользователя или пароль." in wrong.text
    )
    session = await _signed_in(stack, "staff.p1")
    p1 = union.orgs["p1"]["id"]
    form = {"title": "Подделка", "body": "…", "kind": "news"}
    forged = await stack.http.post(f"/ui/orgs/{p1}/materials/new", data=form, headers=session)
    assert forged.status_code == 403 and "Нет доступа" in forged.text
    drafts = await stack.http.get(f"/api/v1/orgs/{p1}/materials", headers=union.admin)
    assert drafts.json() == [], "nothing was drafted by the forged form"


async def test_bad_addresses_and_missing_things_answer_pages_never_500(stack: Stack, union: Union) -> None:
    session = await _signed_in(stack, "staff.p1")
    p1 = union.orgs["p1"]["id"]
    for path, status in (
        ("/ui/orgs/no-such-org", 404),
        ("/ui/materials/no-such-material", 404),
        (f"/ui/orgs/{p1}/compliance?as_of=31.02.2026", 422),
        (f"/ui/orgs/{p1}/kpi?period=garbage&indicator=K99", 200),
        ("/ui/audits/no-such-audit", 404),
        ("/ui/users", 200),
        ("/ui/no/such/page", 404),
    ):
        answer = await stack.http.get(path, headers=session)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:300])
        assert '<meta charset="utf-8">' in answer.text
    answer = await stack.http.get(f"/ui/orgs/{p1}")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login?next=")


def test_charts_are_plain_svg_with_every_name_escaped_and_gaps_for_missing_values() -> None:
    from gateway.ui.charts import ranking_chart, series_chart

    rows = [{"org_id": "a", "value": 2, "met": True}, {"org_id": "b", "value": None, "met": None}]
    svg = str(ranking_chart(rows, {"a": "<script>alert(1)</script>", "b": "ППО «Б»"}, "K1", Formats("ru").number))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and svg.startswith("<svg") and svg.count("<rect") == 2
    points = [{"period": "2026-Q1", "value": 1, "target": 2}, {"period": "2026-Q2", "value": None, "target": 2}]
    line = str(series_chart(points, "K1", Formats("ru").number))
    assert line.count("<circle") == 1 and 'data-series="target"' in line
