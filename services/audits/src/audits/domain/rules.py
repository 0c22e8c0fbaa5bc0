"""The checks of RULES.md that facts can decide, one function per rule, each reading only `Facts`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from math import ceil

from contracts.audits import Status

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
SMALL_ORG = 100
"""RULES.md: a small org (P8) has fewer than 100 members on the date; there the chair counts as responsible."""


def notice_board_refreshed(f: Facts) -> Said:
    """P1: a notice board refreshed at most 7 days before the date."""
    boards = f.running("notice_board")
    if not boards:
        return breached(f"no notice board running on {f.day}", f"на {day_ru(f.day)} нет действующего профсоюзного стенда")
    age = (f.day - max(b.fresh_on for b in boards)).days
    if age <= WEEK_DAYS:
        return met(f"notice board refreshed {age} days before {f.day} (≤ {WEEK_DAYS})", f"стенд обновлён за {days_ru(age)} (≤ 7)")
    return breached(
        f"notice board last refreshed {age} days before {f.day} (> {WEEK_DAYS})", f"стенд не обновлялся {days_ru(age)} (> 7)"
    )


def channels_with(f: Facts, audiences: tuple[str, ...], whom_en: str, whom_ru: str) -> Said:
    """P3: both an e-mail mailing list and a chat running for the audience."""
    missing = [k for k in ("mailing_list", "chat") if not f.running(k, *audiences)]
    if not missing:
        return met(f"mailing list and chat with {whom_en} running", f"рассылка и чат с {whom_ru} работают")
    en = " and ".join(k.replace("_", " ") for k in missing)
    ru = " и ".join(KINDS_RU[k] for k in missing)
    return breached(f"required with {whom_en}, none running: {en}", f"обязательны с {whom_ru}, нет: {ru}")


def leaders_mailed_and_chatting(f: Facts) -> Said:
    """T4: mailing lists reaching both chairs and activists, and a chat whose audience is chairs."""
    mailed = {r.audience for r in f.running("mailing_list")}
    gaps = [(en, ru) for en, ru, audience in MAILED_AUDIENCES if audience not in mailed]
    if not f.running("chat", "chairs"):
        gaps.append(("a chat of chairs", "чат председателей"))
    if not gaps:
        return met(
            "mailing lists to chairs and activists and a chat of chairs running",
            "рассылки председателям и активистам и чат председателей работают",
        )
    return breached(
        f"required, not running: {', '.join(en for en, _ in gaps)}",
        f"обязательны, но не работают: {', '.join(ru for _, ru in gaps)}",
    )


MAILED_AUDIENCES = (
    ("a mailing list to chairs", "рассылка председателям", "chairs"),
    ("a mailing list to activists", "рассылка активистам", "activists"),
)


def primaries_bases_kept(f: Facts) -> Said:
    """T3: the contact base of every primary org due is kept (submitted to this org within 365 days), and an
    electronic channel with chairs or activists runs."""
    due = [c for c in f.children if c.level == "primary" and (f.day - c.registered_on).days >= YEAR_DAYS]
    missing = [c.org_id for c in due if c.last_base is None or (f.day - c.last_base).days > YEAR_DAYS]
    channel = f.running("mailing_list", "chairs", "activists") or f.running("chat", "chairs", "activists")
    gaps_en, gaps_ru = [], []
    if missing:
        gaps_en.append(f"no current contact base from {len(missing)} of {len(due)} primary orgs: {named_orgs(f, missing)}")
        gaps_ru.append(f"нет актуальной базы контактов от {len(missing)} из {len(due)} ППО: {named_orgs(f, missing)}")
    if not channel:
        gaps_en.append("no mailing list or chat with chairs or activists")
        gaps_ru.append("нет рассылки или чата с председателями или активистами")
    if gaps_en:
        return breached("; ".join(gaps_en), "; ".join(gaps_ru))
    return met(
        f"contact bases of all {len(due)} primary orgs due kept; channels with chairs and activists running",
        f"базы контактов всех ППО ({orgs_ru(len(due))}) есть; каналы с председателями и активистами работают",
    )


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


def responsible_in_p8(f: Facts) -> list[str] | None:
    """Who counts as responsible for P8: an information post, else in a small org the chair; None when only the
    unreported headcount could tell whether the chair counts."""
    if roles := responsible(f):
        return roles
    if not any(p.role == "chair" for p in f.posts):
        return []
    small = f.members.below(SMALL_ORG)
    if small is None:
        return None
    return ["chair"] if small else []


def planned_and_reported(f: Facts) -> Said:
    """P8: a person responsible for information work (in a small org the chair), the quarter's plan, a report on
    the last quarter's."""
    quarter = f"{f.day.year}-Q{(f.day.month - 1) // 3 + 1}"
    if not f.plans.current:
        return breached(f"no information-work plan for {quarter}", f"нет плана информационной работы на {quarter}")
    if f.plans.previous_planned and not f.plans.previous_reported:
        return breached("the previous quarter's plan has no report", "нет отчёта о плане прошлого квартала")
    who = responsible_in_p8(f)
    if who is None:
        return unknown(
            "only the chair holds a post and no headcount is reported: whether it is a small org (< 100) is unknown",
            "есть только председатель, численность не сообщалась: малая ли это организация (< 100), неизвестно",
        )
    if not who:
        return breached("no information worker or activist responsible", "нет ответственного за информационную работу")
    if who == ["chair"]:
        return met(
            f"plan for {quarter} adopted; a small org ({f.members.known} < {SMALL_ORG}): the chair is responsible",
            f"план на {quarter} принят; малая организация ({members_ru(f.members.known)}): ответственный — председатель",
        )
    return met(f"plan for {quarter} adopted; responsible: {', '.join(who)}", f"план на {quarter} принят")


