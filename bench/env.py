"""The bench's world: real servers on free ports, a union loaded from CSV, every service as its own process."""

from __future__ import annotations

import csv
import os
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from kit import clock
from kit.tokens import DEFAULT_AUDIENCE, Actor, Role, Signer, service_audience
from profset.servers import free_port
from profset.stack import Stack, migrate_all
from profset.stackkeys import secrets

ROLES = ("chair", "info_worker", "info_activist", "press_secretary")


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is."""

    territorial: int
    primary: int
    members: int
    recipients: int  # officers with a consenting work e-mail per primary org: cascade letters = primary × this
    commands: int
    clients: int
    store_aggregates: int
    rebuild_events: int
    gateway_seconds: float
    gateway_rate: float
    sheets: int = 100  # notice-board sheets rendered per paper size (no servers)
    import_orgs: int = 10_000  # `profset import` beside a raw COPY (issue 35; 100,000 / 1,000,000: bench.importing)
    import_members: int = 100_000

    @property
    def orgs(self) -> int:
        return 1 + self.territorial + self.primary

    @property
    def label(self) -> str:
        """The union's size, as the figures measured on it are tagged."""
        return f"{self.orgs:,} orgs"


FULL = Sizes(80, 5000, 100_000, 4, 5_000, 64, 2000, 1_000_000, 30.0, 200.0, 300)
QUICK = Sizes(10, 100, 500, 2, 300, 32, 100, 100_000, 5.0, 200.0, 30, import_orgs=300, import_members=3_000)
CURVE = (
    Sizes(10, 989, 20_000, 2, 5_000, 64, 2000, 1_000_000, 30.0, 200.0, 300),
    Sizes(100, 9_899, 100_000, 2, 5_000, 64, 2000, 1_000_000, 30.0, 200.0, 300),
    Sizes(100, 99_899, 200_000, 1, 5_000, 64, 2000, 1_000_000, 30.0, 200.0, 300),
)
"""`make bench`'s unions, about 1,000, 10,000 and 100,000 orgs (issue 35). Members are 20, 10 and 2 an org, not the
20, 200 and 1,000 asked: the import's rate (BENCHMARKS.md's import.rate) caps them so the run stays under an hour.
The largest union's officers get one work e-mail each, so its cascade's letters (one per primary org) are out within
the hour; the scenarios that do not depend on the union (store, rebuild, tree, import) run once, at FULL's sizes."""


