"""The checks of RULES.md that facts can decide, one function per rule, each reading only `Facts`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from math import ceil

from .facts import Child, Facts
from .verdicts import (
    WEEK_DAYS,
    YEAR_DAYS,
    Said,
    breached,
    day_ru,
    days_ru,
    members_ru,
    met,
    not_applicable,
    orgs_ru,
    percent,
    unknown,
    yearly,
)

INFORMATION_ROLES = ("info_worker", "info_activist", "press_secretary")
"""Posts that make an information structure (M2) and a person responsible for information work (P8, T8)."""
KINDS_RU = {"social_page": "страница в соцсетях", "website": "сайт", "mailing_list": "e-mail-рассылка", "chat": "чат"}
REQUIRED_RU = {"social_page": ("обязательна", "не заведена"), "website": ("обязателен", "не заведён")}
"""The Russian predicate agrees with the resource's gender."""
M1_SHARE = Decimal("0.05")


def notice_board_refreshed(f: Facts) -> Said:
    """P1: a notice board refreshed at most 7 days before the date."""
    boards = f.running("notice_board")
    if not boards:
        return breached("no notice board registered", "профсоюзный стенд не зарегистрирован")
    age = (f.day - max(b.fresh_on for b in boards)).days
    if age <= WEEK_DAYS:
        return met(f"notice board refreshed {age} days before {f.day} (≤ {WEEK_DAYS})", f"стенд обновлён за {days_ru(age)} (≤ 7)")
    return breached(
        f"notice board last refreshed {age} days before {f.day} (> {WEEK_DAYS})", f"стенд не обновлялся {days_ru(age)} (> 7)"
    )


def channels_with(f: Facts, audiences: tuple[str, ...], whom_en: str, whom_ru: str) -> Said:
    """P3, T3/T4: both an e-mail mailing list and a chat running for the audience."""
    missing = [k for k in ("mailing_list", "chat") if not f.running(k, *audiences)]
    if not missing:
        return met(f"mailing list and chat with {whom_en} running", f"рассылка и чат с {whom_ru} работают")
    en = " and ".join(k.replace("_", " ") for k in missing)
    ru = " и ".join(KINDS_RU[k] for k in missing)
    return breached(f"required with {whom_en}, none running: {en}", f"обязательны с {whom_ru}, нет: {ru}")


def above_size(f: Facts, threshold: int, kind: str) -> Said:
    """P4, P5, T5, T6: a resource optional at any size and mandatory above `threshold` members."""
    what, what_ru, count = kind.replace("_", " "), KINDS_RU[kind], len(f.running(kind))
    above, m = f.members.above(threshold), f.members
    if above is None:
        if not m.reported:
            return unknown("no headcount reported", "численность не сообщалась")
        return unknown(
            f"{m.known} members known ≤ {threshold}, {m.missing} primary orgs never reported a headcount",
            f"известно {members_ru(m.known)} ≤ {threshold}, {orgs_ru(m.missing)} не сообщали численность",
        )
    if not above:
        return not_applicable(
            f"{m.known} members ≤ {threshold}: {what} optional", f"{members_ru(m.known)} ≤ {threshold}: {what_ru} по желанию"
        )
    if count:
        return met(
            f"{m.known} members > {threshold}: {what} required, {count} registered",
            f"{members_ru(m.known)} > {threshold}: {what_ru} есть",
        )
    required, missing = REQUIRED_RU[kind]
    return breached(
        f"{m.known} members > {threshold}: {what} required, none registered",
        f"{members_ru(m.known)} > {threshold}: {what_ru} {required}, но {missing}",
    )


def responsible(f: Facts) -> list[str]:
    return sorted({p.role for p in f.posts if p.role in INFORMATION_ROLES})


def planned_and_reported(f: Facts) -> Said:
    """P8: a person responsible for information work, the quarter's plan, a report on the last quarter's."""
    quarter = f"{f.day.year}-Q{(f.day.month - 1) // 3 + 1}"
    if not responsible(f):
        return breached("no information worker or activist responsible", "нет ответственного за информационную работу")
    if not f.plans.current:
        return breached(f"no information-work plan for {quarter}", f"нет плана информационной работы на {quarter}")
    if f.plans.previous_planned and not f.plans.previous_reported:
        return breached("the previous quarter's plan has no report", "нет отчёта о плане прошлого квартала")
    return met(f"plan for {quarter} adopted; responsible: {', '.join(responsible(f))}", f"план на {quarter} принят")