def base_and_access(f: Facts, to: str | None, whom_en: str, whom_ru: str) -> Said:
    """P10, T7: yearly the current contact base is sent, and access to an electronic channel is given to `to`."""
    sent = yearly(f.day, f.registered_on, f.last_submission, "contact base submitted", "база контактов передана")
    if sent.status is not Status.MET:
        return sent
    if to is not None and to in f.access:
        return met(f"{sent.en}; {whom_en} has access to its channels", f"{sent.ru}; у {whom_ru} есть доступ к каналам")
    return breached(
        f"{sent.en}, but {whom_en} has no access to any of its running mailing lists or chats",
        f"{sent.ru}, но у {whom_ru} нет доступа ни к одной действующей рассылке или чату",
    )


def base_to_parent(f: Facts) -> Said:
    """P10: the contact base to the parent, and the parent given access to the channels."""
    return base_and_access(f, f.parent_id, "the parent", "вышестоящей организации")


def bases_to_cc(f: Facts) -> Said:
    """T7: the contact bases to the CC's department, and the CC given access to the channels."""
    return base_and_access(f, f.root_id, "the CC", "ЦК")


def solidarnost(f: Facts) -> Said:
    """P11: at least max(1, ceil(members / 100)) copies of Solidarnost for the calendar year, print and electronic
    added up."""
    copies, year = f.solidarnost_copies, f.day.year
    if f.members.reported:
        need = max(1, ceil(f.members.known / 100))
        copies_en = "1 copy" if need == 1 else f"{need} copies"
        head_en, head_ru = f"{f.members.known} members: {copies_en} required", f"{members_ru(f.members.known)}: нужно {need}"
        if copies >= need:
            return met(f"{head_en}, {copies} subscribed for {year}", f"{head_ru}, выписано {copies} на {year} год")
        return breached(f"{head_en}, {copies} subscribed for {year}", f"{head_ru}, выписано {copies} на {year} год")
    if copies == 0:
        return breached(
            f"no Solidarnost subscription for {year} (at least 1 copy)", f"нет подписки на «Солидарность» на {year} год"
        )
    return unknown(f"{copies} copies for {year}; no headcount reported", f"выписано {copies}; численность не сообщалась")


def children_audited(f: Facts) -> Said:
    """T1: every primary org directly under it and due has an audit by this org in the 365 days before the date."""
    return audited(f, [c for c in f.children if c.level == "primary"], "primary orgs", "ППО")


def union_reviewed_and_checked(f: Facts) -> Said:
    """C1: the CC's elected body reviewed information work, and the CC audited every structural org at any depth,
    each within the 365 days before the date."""
    review = yearly(f.day, f.registered_on, f.last_review, "information work reviewed", "информационная работа рассмотрена")
    checked = audited(f, list(f.structural), "structural orgs", "структурных организаций")
    found = {review.status, checked.status}
    status = (
        Status.BREACHED if Status.BREACHED in found else Status.NOT_APPLICABLE if found == {Status.NOT_APPLICABLE} else Status.MET
    )
    return Said(status, f"{review.en}; {checked.en}", f"{review.ru}; {checked.ru}")


