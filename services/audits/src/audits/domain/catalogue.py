"""The rule catalogue: each rule of RULES.md that facts can decide, the levels it binds, what it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import rules
from .facts import Facts
from .verdicts import Said, Verdict

PRIMARY, TERRITORIAL, CENTRAL = "primary", "territorial", "central"


@dataclass(frozen=True)
class Rule:
    """One entry: the rule id, the levels it applies to, the facts it reads, and its check."""

    id: str
    title: str
    title_ru: str
    levels: tuple[str, ...]
    reads: tuple[str, ...]
    check: Callable[[Facts], Said]
    norm: bool = False
    """RULES.md says "as a rule": a norm, not an absolute."""


CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "P1",
        "Notice board refreshed weekly",
        "Стенд обновляется еженедельно",
        (PRIMARY,),
        ("resources",),
        rules.notice_board_refreshed,
    ),
    Rule(
        "P2",
        "Printed agitation material yearly",
        "Печатные агитационные материалы ежегодно",
        (PRIMARY,),
        ("registered_on", "print_runs"),
        rules.printed_agitation,
    ),
    Rule(
        "P3",
        "E-mail mailing and chat with members",
        "Рассылка и чат с членами профсоюза",
        (PRIMARY,),
        ("resources",),
        partial(rules.channels_with, audiences=("members",), whom_en="members", whom_ru="членами профсоюза"),
    ),
    Rule(
        "P4",
        "Social page above 500 members",
        "Соцсети при численности свыше 500",
        (PRIMARY,),
        ("members", "resources"),
        partial(rules.above_size, threshold=500, kind="social_page"),
    ),
    Rule(
        "P5",
        "Website above 5000 members",
        "Сайт при численности свыше 5000",
        (PRIMARY,),
        ("members", "resources"),
        partial(rules.above_size, threshold=5000, kind="website"),
    ),
    Rule(
        "P7",
        "Information meetings with the chair speaking yearly",
        "Информационные собрания с выступлением председателя ежегодно",
        (PRIMARY,),
        ("registered_on", "meetings"),
        rules.information_meeting,
    ),
    Rule(
        "P8",
        "Quarterly plan and reports of information work",
        "Квартальный план и отчёты",
        (PRIMARY,),
        ("posts", "members", "plans"),
        rules.planned_and_reported,
    ),
    Rule(
        "P10",
        "Yearly contact base to the parent, and access to the channels",
        "Ежегодная передача базы контактов и доступ к каналам",
        (PRIMARY,),
        ("registered_on", "submissions", "access"),
        rules.base_to_parent,
    ),
    Rule(
        "P11",
        "Solidarnost: a copy per 100 members",
        "«Солидарность»: экземпляр на 100 членов",
        (PRIMARY,),
        ("members", "subscriptions"),
        rules.solidarnost,
    ),
    Rule(
        "T1",
        "Every primary org audited yearly",
        "Ежегодная проверка каждой ППО",
        (TERRITORIAL,),
        ("registered_on", "children", "audits"),
        rules.children_audited,
    ),
    Rule(
        "T3",
        "Primary orgs' contact bases kept, channels with chairs and activists",
        "Базы контактов ППО и каналы с председателями и активистами",
        (TERRITORIAL,),
        ("children", "submissions", "resources"),
        rules.primaries_bases_kept,
    ),
    Rule(
        "T4",
        "Mailings to chairs and activists and a chat of chairs",
        "Рассылки председателям и активистам, чат председателей",
        (TERRITORIAL,),
        ("resources",),
        rules.leaders_mailed_and_chatting,
    ),
    Rule(
        "T5",
        "Social page above 1000 members",
        "Соцсети при численности свыше 1000",
        (TERRITORIAL,),
        ("members", "resources"),
        partial(rules.above_size, threshold=1000, kind="social_page"),
    ),
    Rule(
        "T6",
        "Website above 5000 members",
        "Сайт при численности свыше 5000",
        (TERRITORIAL,),
        ("members", "resources"),
        partial(rules.above_size, threshold=5000, kind="website"),
    ),
    Rule(
        "T7",
        "Yearly contact bases to the CC, and access to the channels",
        "Ежегодная передача баз контактов в ЦК и доступ к каналам",
        (TERRITORIAL,),
        ("registered_on", "submissions", "access"),
        rules.bases_to_cc,
    ),
    Rule(
        "T8",
        "A trained person responsible",
        "Обученный ответственный за информработу",
        (TERRITORIAL,),
        ("posts",),
        rules.trained_person,
    ),
    Rule(
        "C1",
        "Information work reviewed, every structural org checked yearly",
        "Ежегодное рассмотрение информработы и проверка всех структурных организаций",
        (CENTRAL,),
        ("registered_on", "reviews", "structural", "audits"),
        rules.union_reviewed_and_checked,
    ),
    Rule(
        "C2",
        "Contact bases of every structural org's chair and information workers",
        "Базы контактов председателей и информработников всех структурных организаций",
        (CENTRAL,),
        ("structural", "posts", "contact_points", "resources"),
        rules.leaders_reachable,
    ),
    Rule(
        "C3",
        "The union's website and social pages",
        "Сайт и соцсети профсоюза",
        (CENTRAL,),
        ("resources",),
        rules.union_online,
    ),
    Rule(
        "M1",
        "At least 5 % of the budget on information work",
        "Не менее 5 % бюджета на информработу",
        (TERRITORIAL, PRIMARY),
        ("budget",),
        rules.information_spending,
        norm=True,
    ),
    Rule(
        "M2",
        "An information structure",
        "Информационная структура",
        (CENTRAL, TERRITORIAL, PRIMARY),
        ("posts",),
        rules.information_structure,
    ),
)
BY_ID = {r.id: r for r in CATALOGUE}


def rules_for(level: str) -> list[Rule]:
    return [r for r in CATALOGUE if level in r.levels]


def assess(facts: Facts) -> list[Verdict]:
    """Every rule of the org's level, decided on the facts of its date."""
    verdicts = []
    for rule in rules_for(facts.level):
        said = rule.check(facts)
        verdicts.append(Verdict(rule.id, said.status, said.en, said.ru, rule.norm))
    return verdicts
