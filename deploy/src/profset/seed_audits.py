"""The demo union's audits and quarterly plans (C1, T1, P8), seeded through the public API after its facts."""

from __future__ import annotations

from typing import Any

import httpx

PLANS = [
    # (org key, quarter, adopted on, items, reported on)
    ("p0", "2026-Q3", "2026-06-25", ["Еженедельно обновлять стенд", "Рассылка о коллективном договоре"], "2026-10-05"),
    ("p0", "2026-Q4", "2026-09-28", ["Стенд к Дню судостроителя", "Опрос членов профсоюза о зарплате"], None),
    ("p1", "2026-Q4", "2026-10-02", ["Листовка о кампании колдоговора"], None),
]
AUDITS = [
    # (audited, auditing, planned, started, completed, score or None, findings, remediation)
    ("spb", "cc", "2026-05-15", "2026-05-18", "2026-05-20", None, [("T8", "major", "Пресс-секретарь не прошёл обучение")], []),
    (
        "p0",
        "spb",
        "2026-03-10",
        "2026-03-12",
        "2026-03-15",
        88,
        [("P4", "minor", "Страница в соцсетях не заведена")],
        [("Завести страницу ППО во ВКонтакте", "info_worker", "2026-06-01")],
    ),
    ("p1", "spb", "2026-12-10", None, None, None, [], []),
]


REVIEWED_ON = "2026-03-12"
"""The CC's yearly review of information work by its elected body (C1)."""


def seed_audits(http: httpx.Client, h: dict[str, str], orgs: dict[str, str], post: Any) -> None:
    """Plans with reports, a completed audit of a territorial org by the CC, one of a primary org with an
    overdue remediation item, and one still planned."""
    for i, (key, quarter, adopted, items, reported) in enumerate(PLANS):
        reply = http.put(f"/api/v1/orgs/{orgs[key]}/plans/{quarter}", json={"items": items, "submitted_on": adopted}, headers=h)
        reply.raise_for_status()
        if reported:
            post(
                http,
                f"/api/v1/orgs/{orgs[key]}/plans/{quarter}/report",
                h,
                f"pr{i}",
                summary="План выполнен",
                reported_on=reported,
            )
    review = {"body": "Президиум ЦК Судпрофа", "on": REVIEWED_ON, "decision": "Постановление о состоянии информационной работы"}
    post(http, f"/api/v1/orgs/{orgs['cc']}/reviews", h, "cc-review", **review)
    for i, (key, by, planned, started, completed, score, findings, remediation) in enumerate(AUDITS):
        audit = post(http, f"/api/v1/orgs/{orgs[key]}/audits", h, f"a{i}", by_org_id=orgs[by], planned_on=planned)
        path = f"/api/v1/audits/{audit['id']}"
        if started:
            post(http, f"{path}/start", h, f"a{i}-start", started_on=started)
        for j, (rule, severity, note) in enumerate(findings):
            post(http, f"{path}/findings", h, f"a{i}-f{j}", rule=rule, severity=severity, note=note)
        for j, (action, owner, due) in enumerate(remediation):
            post(http, f"{path}/remediation", h, f"a{i}-r{j}", action=action, owner_role=owner, due_on=due)
        if completed:
            post(http, f"{path}/completion", h, f"a{i}-done", completed_on=completed, **({"score": score} if score else {}))
