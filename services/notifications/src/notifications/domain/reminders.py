"""Reminders of the policy's deadlines, computed from facts on a day (RULES.md counting conventions).

Each reminder has a key naming the deadline it is about, so it is sent once: a notice board stale since
its last refresh (P1), a yearly contact-base submission due (P10, T7), a quarter without a plan or a past
quarter's plan without a report (P8), a child org due for its yearly audit (T1, C1), a material waiting for
moderation (H2) or for acknowledgement (X6) longer than allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEK = timedelta(days=7)
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Reminder:
    """One reminder to an org's post holders."""

    key: str
    org_id: str
    subject: str
    text: str


@dataclass(frozen=True)
class Board:
    channel_id: str
    org_id: str
    name: str
    since: date
    last_refreshed: date | None


def stale_boards(boards: list[Board], today: date) -> list[Reminder]:
    """P1: a notice board not refreshed in the 7 days before today (counted from its opening if never)."""
    found = []
    for b in boards:
        last = b.last_refreshed or b.since
        if today - last > WEEK:
            found.append(
                Reminder(
                    f"P1:{b.channel_id}:{last.isoformat()}",
                    b.org_id,
                    f"Напоминание: обновите стенд «{b.name}»",
                    f"Стенд «{b.name}» не обновлялся с {last:%d.%m.%Y}. По концепции (П1) его обновляют не реже раза в неделю.",
                )
            )
    return found


def submissions_due(orgs: dict[str, tuple[date, date | None]], today: date) -> list[Reminder]:
    """P10, T7: a yearly contact-base submission is due when the last is 365 days old (or never, for an org
    registered more than 365 days ago); the key names the year it is due, so it is sent once a year."""
    found = []
    for org_id, (registered_on, last) in orgs.items():
        start = last or registered_on
        if today - start >= YEAR:
            due = (start + YEAR).year
            found.append(
                Reminder(
                    f"P10:{org_id}:{due}",
                    org_id,
                    "Напоминание: направьте базу контактов вышестоящей организации",
                    "Пора направить актуальную базу контактов актива вышестоящей организации (П10, Т7): "
                    + (f"последняя отправлена {last:%d.%m.%Y}." if last else "она ещё не отправлялась."),
                )
            )
    return found


def waiting_moderation(pending: list[tuple[str, str, datetime]], now: datetime, allowed: timedelta) -> list[Reminder]:
    """H2: a material awaiting the moderator's decision longer than allowed."""
    return [
        Reminder(
            f"H2:{material}:{requested.isoformat()}",
            moderator,
            "Напоминание: материал ждёт модерации",
            f"Материал ждёт вашего решения с {requested:%d.%m.%Y}.",
        )
        for material, moderator, requested in pending
        if now - requested > allowed
    ]


def waiting_acknowledgement(
    open_deliveries: list[tuple[str, str, datetime]], now: datetime, allowed: timedelta
) -> list[Reminder]:
    """X6: a delivery not acknowledged within the allowed time."""
    return [
        Reminder(
            f"X6:{delivery}",
            org_id,
            "Напоминание: подтвердите получение материала",
            f"Материал поступил {delivered:%d.%m.%Y} и ещё не отмечен как прочитанный.",
        )
        for delivery, org_id, delivered in open_deliveries
        if now - delivered > allowed
    ]


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def plans_due(plans: dict[str, dict[str, bool]], today: date) -> list[Reminder]:
    """P8: a primary org (key) with no plan for today's quarter, or no report on the last quarter's plan.

    `plans` maps each org to its planned quarters and whether each was reported on.
    """
    current = quarter_of(today)
    first = date(today.year, 3 * int(current[-1]) - 2, 1)
    previous = quarter_of(first - timedelta(days=1))
    found = []
    for org_id, quarters in plans.items():
        if current not in quarters:
            found.append(
                Reminder(
                    f"P8:{org_id}:{current}",
                    org_id,
                    f"Напоминание: примите план информационной работы на {current}",
                    f"План информационной работы на {current} ещё не принят. По концепции (П8) работу планируют ежеквартально.",
                )
            )
        if quarters.get(previous) is False:
            found.append(
                Reminder(
                    f"P8-report:{org_id}:{previous}",
                    org_id,
                    f"Напоминание: отчитайтесь о плане на {previous}",
                    f"Отчёт о выполнении плана информационной работы на {previous} ещё не представлен (П8).",
                )
            )
    return found


@dataclass(frozen=True)
class Audited:
    """A child org its auditor must check yearly: when it was registered and last audited by that auditor."""

    by_org_id: str
    org_id: str
    registered_on: date
    last_on: date | None
    name: str | None = None


def audits_due(children: list[Audited], today: date) -> list[Reminder]:
    """T1, C1: the auditing org is reminded when a child's last audit (or its registration) is 365 days old;
    the key names the year the audit fell due, so it is sent once for each lapse."""
    found = []
    for c in children:
        start = c.last_on or c.registered_on
        if today - start >= YEAR:
            due = (start + YEAR).year
            since = f"последняя проверка {c.last_on:%d.%m.%Y}." if c.last_on else "она ещё не проверялась."
            who = f"«{c.name}»" if c.name else "организацию"
            found.append(
                Reminder(
                    f"T1:{c.by_org_id}:{c.org_id}:{due}",
                    c.by_org_id,
                    f"Напоминание: пора провести ежегодную проверку: {who}",
                    f"Подведомственную организацию {who} проверяют не реже раза в год (Т1, Ц1): {since}",
                )
            )
    return found
