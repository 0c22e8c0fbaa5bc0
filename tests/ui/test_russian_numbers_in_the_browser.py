"""Issue 32: figures, shares and periods read as a Russian reader writes them — «170 000,00 из 3 300 000,00 = 5,15 %»,
«IV кв. 2026» — in the compliance details, the plans and the KPI pages, and as an English reader does one click away."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ui.i18n import Formats
from profset_testing import Stack, eventually
from profset_testing.ui import PASSWORD, Union, shot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("lang", "written", "read"),
    [
        ("ru", "170000.00 из 3300000.00 = 5.15 %", "170 000,00 из 3 300 000,00 = 5,15 %"),
        ("en", "170000.00 of 3300000.00 = 5.15 %", "170,000.00 of 3,300,000.00 = 5.15 %"),
        ("ru", "нет плана на 2026-Q4", "нет плана на IV кв. 2026"),
        ("en", "no plan for 2026-Q1", "no plan for Q1 2026"),
        ("ru", "с 08.03.2026 (2026-03-08), 2026 год, 2100 членов", "с 08.03.2026 (2026-03-08), 2026 год, 2100 членов"),
        ("ru", "id 0190f3a2-7c1e-7b2a 12345678ab", "id 0190f3a2-7c1e-7b2a 12345678ab"),
    ],
)
def test_figures_and_periods_in_a_services_sentence(lang: str, written: str, read: str) -> None:
    assert _plain(Formats(lang).prose(written)) == read


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "Дошло до 1 из 1 организации"),
        (3, "Дошло до 1 из 3 организаций"),
        (21, "Дошло до 1 из 21 организации"),
        (11, "Дошло до 1 из 11 организаций"),
        (1000, "Дошло до 1 из 1 000 организаций"),
    ],
)
def test_the_deliveries_count_agrees_with_its_number(n: int, said: str) -> None:
    words = Formats("ru").ngettext("Reached %(reached)s of %(num)s org", "Reached %(reached)s of %(num)s orgs", n, reached="1")
    assert _plain(words) == said


def test_the_kpi_chart_names_its_quarters_in_words() -> None:
    from gateway.ui.charts import series_chart

    points = [{"period": "2026-Q3", "value": 1, "target": 2}, {"period": "2026-Q4", "value": 2, "target": 2}]
    svg = _plain(str(series_chart(points, "K1", Formats("ru").number, period=Formats("ru").period)))
    assert ">III кв. 2026<" in svg and ">IV кв. 2026<" in svg and "-Q" not in svg


async def test_compliance_plans_and_kpi_read_in_russian_formats(stack: Stack, union: Union, site: str, browser: Any) -> None:
    o = {k: v["id"] for k, v in union.orgs.items()}
    h = await stack.login("staff.t1", PASSWORD)
    year = str(stack.today().year)  # M1 reads this year's budget
    put = await stack.http.put(
        f"/api/v1/orgs/{o['p1']}/budgets/{year}", json={"total": "3300000.00", "information": "170000.00"}, headers=h
    )
    assert put.status_code in (200, 201, 202), put.text

    async def m1_reads_the_budget() -> bool:
        verdicts = (await stack.http.get(f"/api/v1/orgs/{o['p1']}/compliance", headers=h)).json()
        return any(v["rule"] == "M1" and "3300000" in v["detail_ru"] for v in verdicts)

    await eventually(m1_reads_the_budget, timeout=15)
    page = await sign_in(browser, site, "staff.t1", **PHONE)
    await page.goto(f"/ui/orgs/{o['p1']}/compliance")
    m1 = _plain(await page.locator("#rule-M1 .detail").inner_text())
    assert m1.startswith("170 000,00 из 3 300 000,00 = 5,15 %"), m1
    p8 = _plain(await page.locator("#rule-P8 .detail").inner_text())
    assert "кв. " in p8 and "-Q" not in p8, p8
    await shot(page, "compliance-russian-figures-phone")

    await page.goto(f"/ui/orgs/{o['p1']}/plans")
    options = [_plain(t) for t in await page.locator("#plan-quarter option").all_inner_texts()]
    assert options and all(" кв. " in t and t.split(" кв. ")[0] in ("I", "II", "III", "IV") for t in options), options
    await page.locator("#plan-quarter").select_option(index=0)
    chosen = await page.locator("#plan-quarter").input_value()
    assert chosen[4:6] == "-Q", "the form still sends the period's code"

    await page.goto(f"/ui/orgs/{o['p1']}/kpi?period={year}-Q4")
    heading = _plain(await page.get_by_role("heading", name="IV кв.").first.inner_text())
    assert f"IV кв. {year}" in heading, heading
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name=f"Q4 {year}").first.wait_for()
    await page.goto(f"/ui/orgs/{o['p1']}/compliance")
    m1 = _plain(await page.locator("#rule-M1 .detail").inner_text())
    assert m1.startswith("170,000.00 of 3,300,000.00 = 5.15 %"), m1
