"""The KPI dashboard: K1–K9 against their targets with roll-ups, a ranking of the orgs below, a time series; setting
an org's targets for a period and closing a period (X), which asks first, saying what closing freezes; and the inputs
only people know: media mentions (K5) and how fast the org answered members (K7)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from contracts.envelope import Error, ErrorCode
from contracts.kpi import INDEX_TARGETS, SHARE_TARGETS, TARGET_KEYS, FeedbackTimes, MediaMention, Medium, Targets, Tone

from ...errors import ApiError
from ..charts import ranking_chart, series_chart
from ..feedback import feedback
from ..forms import flag, parse
from ..i18n import Formats
from ..names import org_names
from ..page import PageRoute, Ui, UiDep
from ..words import INDICATORS, RATIOS
from .orgs import lineage

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)
PERIOD = re.compile(r"^\d{4}(-Q[1-4])?$")
BELOW = {"central": "territorial", "territorial": "primary"}
PARTS = {"K5.citations": "Citations of union leaders", "K6.non_union": "Audience beyond the members"}
"""Source labels of the indicators' parts that have targets of their own."""
FIELD = {key: key.replace(".", "_") for key in TARGET_KEYS}
"""A target's form field (a dot would split it where refusals are shown)."""
SHARE = "Write a percentage from 0 to 100, e.g. 5 or 2,5."
INDEX = "Write a number from 0 to 100."
COUNT = "Write a whole number, 0 or more."
MEDIUM_WORDS = {"print": "print", "electronic": "electronic media", "internet": "the internet"}
TONE_WORDS = {"positive": "positive", "neutral": "neutral", "negative": "negative"}
"""Source words of K5's media and tones (the catalogue translates them)."""
FROZEN = "This period is closed: its figures and targets are frozen (X)."
RUNNING = "The period has not ended yet: it can be closed from the day after its last day (X)."
CLOSED_ALREADY = "This period is already closed."


def quarters_to(today: date) -> tuple[str, str]:
    """The series' span: from the first quarter of last year to this quarter."""
    return f"{today.year - 1}-Q1", f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def hint(key: str) -> str:
    """What a target of this indicator is written as: a percentage, an index or a count."""
    return SHARE if key in SHARE_TARGETS else INDEX if key in INDEX_TARGETS else COUNT


def typed(raw: str, lang: str) -> str:
    """A number as typed, made plain: no group separators, a decimal point (a Russian reader writes a comma)."""
    plain = re.sub(r"[\s\u00a0\u202f]", "", raw)
    return plain.replace(",", ".") if lang == "ru" else plain.replace(",", "")


def read_targets(form: dict[str, Any], lang: str) -> tuple[dict[str, Decimal], list[str]]:
    """The targets filled in (a share typed in per cent becomes a fraction), each checked by the contract on its own,
    and the indicators whose value it refuses."""
    targets: dict[str, Decimal] = {}
    wrong: list[str] = []
    for key in TARGET_KEYS:
        raw = typed(str(form.get(FIELD[key]) or ""), lang)
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            wrong.append(key)
            continue
        value = value / 100 if key in SHARE_TARGETS and value.is_finite() else value
        body, _ = parse(Targets, {"targets": {key: value}})
        if body is None:
            wrong.append(key)
        else:
            targets[key] = body.targets[key]
    return targets, wrong


def shown_targets(fmt: Formats, targets: dict[str, Any]) -> dict[str, str]:
    """The targets set, by form field, as the reader types them (shares in per cent, no group separators)."""
    shown = {}
    for key, value in targets.items():
        if key in FIELD and value is not None:
            number = Decimal(str(value)) * (100 if key in SHARE_TARGETS else 1)
            shown[FIELD[key]] = re.sub(r"[\s\u00a0\u202f]", "", fmt.number(number.normalize(), 6))
    return shown


def refusal(ui: Ui, error: Error, rule_x: str) -> dict[str, str]:
    """A refusal's messages by field; rule X on the period says what it means for this form (frozen or still running)."""
    found = ui.errors(error)
    if any(d.rule == "X" for d in error.details):
        found["period"] = ui.fmt.gettext(rule_x)
    if error.code is ErrorCode.CONFLICT:
        found["period"] = ui.fmt.gettext(CLOSED_ALREADY)
    return found


async def _dashboard(ui: Ui, org_id: str, period: str, indicator: str) -> dict[str, Any]:
    today = ui.today
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
    return {
        "org": org,
        "period": period,
        "indicator": indicator,
        "report": report,
        "error": error,
        "series_svg": series_svg,
        "ranking_svg": ranking_svg,
        "speed": speed,
        "done": str(ui.request.query_params.get("done") or ""),
        "errors": {},
        **await _inputs(ui, org, period),
    }


