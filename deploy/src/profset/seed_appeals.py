"""The demo union's catalogue of life situations (D1), in Russian: what each touches (X4), the steps a member should
know, the level that usually handles it and the target time for a first answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

CATALOGUE: dict[str, dict[str, Any]] = {
    "dismissal": {
        "title": "Увольнение или сокращение",
        "topics": ["employment"],
        "steps": [
            "Не подписывайте соглашение о расторжении договора сразу: возьмите время подумать",
            "Работодатель обязан предупредить о сокращении не менее чем за два месяца и предложить вакансии",
            "Увольнение члена профсоюза по сокращению требует мотивированного мнения профкома",
            "Сохраните уведомление и приказ, принесите их в профком",
        ],
        "level": "primary",
        "answer_within_hours": 48,
    },
    "wage_arrears": {
        "title": "Задержка заработной платы",
        "topics": ["wages"],
        "steps": [
            "Запишите, за какие месяцы и в какой сумме задержана оплата",
            "За каждый день задержки положена денежная компенсация",
            "При задержке более 15 дней можно приостановить работу, письменно известив работодателя",
            "Профком может обратиться в трудовую инспекцию и прокуратуру",
        ],
        "level": "primary",
        "answer_within_hours": 48,
    },
    "accident": {
        "title": "Несчастный случай на производстве",
        "topics": ["working_conditions"],
        "steps": [
            "Сообщите руководителю и получите медицинскую помощь",
            "Работодатель обязан создать комиссию; в неё входит представитель профкома",
            "Требуйте копию акта о несчастном случае по форме Н-1",
            "Технический инспектор труда профсоюза поможет с расследованием",
        ],
        "level": "territorial",
        "answer_within_hours": 24,
    },
    "working_conditions": {
        "title": "Условия и охрана труда",
        "topics": ["working_conditions"],
        "steps": [
            "Опишите, что не так: спецодежда, СИЗ, вредные условия, оценка условий труда",
            "Уполномоченный по охране труда профкома проверит рабочее место",
        ],
        "level": "primary",
        "answer_within_hours": 72,
    },
    "pay_indexation": {
        "title": "Оплата труда и индексация",
        "topics": ["wages", "collective_agreement"],
        "steps": [
            "Посмотрите раздел коллективного договора об оплате труда и индексации",
            "Сравните расчётные листки за несколько месяцев",
        ],
        "level": "primary",
        "answer_within_hours": 72,
    },
    "leave": {
        "title": "Отпуск",
        "topics": ["social_and_labour"],
        "steps": [
            "График отпусков утверждается с учётом мнения профкома",
            "Об отпуске должны известить не позднее чем за две недели; отпускные — не позднее чем за три дня",
        ],
        "level": "primary",
        "answer_within_hours": 72,
    },
    "maternity": {
        "title": "Материнство и уход за ребёнком",
        "topics": ["social_and_labour"],
        "steps": [
            "Беременную сотрудницу нельзя уволить по инициативе работодателя, кроме ликвидации",
            "Отпуск по уходу за ребёнком до трёх лет сохраняет место работы",
            "Коллективный договор может давать дополнительные гарантии",
        ],
        "level": "primary",
        "answer_within_hours": 72,
    },
    "dispute": {
        "title": "Спор с руководством",
        "topics": ["social_and_labour", "employment"],
        "steps": [
            "Изложите суть спора письменно и сохраните переписку",
            "Индивидуальный трудовой спор рассматривает комиссия по трудовым спорам",
            "Профсоюзный юрист поможет подготовить заявление",
        ],
        "level": "territorial",
        "answer_within_hours": 72,
    },
    "social_support": {
        "title": "Материальная и социальная помощь",
        "topics": ["social_and_labour"],
        "steps": [
            "Узнайте в профкоме, какую помощь предусматривает коллективный договор и положение профкома",
            "Подготовьте заявление и подтверждающие документы",
        ],
        "level": "primary",
        "answer_within_hours": 120,
    },
}


def seed_appeals(http: httpx.Client, h: dict[str, str], put: Callable[..., Any]) -> None:
    """The catalogue of life situations, kept by the CC."""
    for situation_id, situation in CATALOGUE.items():
        put(http, f"/api/v1/life-situations/{situation_id}", h, **situation)
