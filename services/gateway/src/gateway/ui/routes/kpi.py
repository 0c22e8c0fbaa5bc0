"""The KPI dashboard: K1–K9 against their targets with roll-ups, a ranking of the orgs below, a time series."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response

from ..charts import ranking_chart, series_chart
from ..feedback import feedback
from ..names import org_names
from ..page import PageRoute, UiDep
from ..words import INDICATORS, RATIOS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
PERIOD = re.compile(r"^\d{4}(-Q[1-4])?$")
BELOW = {"central": "territorial", "territorial": "primary"}


def quarters_to(today: date) -> tuple[str, str]:
    """The series' span: from the first quarter of last year to this quarter."""
    return f"{today.year - 1}-Q1", f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@router.get("/orgs/{org_id}/kpi")
async def dashboard(ui: UiDep, org_id: str, period: str | None = None, indicator: str = "K6") -> Response:
    today = date.today()
    period = period if period and PERIOD.match(period) else str(today.year)
    indicator = indicator if indicator in INDICATORS else "K6"
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    report, error = await ui.maybe("kpi", "get_kpi", {"org_id": org_id, "period": period})
    fmt = ui.fmt
    number = fmt.percent if indicator in RATIOS else fmt.number
    ranking_svg = series_svg = speed = None
    level = BELOW.get(org["level"])
    if report is not None:
        speed = await feedback(ui, org, period)
        start, end = quarters_to(today)
        series, _ = await ui.maybe("kpi", "get_series", {"org_id": org_id, "indicator": indicator, "start": start, "end": end})
        title = fmt.gettext("%(indicator)s over quarters", indicator=indicator)
        series_svg = series_chart(series or [], title, number, period=fmt.period) if series else None
        if level:
            query = {"period": period, "indicator": indicator, "level": level, "org_id": org_id}
            ranked, _ = await ui.maybe("kpi", "list_ranking", query)
            if ranked:
                names = await org_names(ui)
                title = fmt.gettext("Ranking by %(indicator)s", indicator=indicator)
                ranking_svg = ranking_chart(ranked, names, title, number)
    return ui.page(
        "kpi.html",
        org=org,
        period=period,
        indicator=indicator,
        report=report,
        error=error,
        series_svg=series_svg,
        ranking_svg=ranking_svg,
        speed=speed,
    )