def audited(f: Facts, children: list[Child], whom_en: str, whom_ru: str) -> Said:
    """Every org of `children` due has an audit by this org completed in the 365 days before the date."""
    own_age = f.days_registered()
    if own_age < YEAR_DAYS:
        return not_applicable(f"registered {own_age} days before {f.day}: not yet due", f"зарегистрирована за {days_ru(own_age)}")
    due = [c for c in children if (f.day - c.registered_on).days >= YEAR_DAYS]
    if not due:
        return not_applicable(f"no {whom_en} registered 365 days or more", f"нет {whom_ru}, зарегистрированных год назад и ранее")
    overdue = [c for c in due if not audited_within_year(c, f.day)]
    if not overdue:
        return met(f"all {len(due)} {whom_en} audited within {YEAR_DAYS} days", f"все проверены ({orgs_ru(len(due))})")
    named = named_orgs(f, [c.org_id for c in overdue])
    return breached(
        f"{len(overdue)} of {len(due)} {whom_en} not audited in the {YEAR_DAYS} days before {f.day}: {named}",
        f"{len(overdue)} из {len(due)} {whom_ru} не проверены за {YEAR_DAYS} дней до {day_ru(f.day)}: {named}",
    )


def named_orgs(f: Facts, org_ids: list[str]) -> str:
    """The orgs a detail names, by name: the first few, and how many more (the summary view lists them all)."""
    more = len(org_ids) - MISSING_SHOWN
    return "; ".join(f.name_of(o) for o in org_ids[:MISSING_SHOWN]) + (f" (+{more})" if more > 0 else "")


def audited_within_year(child: Child, day: date) -> bool:
    return child.last_audit is not None and (day - child.last_audit).days <= YEAR_DAYS


def printed_agitation(f: Facts) -> Said:
    """P2: printed agitation material, at least one print run in the 365 days before the date."""
    return yearly(f.day, f.registered_on, f.last_print_run, "agitation material printed", "агитационные материалы печатались")


def information_meeting(f: Facts) -> Said:
    """P7: an information meeting of members with the chair speaking, at least one in the 365 days before the date."""
    return yearly(
        f.day,
        f.registered_on,
        f.last_meeting,
        "information meeting held with the chair speaking",
        "информационное собрание с выступлением председателя проведено",
    )


def leaders_reachable(f: Facts) -> Said:
    """C2: the chairs and information post holders of every structural org reachable by e-mail or mobile, and
    mailings and chats with chairs or activists run."""
    missing = [r.org_id for r in f.contact_base if not r.covered]
    total = len(f.contact_base)
    share = Decimal(total - len(missing)) / total if total else Decimal(1)
    gaps_en = [f"{len(missing)} of {total} structural orgs without their chair's and information workers' contacts"]
    gaps_ru = [f"{len(missing)} из {total}: нет контактов председателя и информработников"]
    if missing:
        gaps_en[0] += f": {named_orgs(f, missing)}"
        gaps_ru[0] += f": {named_orgs(f, missing)}"
    for kind in ("mailing_list", "chat"):
        if not f.running(kind, "chairs", "activists"):
            gaps_en.append(f"no {kind.replace('_', ' ')} with chairs or activists")
            gaps_ru.append(f"нет: {KINDS_RU[kind]} с председателями или активистами")
    head_en, head_ru = f"{percent(share)} % of structural orgs reachable", f"охвачено {percent(share)} % структурных организаций"
    if missing or len(gaps_en) > 1:
        return breached(f"{head_en}; {'; '.join(gaps_en)}", f"{head_ru}; {'; '.join(gaps_ru)}")
    return met(
        f"{head_en} ({total}); mailing list and chat with chairs and activists running",
        f"{head_ru} ({total}); рассылка и чат работают",
    )


MISSING_SHOWN = 20
"""How many missing orgs a detail names; the summary view lists them all."""


def union_online(f: Facts) -> Said:
    """C3: the CC runs the union's website and social pages."""
    missing = [kind for kind in ("website", "social_page") if not f.running(kind)]
    if not missing:
        return met("website and social page running", "сайт и страница в соцсетях работают")
    return breached(
        f"required, not running: {' and '.join(k.replace('_', ' ') for k in missing)}",
        f"обязательны, но не работают: {' и '.join(KINDS_RU[k] for k in missing)}",
    )


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