def contact_base_submitted(f: Facts) -> Said:
    """P10, T7: the current contact base sent to the parent yearly."""
    return yearly(f.day, f.registered_on, f.last_submission, "contact base submitted", "база контактов передана")


def solidarnost(f: Facts) -> Said:
    """P11: at least max(1, ceil(members / 100)) copies of Solidarnost for the calendar year."""
    copies, year = f.solidarnost_copies, f.day.year
    if f.members.reported:
        need = max(1, ceil(f.members.known / 100))
        head_en, head_ru = f"{f.members.known} members: {need} copies required", f"{members_ru(f.members.known)}: нужно {need}"
        if copies >= need:
            return met(f"{head_en}, {copies} subscribed for {year}", f"{head_ru}, выписано {copies} на {year} год")
        return breached(f"{head_en}, {copies} subscribed for {year}", f"{head_ru}, выписано {copies} на {year} год")
    if copies == 0:
        return breached(
            f"no Solidarnost subscription for {year} (at least 1 copy)", f"нет подписки на «Солидарность» на {year} год"
        )
    return unknown(f"{copies} copies for {year}; no headcount reported", f"выписано {copies}; численность не сообщалась")


def children_audited(f: Facts, levels: tuple[str, ...], whom_en: str, whom_ru: str) -> Said:
    """T1, C1: every child org due has an audit by this org completed in the 365 days before the date."""
    own_age = f.days_registered()
    if own_age < YEAR_DAYS:
        return not_applicable(f"registered {own_age} days before {f.day}: not yet due", f"зарегистрирована за {days_ru(own_age)}")
    children = [c for c in f.children if c.level in levels]
    due = [c for c in children if (f.day - c.registered_on).days >= YEAR_DAYS]
    if not due:
        return not_applicable(f"no {whom_en} registered 365 days or more", f"нет {whom_ru}, зарегистрированных год назад и ранее")
    overdue = [c for c in due if not audited_within_year(c, f.day)]
    if not overdue:
        return met(f"all {len(due)} {whom_en} audited within {YEAR_DAYS} days", f"все проверены ({orgs_ru(len(due))})")
    return breached(
        f"{len(overdue)} of {len(due)} {whom_en} not audited in the {YEAR_DAYS} days before {f.day}",
        f"{len(overdue)} из {len(due)} не проверены за {YEAR_DAYS} дней до {day_ru(f.day)}",
    )


def audited_within_year(child: Child, day: date) -> bool:
    return child.last_audit is not None and (day - child.last_audit).days <= YEAR_DAYS


def trained_person(f: Facts) -> Said:
    """T8: a person responsible for information work who has been trained."""
    trained = [p for p in f.posts if p.role in INFORMATION_ROLES and p.trained_on is not None]
    if trained:
        return met(f"{trained[0].role.replace('_', ' ')} designated and trained", "ответственный назначен и обучен")
    if responsible(f):
        return breached("a person is designated but has no training recorded", "ответственный назначен, обучение не отмечено")
    return breached("no information worker or activist designated", "ответственный за информационную работу не назначен")


def information_spending(f: Facts) -> Said:
    """M1 (as a rule): information work gets at least 5 % of the year's budget."""
    year = f.day.year
    if f.budget is None:
        return breached(f"no budget recorded for {year}", f"бюджет на {year} год не внесён")
    if f.budget.total == 0:
        return not_applicable(f"the {year} budget is zero", f"бюджет на {year} год нулевой")
    share = f.budget.information / f.budget.total
    figures = f"{f.budget.information} of {f.budget.total} = {percent(share)} %"
    figures_ru = f"{f.budget.information} из {f.budget.total} = {percent(share)} %"
    if share >= M1_SHARE:
        return met(f"{figures} ≥ 5 % (as a rule)", f"{figures_ru} ≥ 5 % (как правило)")
    return breached(f"{figures} < 5 % (as a rule)", f"{figures_ru} < 5 % (как правило)")


def information_structure(f: Facts) -> Said:
    """M2: an information structure — at least an information worker or activist."""
    roles = responsible(f)
    if roles:
        return met(f"held: {', '.join(r.replace('_', ' ') for r in roles)}", "информационная структура есть")
    return breached("no information worker, activist or press secretary", "нет информационной структуры")
