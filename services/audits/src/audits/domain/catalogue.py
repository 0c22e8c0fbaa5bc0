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
        "P8",
        "Quarterly plan and reports of information work",
        "Квартальный план и отчёты",
        (PRIMARY,),
        ("posts", "plans"),
        rules.planned_and_reported,
    ),
    Rule(
        "P10",
        "Yearly contact base to the parent",
        "Ежегодная передача базы контактов",
        (PRIMARY,),
        ("registered_on", "submissions"),
        rules.contact_base_submitted,
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
        partial(rules.children_audited, levels=(PRIMARY,), whom_en="primary orgs", whom_ru="ППО"),
    ),
    Rule(
        "T3/T4",
        "Mailing and chat with chairs and activists",
        "Рассылка и чаты председателей и активистов",
        (TERRITORIAL,),
        ("resources",),
        partial(
            rules.channels_with,
            audiences=("activists", "chairs"),
            whom_en="chairs and activists",
            whom_ru="председателями и активистами",
        ),
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
        "Yearly contact bases to the CC",
        "Ежегодная передача баз контактов в ЦК",
        (TERRITORIAL,),
        ("registered_on", "submissions"),
        rules.contact_base_submitted,
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
        "Every structural org under the CC audited yearly",
        "Ежегодная проверка структурных организаций",
        (CENTRAL,),
        ("registered_on", "children", "audits"),
        partial(rules.children_audited, levels=(TERRITORIAL, PRIMARY), whom_en="orgs under the CC", whom_ru="организаций"),
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