async def _inputs(ui: Ui, org: dict[str, Any], period: str) -> dict[str, Any]:
    """What people set and report for the period: its targets (X) and media mentions (K5), and who may change them."""
    targets, _ = await ui.maybe("kpi", "get_targets", {"org_id": org["id"], "period": period})
    mentions, _ = await ui.maybe("kpi", "list_media_mentions", {"org_id": org["id"], "period": period})
    ids = [o["id"] for o in await lineage(ui, org)]
    return {
        "may_set": ui.can("set_targets", org["id"], ids),
        "may_report": ui.can("report_facts", org["id"], ids),
        "target_keys": [(key, FIELD[key], hint(key)) for key in TARGET_KEYS],
        "parts": PARTS,
        "values": shown_targets(ui.fmt, (targets or {}).get("targets", {})),
        "mentions": mentions,
        "media": list(Medium),
        "tones": list(Tone),
        "MEDIUM_WORDS": MEDIUM_WORDS,
        "TONE_WORDS": TONE_WORDS,
    }


@router.get("/orgs/{org_id}/kpi")
async def dashboard(ui: UiDep, org_id: str, period: str | None = None, indicator: str = "K6") -> Response:
    period = period if period and PERIOD.match(period) else str(ui.today.year)
    indicator = indicator if indicator in INDICATORS else "K6"
    return ui.page("kpi.html", **await _dashboard(ui, org_id, period, indicator))


@router.post("/orgs/{org_id}/targets/{period}")
async def set_targets(ui: UiDep, org_id: str, period: str) -> Response:
    """The org's targets for the period, as filled in: an empty field has none (a setting replaces the one before)."""
    targets, wrong = read_targets(ui.form, ui.fmt.lang)
    errors = {FIELD[key]: ui.fmt.gettext(hint(key)) for key in wrong}
    if not errors:
        payload = {"org_id": org_id, "period": period, "targets": {k: str(v) for k, v in targets.items()}}
        try:
            await ui.ask("kpi", "set_targets", payload, command=True)
            return ui.back(f"/ui/orgs/{org_id}/kpi?period={period}&done=targets#targets")
        except ApiError as e:
            errors = refusal(ui, e.error, FROZEN)
    context = await _dashboard(ui, org_id, period if PERIOD.match(period) else str(ui.today.year), "K6")
    typed_in = {FIELD[k]: str(ui.form.get(FIELD[k]) or "") for k in TARGET_KEYS}
    return ui.page("kpi.html", 422, **{**context, "values": typed_in, "errors": errors})


async def _closing(ui: Ui, org_id: str, period: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    org = await ui.ask("registry", "get_org", {"org_id": org_id})
    report = await ui.ask("kpi", "get_kpi", {"org_id": org_id, "period": period})
    return {"org": org, "period": period, "report": report, "errors": errors or {}}


@router.get("/orgs/{org_id}/kpi/{period}/close")
async def ask_closing(ui: UiDep, org_id: str, period: str) -> Response:
    return ui.page("kpi_close.html", **await _closing(ui, org_id, period))


@router.post("/orgs/{org_id}/kpi/{period}/close")
async def close_period(ui: UiDep, org_id: str, period: str) -> Response:
    """Closes the org's period once the user has confirmed it: its figures as they stand are frozen."""
    try:
        await ui.ask("kpi", "close_period", {"org_id": org_id, "period": period}, command=True)
        return ui.back(f"/ui/orgs/{org_id}/kpi?period={period}&done=closed")
    except ApiError as e:
        errors = refusal(ui, e.error, RUNNING)
    return ui.page("kpi_close.html", 422, **await _closing(ui, org_id, period, errors))


async def _reported(ui: Ui, org_id: str, period: str, prefix: str, errors: dict[str, str]) -> Response:
    """Back to the KPI page with the report's notice, or the page again with the refusal beside the form's fields."""
    period = period if PERIOD.match(period) else str(ui.today.year)
    if not errors:
        return ui.back(f"/ui/orgs/{org_id}/kpi?period={period}&done={prefix}#{prefix}-h")
    context = await _dashboard(ui, org_id, period, "K6")
    return ui.page("kpi.html", 422, **{**context, "errors": {f"{prefix}-{k}": v for k, v in errors.items()}})


@router.post("/orgs/{org_id}/media-mentions")
async def report_mention(ui: UiDep, org_id: str) -> Response:
    """K5: a publication about the org, or quoting its leaders, on the day it appeared."""
    f = ui.form
    values: dict[str, Any] = {k: str(f.get(k) or "").strip() or None for k in ("on", "outlet", "medium", "tone", "title", "url")}
    values["cites_leader"] = flag(f, "cites_leader")
    errors = await ui.submit(MediaMention, values, "kpi", "report_media_mention", {"org_id": org_id})
    return await _reported(ui, org_id, str(f.get("period") or ""), "mm", errors)


@router.post("/orgs/{org_id}/feedback-times")
async def report_times(ui: UiDep, org_id: str) -> Response:
    """K7: how many questions the org answered in a period and how many hours an answer took on average."""
    f = ui.form
    answered = typed(str(f.get("answered") or ""), ui.fmt.lang) or None
    hours = typed(str(f.get("average_hours") or ""), ui.fmt.lang) or None
    reported = str(f.get("reported") or "").strip()
    if not reported:
        errors = ui.errors([{"field": "reported", "rule": "missing"}])
    else:
        values = {"answered": answered, "average_hours": hours}
        errors = await ui.submit(FeedbackTimes, values, "kpi", "report_feedback_times", {"org_id": org_id, "period": reported})
    return await _reported(ui, org_id, str(f.get("period") or ""), "ft", errors)