def database(server_url: str, name: str, roles: bool = False) -> str:
    """A fresh database on the bench's PostgreSQL, every schema migrated (with `roles`, each service's own role)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    base, _, query = server_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    migrate_all(url, roles=roles)
    return url


def _write(folder: Path, name: str, header: list[str], rows: list[list[Any]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def union_files(folder: Path, sizes: Sizes) -> None:
    """A CC, territorial and primary orgs with headcounts, officers with consenting work e-mail, and members."""
    folder.mkdir(parents=True, exist_ok=True)
    t, p = sizes.territorial, sizes.primary
    orgs = [["cc", "ЦК", "central", "", "1990-01-01"]]
    orgs += [[f"t{i}", f"Территориальная {i}", "territorial", "cc", "1991-01-01"] for i in range(t)]
    orgs += [[f"p{i}", f"ППО {i}", "primary", f"t{i % t}", "1995-01-01"] for i in range(p)]
    _write(folder, "orgs", ["ref", "name", "level", "parent_ref", "registered_on"], orgs)
    _write(folder, "headcounts", ["org_ref", "members", "as_of"], [[f"p{i}", 100 + i % 500, "2025-01-01"] for i in range(p)])
    officers, points = [], []
    for i in range(p):
        for r, role in enumerate(ROLES[: sizes.recipients]):
            officers.append([f"o{r}-{i}", f"p{i}", f"Офицер {r} {i}", role, "2020-01-01", "", "", ""])
            points.append([f"o{r}-{i}", "work_email", f"o{r}.{i}@verf.ru", "", ""])
    _write(folder, "officers", ["ref", "org_ref", "full_name", "role", "since", "until", "released", "trained"], officers)
    _write(folder, "contact_points", ["person_ref", "kind", "value", "consent_given_at", "consent_method"], points)
    members = [
        [f"m{i}", f"p{i % p}", f"Член Профсоюза №{i}", "1980-01-01", "слесарь", "2010-01-01"] for i in range(sizes.members)
    ]
    _write(folder, "members", ["ref", "org_ref", "full_name", "birth_date", "position", "since"], members)


# Russian names as they are written in a membership book: surname, given name, patronymic, each agreeing in gender
SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
]
MALE = [
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Виктор",
    "Владимир",
    "Дмитрий",
    "Евгений",
    "Иван",
    "Игорь",
    "Кирилл",
    "Максим",
    "Михаил",
    "Николай",
    "Олег",
    "Павел",
    "Пётр",
    "Роман",
    "Сергей",
    "Юрий",
]
FEMALE = [
    "Анна",
    "Валентина",
    "Галина",
    "Дарья",
    "Екатерина",
    "Елена",
    "Ирина",
    "Людмила",
    "Марина",
    "Мария",
    "Наталья",
    "Нина",
    "Ольга",
    "Светлана",
    "Татьяна",
    "Юлия",
]
FATHERS = {  # a father's name and the stem of his children's patronymic (-ович/-овна, -евич/-евна, -ьич/-ична)
    "Александр": "Александров",
    "Алексей": "Алексеев",
    "Андрей": "Андреев",
    "Борис": "Борисов",
    "Василий": "Васильев",
    "Виктор": "Викторов",
    "Владимир": "Владимиров",
    "Геннадий": "Геннадьев",
    "Дмитрий": "Дмитриев",
    "Иван": "Иванов",
    "Михаил": "Михайлов",
    "Николай": "Николаев",
    "Пётр": "Петров",
    "Сергей": "Сергеев",
    "Юрий": "Юрьев",
}
POSITIONS = (
    "слесарь-ремонтник",
    "токарь",
    "электромонтёр",
    "инженер",
    "мастер участка",
    "оператор линии",
    "водитель",
    "бухгалтер",
    "учитель",
    "медицинская сестра",
    "врач",
    "лаборант",
    "кладовщик",
    "экономист",
    "сварщик",
    "машинист",
)
TOWNS = [
    "Москва",
    "Тверь",
    "Тула",
    "Казань",
    "Самара",
    "Пермь",
    "Омск",
    "Томск",
    "Курск",
    "Орёл",
    "Киров",
    "Вологда",
    "Ярославль",
    "Иваново",
    "Липецк",
    "Саратов",
]
EPOCH = date(1990, 1, 1)


def _patronymic(father: str, female: bool) -> str:
    return FATHERS[father] + ("на" if female else "ич")


def russian_name(rnd: random.Random) -> str:
    """A full name: surname, given name and patronymic of one gender."""
    female = rnd.random() < 0.5
    surname = rnd.choice(SURNAMES)
    if female:
        surname = surname[:-1] + "ая" if surname.endswith("ий") else surname + "а"
    given = rnd.choice(FEMALE if female else MALE)
    return f"{surname} {given} {_patronymic(rnd.choice(tuple(FATHERS)), female)}"


def _day(rnd: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rnd.randrange(max((last - first).days, 0) + 1))


def big_union_files(folder: Path, orgs: int, members: int, seed: int = 35, headcounts: bool = True) -> dict[str, int]:
    """A union of `orgs` orgs (a CC, one territorial org per ~1,000, the rest primary) and `members` members with
    Russian names and realistic dates (born 1958–2006, admitted after 18 and after the org's registration), written
    row by row so that a million members never sit in memory; the rows written per file."""
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)  # noqa: S311 - made-up people, the same each run
    territorial = max(1, orgs // 1000)
    primary = max(1, orgs - 1 - territorial)
    last = date(2026, 6, 30)
    registered: list[date] = []
    with (folder / "orgs.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["ref", "name", "level", "parent_ref", "registered_on"])
        out.writerow(["cc", "Центральный комитет профсоюза", "central", "", EPOCH.isoformat()])
        for i in range(territorial):
            out.writerow([f"t{i}", f"Территориальная организация №{i + 1}", "territorial", "cc", "1990-06-01"])
        for i in range(primary):
            day = _day(rnd, date(1991, 1, 1), date(2022, 12, 31))
            registered.append(day)
            name = f"ППО {rnd.choice(('завода', 'школы', 'больницы', 'депо', 'комбината'))} №{i + 1} ({rnd.choice(TOWNS)})"
            out.writerow([f"p{i}", name, "primary", f"t{i % territorial}", day.isoformat()])
    if headcounts:
        with (folder / "headcounts.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["org_ref", "members", "as_of"])
            out.writerows([f"p{i}", 20 + rnd.randrange(2000), "2025-01-01"] for i in range(primary))
    with (folder / "members.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["ref", "org_ref", "full_name", "birth_date", "position", "since"])
        for i in range(members):
            org = rnd.randrange(primary)
            born = _day(rnd, date(1958, 1, 1), date(2006, 12, 31))
            adult = born.replace(year=born.year + 18, day=min(born.day, 28))
            since = _day(rnd, max(adult, registered[org]), last)
            dated = rnd.random() < 0.9  # some books have no birth date
            position = rnd.choice(POSITIONS) if rnd.random() < 0.8 else ""
            out.writerow([f"m{i}", f"p{org}", russian_name(rnd), born.isoformat() if dated else "", position, since.isoformat()])
    return {"orgs": 1 + territorial + primary, "headcounts": primary if headcounts else 0, "members": members}


def import_union(folder: Path, database_url: str, keys: dict[str, str]) -> None:
    """`profset import` against a database: the fast way to load a big union."""
    from profset import cli

    told = {"DATABASE_URL": database_url} | {k: keys[k] for k in ("REGISTRY_MASTER_KEY", "CONTACTS_MASTER_KEY")}
    os.environ.update(told)
    try:
        if cli.main(["import", str(folder)]) != 0:
            raise RuntimeError("the union did not import")
    finally:
        for key in told:
            del os.environ[key]


@dataclass
class World:
    """The servers, the keys and (once started) the service processes."""

    folder: Path
    stack: Stack
    keys: dict[str, str]
    server_url: str = ""
    database_url: str = ""

    def token(self, service: str) -> str:
        """An admin's signed actor token, as the gateway forwards it to `service`."""
        audience = service_audience(DEFAULT_AUDIENCE, service)
        return Signer(self.keys["TOKEN_PRIVATE_KEY"]).sign(Actor("bench", Role.ADMIN, None), clock.now(), 3600, audience)

    def start_services(self, extra: dict[str, str]) -> None:
        """Every service and the gateway as processes, as `make run` starts them; returns once all are ready."""
        self.stack.start_mail_sink()
        env = self.stack.environment(self.keys) | {"DATABASE_URL": self.database_url, "LOG_LEVEL": "WARNING"} | extra
        self.stack.start_services(env, self.keys)
        self.stack.wait_ready(180)

    def pids(self) -> dict[str, int]:
        """The service processes by name."""
        return {n: p.pid for n, p in self.stack.processes.items() if n not in ("mailsink", "streamkeeper")}


def start(folder: Path) -> World:
    """NATS and PostgreSQL on free ports under `folder`, with keys and NATS users of their own."""
    for name in ("NATS_URL", "DATABASE_URL"):
        os.environ.pop(name, None)
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(folder, gateway_port=free_port())
    stack.start_servers()
    world = World(folder, stack, secrets(folder), server_url=stack.database_url)
    world.database_url = stack.database_url = database(world.server_url, "profset", roles=True)  # each service as its own role
    stack.start_stream_keeper()  # the streams are the operator's: no service makes its own
    return world


def wait_until(check: Any, timeout: float, interval: float = 0.1) -> float:
    """Polls `check()` until truthy; the monotonic time it first was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(interval)
    raise TimeoutError(f"not done within {timeout}s")
