"""The demo union `make run` seeds when the data is empty (fictional orgs and figures), through the public API."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from .seed_appeals import seed_appeals
from .seed_audits import seed_audits

CENTRAL = ("Центральный комитет Судпроф", "1990-10-01")
TERRITORIAL = {
    "spb": ("Санкт-Петербургская территориальная организация", "1991-01-15"),
    "north": ("Северная межрегиональная территориальная организация", "1991-03-01"),
    "east": ("Дальневосточная территориальная организация", "1992-06-01"),
}
PRIMARY = [
    # (parent, name, registered_on, members as of 2026-01-01)
    ("spb", "ППО АО «Невская верфь»", "1991-02-01", 2100),
    ("spb", "ППО АО «Балтийский судоремонтный завод»", "1993-05-12", 3400),
    ("spb", "ППО ООО «Охтинская судоверфь»", "1998-09-01", 620),
    ("spb", "ППО АО «Ладожский механический завод»", "2004-04-20", 480),
    ("north", "ППО АО «Беломорский судостроительный комбинат»", "1991-04-01", 5600),
    ("north", "ППО АО «Двинский судоремонтный центр»", "1995-03-01", 4100),
    ("north", "ППО АО «Полярное конструкторское бюро»", "2001-11-15", 90),
    ("east", "ППО ПАО «Амурская верфь»", "1992-07-01", 950),
    ("east", "ППО АО «Тихоокеанский судоремонтный завод»", "1996-10-01", 300),
    ("east", "ППО ООО «Приморская судостроительная компания»", "2016-02-01", 1200),
    (None, "ППО ФГУП «Центральный научный институт морской техники»", "1994-01-10", 1500),
]
OFFICERS = [
    # (org key, full name, role, since, released, trained)
    ("cc", "Морозова Елена Викторовна", "info_worker", "2018-03-01", True, True),
    ("cc", "Белов Андрей Николаевич", "chair", "2021-05-20", True, False),
    ("spb", "Громов Сергей Павлович", "chair", "2019-11-01", True, False),
    ("spb", "Лебедева Ольга Игоревна", "press_secretary", "2022-02-01", False, True),
    ("north", "Орлов Виктор Степанович", "info_activist", "2023-09-15", False, False),
    ("p0", "Зайцева Марина Олеговна", "info_worker", "2020-01-10", False, True),
    ("p1", "Котов Игорь Борисович", "chair", "2017-06-01", True, False),
]
BUDGETS = [
    # (org key, year, total, information) — roubles
    ("cc", 2025, "48000000.00", "2600000.00"),
    ("spb", 2025, "9500000.00", "380000.00"),
    ("p0", 2025, "3100000.00", "165000.00"),
    ("p1", 2025, "5200000.00", "210000.00"),
    ("cc", 2026, "51000000.00", "2700000.00"),
    ("spb", 2026, "9900000.00", "494000.00"),
    ("p0", 2026, "3300000.00", "170000.00"),
    ("p1", 2026, "5400000.00", "260000.00"),
]
TARGETS = [
    # (org key, period, targets of the elected body: ratios as fractions, counts as numbers) — docs/kpi.md
    ("cc", "2026", {"K1": 12, "K2": 0.05, "K3": 0.8, "K6": 0.5, "K7": 60, "K9": 10}),
    ("spb", "2026", {"K1": 4, "K2": 0.05, "K5": 6, "K6": 0.4, "K8": 1500, "K9": 3}),
    ("north", "2026", {"K1": 3, "K2": 0.05, "K5": 4, "K6": 0.3, "K9": 2}),
    ("east", "2026", {"K1": 3, "K2": 0.04, "K6": 0.3, "K9": 2}),
    ("p0", "2026-Q4", {"K3": 0.5, "K4": 5000, "K7": 50}),
]
MEDIA_MENTIONS = [
    # (org key, date, outlet, medium, tone, quotes a leader)
    ("spb", "2026-09-12", "Вечерний Петербург", "print", "positive", True),
    ("p0", "2026-10-03", "Фонтанка.ру", "internet", "neutral", True),
    ("north", "2026-08-21", "Правда Севера", "print", "positive", False),
]
MEMBERS = [
    # (org key, full name, position, since)
    ("p0", "Соколов Дмитрий Андреевич", "сварщик", "2012-04-01"),
    ("p0", "Никитина Анна Сергеевна", "инженер-технолог", "2015-09-01"),
    ("p0", "Фролов Павел Ильич", "слесарь-сборщик", "2019-02-15"),
    ("p1", "Егорова Татьяна Юрьевна", "маляр", "2010-06-01"),
    ("p1", "Воробьёв Алексей Петрович", "такелажник", "2021-03-01"),
]
MEMBER_CONTACTS = [
    # (index into MEMBERS, kind, value): mobiles given with consent, so the members' chat reaches them (K6)
    (0, "mobile", "+7 921 000-10-01"),
    (1, "mobile", "+7 921 000-10-02"),
]
CHANNELS = [
    # (org key, kind, name, url, since, audience)
    ("cc", "website", "Сайт Судпрофа", "https://sudprof.example", "2005-01-01", "public"),
    ("cc", "social_page", "Судпроф ВКонтакте", "https://vk.example/sudprof", "2014-06-01", "public"),
    ("spb", "mailing_list", "Рассылка председателям ППО", None, "2018-01-01", "chairs"),
    ("spb", "chat", "Чат информактива Петербурга", "https://t.me/sudprof_spb_example", "2021-03-01", "activists"),
    ("p0", "notice_board", "Стенд у проходной", None, "2010-01-01", "members"),
    ("p0", "chat", "Чат ППО «Невская верфь»", "https://t.me/nevskaya_ppo_example", "2022-09-01", "members"),
    ("p1", "notice_board", "Стенд в цехе №3", None, "2012-01-01", "members"),
]
SUBSCRIPTIONS = [("p0", 21), ("p1", 30), ("spb", 5)]
PRINT_RUNS = [
    # (org key, kind, title, copies, days before today): P2
    ("p0", "information_sheet", "Информлисток: индексация зарплаты", 150, 40),
    ("p1", "leaflet", "Листовка к акции 7 октября", 400, 70),
]
MEETINGS = [
    # (org key, topic, attendees, the chair spoke, days before today): P7
    ("p0", "Итоги колдоговорной кампании", 240, True, 60),
    ("p1", "Охрана труда в цехах", 90, False, 30),
]
ACCESS = [("p0", "spb"), ("spb", "cc")]
"""(channel's org key, org given access): the parent's (P10) and the CC's (T7) access to the first chat or list."""
CONTACTS = [
    # (index into OFFICERS, kind, value, consent given)
    (0, "work_email", "morozova@sudprof.example", False),
    (0, "mobile", "+7 921 000-00-01", True),
    (2, "work_email", "gromov@sudprof-spb.example", False),
    (2, "personal_email", "gromov.s@mail.example", False),
    (3, "work_email", "lebedeva@sudprof-spb.example", False),
    (3, "mobile", "8 921 000-00-02", True),
    (5, "work_email", "zaitseva@nevskaya.example", False),
    (5, "messenger", "@zaitseva_ppo", True),
]
PARTIES = [
    # (key, kind, name, the territorial org an association serves)
    ("fnpr", "fnpr", "Федерация независимых профсоюзов России", None),
    ("solidarnost", "solidarnost", "Газета «Солидарность»", None),
    ("media", "media", "Информагентство «Судостроение»", None),
    ("assoc-spb", "territorial_association", "Ленинградская федерация профсоюзов", "spb"),
]
USERS = [
    # (username, role, where, default password)
    ("staff.spb", "staff", "spb", "profset-staff"),
    ("auditor.cc", "auditor", None, "profset-auditor"),
    ("viewer.north", "viewer", "north", "profset-viewer"),
]


class AdminMustChoose(Exception):
    """The gateway wants the admin to choose their own password before anyone signs in with the deployment's."""


def seed_if_empty(url: str, admin_password: str) -> bool:
    """Seeds the demo union unless `PROFSET_DEMO=0` or the tree already has orgs; True if it seeded."""
    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": "admin", "password": admin_password})
        if token.status_code == 403 and "change_required" in token.text:
            raise AdminMustChoose(
                "the admin must choose their own password first (sign in at /ui/ and change it); "
                "then run the seed again with PROFSET_ADMIN_PASSWORD set to the new one"
            )
        token.raise_for_status()
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        if os.environ.get("PROFSET_DEMO", "1") == "0" or _get(http, "/api/v1/orgs", h):
            return False
        cc = _post(http, "/api/v1/orgs", h, "cc", name=CENTRAL[0], level="central", registered_on=CENTRAL[1])
        parents: dict[str | None, str] = {None: cc["id"]}
        for key, (name, day) in TERRITORIAL.items():
            parents[key] = _post(
                http, "/api/v1/orgs", h, key, name=name, level="territorial", parent_id=cc["id"], registered_on=day
            )["id"]
        orgs = {"cc": cc["id"], **{k: v for k, v in parents.items() if k}}
        for i, (parent, name, day, members) in enumerate(PRIMARY):
            org = _post(
                http, "/api/v1/orgs", h, f"p{i}", name=name, level="primary", parent_id=parents[parent], registered_on=day
            )
            orgs[f"p{i}"] = org["id"]
            _post(http, f"/api/v1/orgs/{org['id']}/headcount", h, f"h{i}", members=members, as_of="2026-01-01")
        officers = _people_and_money(http, h, orgs)
        _channels_and_contacts(http, h, orgs, officers)
        _materials(http, h, orgs)
        _kpi(http, h, orgs)
        seed_audits(http, h, orgs, _post)
        seed_appeals(http, h, _put)
        for username, role, where, password in USERS:
            _post(http, "/api/v1/users", h, username, username=username, role=role, org_id=parents[where], password=password)
        return True


def _people_and_money(http: httpx.Client, h: dict[str, str], orgs: dict[str, str]) -> list[str]:
    """Officers, budgets, a youth council, agreement clauses and a few personal membership records."""
    officers = []
    for i, (key, name, role, since, released, trained) in enumerate(OFFICERS):
        body = {"full_name": name, "role": role, "since": since, "released": released, "trained": trained}
        officers.append(_post(http, f"/api/v1/orgs/{orgs[key]}/officers", h, f"o{i}", **body)["person_id"])
    for key, year, total, information in BUDGETS:
        reply = http.put(f"/api/v1/orgs/{orgs[key]}/budgets/{year}", json={"total": total, "information": information}, headers=h)
        reply.raise_for_status()
    members = [
        _post(http, f"/api/v1/orgs/{orgs[key]}/members", h, f"m{i}", full_name=name, position=position, since=since)["id"]
        for i, (key, name, position, since) in enumerate(MEMBERS)
    ]
    for i, (member, kind, value) in enumerate(MEMBER_CONTACTS):
        consent = {"given_at": "2026-03-01", "method": "electronic"}
        _post(http, f"/api/v1/people/{members[member]}/contact-points", h, f"mcp{i}", kind=kind, value=value, consent=consent)
    _post(http, f"/api/v1/orgs/{orgs['cc']}/youth-councils", h, "y0", name="Молодёжный совет Судпрофа", formed_on="2019-04-01")
    clauses = http.put(
        f"/api/v1/orgs/{orgs['p0']}/agreement-clauses", json={"clauses": [1, 3, 7], "effective_on": "2025-01-01"}, headers=h
    )
    clauses.raise_for_status()
    return officers


def _channels_and_contacts(http: httpx.Client, h: dict[str, str], orgs: dict[str, str], officers: list[str]) -> None:
    """Resources with refreshes and figures, subscriptions, contact points with and without consent, submissions."""
    refreshed_on = (date.today() - timedelta(days=3)).isoformat()  # a demo board looks cared for whenever it is seeded
    channels: dict[str, list[tuple[str, str]]] = {key: [] for key in orgs}
    for i, (key, kind, name, url, since, audience) in enumerate(CHANNELS):
        body: dict[str, Any] = {"kind": kind, "name": name, "url": url, "since": since, "audience": audience}
        channel = _post(http, f"/api/v1/orgs/{orgs[key]}/channels", h, f"c{i}", **body)
        channels[key].append((channel["id"], kind))
        if kind == "notice_board":
            _post(http, f"/api/v1/channels/{channel['id']}/updates", h, f"u{i}", at=refreshed_on)
        if kind in ("chat", "mailing_list", "social_page"):
            _post(http, f"/api/v1/channels/{channel['id']}/stats", h, f"s{i}", period="2026-Q3", subscribers=120 + 37 * i)
    for i, (key, copies) in enumerate(SUBSCRIPTIONS):
        _post(http, f"/api/v1/orgs/{orgs[key]}/subscriptions", h, f"sub{i}", publication="solidarnost", copies=copies, year=2026)
    for i, (officer, kind, value, consented) in enumerate(CONTACTS):
        consent = {"given_at": "2026-02-01", "method": "written"} if consented else None
        body = {"kind": kind, "value": value, **({"consent": consent} if consent else {})}
        _post(http, f"/api/v1/people/{officers[officer]}/contact-points", h, f"cp{i}", **body)
    for key in ("spb", "p0"):
        _post(http, f"/api/v1/orgs/{orgs[key]}/contact-base/submissions", h, f"base-{key}")
    for key, to in ACCESS:
        electronic = next(c for c in channels[key] if c[1] in ("chat", "mailing_list"))[0]
        _post(http, f"/api/v1/channels/{electronic}/access", h, f"access-{key}", to_org_id=orgs[to])
    _printed_and_met(http, h, orgs)


def _printed_and_met(http: httpx.Client, h: dict[str, str], orgs: dict[str, str]) -> None:
    """Print runs (P2) and information meetings (P7), dated back from the day the demo is seeded."""
    for i, (key, kind, title, copies, ago) in enumerate(PRINT_RUNS):
        on = (date.today() - timedelta(days=ago)).isoformat()
        _post(http, f"/api/v1/orgs/{orgs[key]}/print-runs", h, f"print{i}", on=on, kind=kind, title=title, copies=copies)
    for i, (key, topic, attendees, chair_spoke, ago) in enumerate(MEETINGS):
        on = (date.today() - timedelta(days=ago)).isoformat()
        body = {"on": on, "topic": topic, "attendees": attendees, "chair_spoke": chair_spoke}
        _post(http, f"/api/v1/orgs/{orgs[key]}/meetings", h, f"meeting{i}", **body)


def _materials(http: httpx.Client, h: dict[str, str], orgs: dict[str, str]) -> None:
    """Outside parties and materials in every state: draft, sent up by X2 and X3, cascaded, held for review,
    awaiting moderation, approved, rejected, received from FNPR, a campaign with participation."""
    parties = {}
    for key, kind, name, org in PARTIES:
        body = {"kind": kind, "name": name, "email": f"{key}@parties.example", **({"org_id": orgs[org]} if org else {})}
        parties[key] = _post(http, "/api/v1/parties", h, f"party-{key}", **body)["id"]
    _put(http, f"/api/v1/orgs/{orgs['north']}/exchange-policy", h, hold_for_review=True, moderates_publications=True)

    def material(key: str, org: str, title: str, **flags: Any) -> str:
        body = {
            "org_id": orgs[org],
            "title": title,
            "body": f"{title}. Подробности у председателя профкома.",
            "kind": "news",
            **flags,
        }
        return str(_post(http, "/api/v1/materials", h, f"mat-{key}", **body)["id"])

    material("draft", "p0", "Черновик: итоги смотра стендов", topics=["other"])
    up = material("x2", "p0", "На верфи подписан коллективный договор", topics=["collective_agreement"], newsworthy=True)
    _post(http, f"/api/v1/materials/{up}/send-up", h, "up-x2")
    help_ = material("x3", "p1", "Задержка зарплаты: нужна поддержка", topics=["wages"], needs_support="conflict")
    _post(http, f"/api/v1/materials/{help_}/send-up", h, "up-x3")
    down = material("x1", "cc", "Разъяснение об индексации зарплаты", topics=["wages", "employment"])
    _post(http, f"/api/v1/materials/{down}/cascade", h, "down-x1")
    pending = material("pub-pending", "p0", "Фотоотчёт с профсоюзного собрания", for_publication=True)
    _post(http, f"/api/v1/materials/{pending}/publication", h, "pub-1")
    for key, approve in (("pub-ok", True), ("pub-no", False)):
        mid = material(key, "p1", "Статья для сайта ППО", for_publication=True)
        _post(http, f"/api/v1/materials/{mid}/publication", h, f"{key}-req")
        decision = {"approve": approve, **({} if approve else {"reason": "нужны точные цифры"})}
        _post(http, f"/api/v1/materials/{mid}/moderation", h, f"{key}-dec", **decision)
    body = {
        "party_id": parties["fnpr"],
        "title": "ФНПР: Всероссийская акция профсоюзов",
        "body": "Акция 7 октября.",
        "kind": "announcement",
    }
    received = _post(
        http, f"/api/v1/orgs/{orgs['cc']}/received-materials", h, "fnpr-1", **body, topics=["actions"], campaign=True
    )
    _wait_delivered(http, h, received["id"], orgs["p0"])
    _post(http, f"/api/v1/materials/{received['id']}/participation", h, "part-p0", org_id=orgs["p0"], on_site=180, online=420)


def _kpi(http: httpx.Client, h: dict[str, str], orgs: dict[str, str]) -> None:
    """Targets of the CC and the territorial orgs, media mentions (K5) and feedback times (K7)."""
    for key, period, targets in TARGETS:
        _put(http, f"/api/v1/orgs/{orgs[key]}/targets/{period}", h, **targets)
    for i, (key, on, outlet, medium, tone, quotes) in enumerate(MEDIA_MENTIONS):
        body = {"on": on, "outlet": outlet, "medium": medium, "tone": tone, "cites_leader": quotes}
        _post(http, f"/api/v1/orgs/{orgs[key]}/media-mentions", h, f"mention{i}", **body)
    _put(http, f"/api/v1/orgs/{orgs['p0']}/feedback-times/2026-Q4", h, answered=14, average_hours="20.5")


def _wait_delivered(http: httpx.Client, h: dict[str, str], material_id: str, org_id: str, timeout: float = 60) -> None:
    """Cascades are delivered in the background; waits until this org has it."""
    deadline = time.monotonic() + timeout
    while org_id not in {d["recipient"] for d in _get(http, f"/api/v1/materials/{material_id}/deliveries", h)}:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the cascade of {material_id} did not reach {org_id}")
        time.sleep(0.2)


def _put(http: httpx.Client, path: str, headers: dict[str, str], **body: Any) -> Any:
    reply = http.put(path, json=body, headers=headers)
    if reply.status_code >= 400:
        raise RuntimeError(f"seeding {path} failed: {reply.status_code} {reply.text}")
    return reply.json()


def banner(url: str, admin_password: str, seeded: bool, folder: Path) -> str:
    """What `make run` prints once the stack answers."""
    lines = [
        "",
        f"Profset is running: {url}/ui/   (API docs: {url}/docs)",
        f"Data, logs and keys: {folder}",
        *([] if os.environ.get("NOTIFICATIONS_SMTP_HOST") else [f"Letters the system sends are kept in {folder / 'mail'}"]),
        "",
        "Logins:",
        f"  admin         / {admin_password}",
    ]
    if os.environ.get("PROFSET_DEMO", "1") != "0":
        lines += [f"  {u:<13} / {p}   ({r})" for u, r, _, p in USERS]
        lines.append("  (demo union: fictional orgs and figures)" + (" — seeded now" if seeded else ""))
    lines += ["", "Ctrl-C (or `make stop`) stops everything."]
    return "\n".join(lines)


def _get(http: httpx.Client, path: str, headers: dict[str, str]) -> Any:
    reply = http.get(path, headers=headers)
    reply.raise_for_status()
    return reply.json()


def _post(http: httpx.Client, path: str, headers: dict[str, str], key: str, **body: Any) -> Any:
    reply = http.post(path, json=body, headers={**headers, "Idempotency-Key": f"demo-{key}"})
    if reply.status_code >= 400:
        raise RuntimeError(f"seeding {path} failed: {reply.status_code} {reply.text}")
    return reply.json()
