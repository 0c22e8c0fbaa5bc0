"""How each rule of the catalogue is read, in one sentence of English and one of Russian (`GET /rules`), so a union
officer can contest a verdict by reading it. The sentences follow RULES.md and its counting conventions."""

from __future__ import annotations

READINGS: dict[str, tuple[str, str]] = {
    "P1": (
        "Met when a running notice board was put up or refreshed at most 7 days before the date.",
        "Выполнено, если действующий стенд обновлялся не более чем за 7 дней до даты.",
    ),
    "P2": (
        "Met when at least one print run of agitation material (newspaper, leaflet, sheet, poster) was recorded in the "
        "365 days before the date; an org registered less than 365 days before is not yet due.",
        "Выполнено, если за 365 дней до даты отмечен хотя бы один тираж агитационных материалов (газета, листовка, "
        "информлисток, плакат); организации моложе 365 дней это ещё не требуется.",
    ),
    "P3": (
        "Met when both an e-mail mailing list and a chat whose audience is the members run on the date.",
        "Выполнено, если на дату работают и e-mail-рассылка, и чат для членов профсоюза.",
    ),
    "P4": (
        "A social page is required when the org has strictly more than 500 members on the date, optional otherwise.",
        "Страница в соцсетях обязательна при численности строго больше 500 на дату, иначе — по желанию.",
    ),
    "P5": (
        "A website is required when the org has strictly more than 5000 members on the date, optional otherwise.",
        "Сайт обязателен при численности строго больше 5000 на дату, иначе — по желанию.",
    ),
    "P7": (
        "Met when an information meeting of members at which the chair spoke was recorded in the 365 days before the "
        "date (elected-body speakers are recorded, not required); an org registered less than 365 days before is not "
        "yet due.",
        "Выполнено, если за 365 дней до даты проведено информационное собрание с выступлением председателя "
        "(выступления членов выборного органа отмечаются, но не обязательны); организации моложе 365 дней это ещё не "
        "требуется.",
    ),
    "P8": (
        "Met when the date's quarter has an adopted plan, the previous quarter's plan (if any) has a report, and "
        "someone is responsible: an information post, or in an org of fewer than 100 members the chair.",
        "Выполнено, если на квартал даты принят план, по плану прошлого квартала (если был) есть отчёт и есть "
        "ответственный: информационная должность, а в организации менее 100 членов — председатель.",
    ),
    "P10": (
        "Met when the contact base was submitted in the 365 days before the date and the parent has access, in force "
        "on the date, to one of the org's running mailing lists or chats.",
        "Выполнено, если база контактов передана за 365 дней до даты и у вышестоящей организации есть действующий "
        "на дату доступ к одной из работающих рассылок или чатов организации.",
    ),
    "P11": (
        "Met when the year's Solidarnost copies, print and electronic added up (the latest report per format), are "
        "at least max(1, ceil(members / 100)).",
        "Выполнено, если подписка на «Солидарность» на год (печатная и электронная вместе, по последнему отчёту "
        "каждого формата) не меньше max(1, ceil(численность / 100)).",
    ),
    "T1": (
        "Met when every primary org directly under the territorial org and registered at least 365 days before was "
        "audited by it in the 365 days before the date.",
        "Выполнено, если каждая ППО, непосредственно входящая в территориальную организацию и зарегистрированная "
        "не менее 365 дней назад, проверена ею за 365 дней до даты.",
    ),
    "T3": (
        "Met when every primary org due submitted its contact base to the territorial org in the 365 days before the "
        "date and a mailing list or chat with chairs or activists runs.",
        "Выполнено, если каждая ППО, которой это положено, передала территориальной организации базу контактов за "
        "365 дней до даты и работает рассылка или чат с председателями или активистами.",
    ),
    "T4": (
        "Met when running mailing lists reach both chairs and activists and a running chat's audience is chairs.",
        "Выполнено, если работают рассылки и председателям, и активистам, и чат председателей.",
    ),
    "T5": (
        "A social page is required when the territorial org's primary orgs together have strictly more than 1000 "
        "members on the date.",
        "Страница в соцсетях обязательна, если в ППО территориальной организации вместе строго больше 1000 членов на дату.",
    ),
    "T6": (
        "A website is required when the territorial org's primary orgs together have strictly more than 5000 members "
        "on the date.",
        "Сайт обязателен, если в ППО территориальной организации вместе строго больше 5000 членов на дату.",
    ),
    "T7": (
        "Met when the contact bases (its primary orgs' chairs and activists included) were submitted in the 365 days "
        "before the date and the CC has access, in force on the date, to one of its running mailing lists or chats.",
        "Выполнено, если базы контактов (с председателями и активистами ППО) переданы за 365 дней до даты и у ЦК "
        "есть действующий доступ к одной из работающих рассылок или чатов.",
    ),
    "T8": (
        "Met when an information post is held by someone whose training in it is recorded.",
        "Выполнено, если информационную должность занимает человек с отмеченным обучением.",
    ),
    "C1": (
        "Met when the CC's elected body reviewed information work and the CC audited every territorial and primary "
        "org at any depth registered 365 days or more, each in the 365 days before the date; audits by a territorial "
        "org do not count.",
        "Выполнено, если выборный орган ЦК рассмотрел информационную работу и ЦК проверил каждую территориальную и "
        "первичную организацию любого уровня, зарегистрированную не менее 365 дней назад, — всё за 365 дней до даты; "
        "проверки территориальных организаций не засчитываются.",
    ),
    "C2": (
        "Met when every structural org has a chair and its chair and information post holders each have a usable "
        "e-mail or mobile number (personal ones with consent), and a mailing list and a chat with chairs or "
        "activists run.",
        "Выполнено, если в каждой структурной организации есть председатель и у него и у информработников есть "
        "пригодный e-mail или мобильный (личные — с согласием), и работают рассылка и чат с председателями или "
        "активистами.",
    ),
    "C3": (
        "Met when the CC runs a website and a social page on the date.",
        "Выполнено, если у ЦК на дату работают сайт и страница в соцсетях.",
    ),
    "M1": (
        "As a rule (a norm): the information spending of the date's calendar-year budget is at least 5 % of the "
        "total, compared exactly; no budget recorded is a breach, a zero budget not applicable.",
        "Как правило (норма): расходы на информработу в бюджете календарного года даты — не менее 5 % от общего, "
        "сравнение точное; отсутствие бюджета — нарушение, нулевой бюджет — неприменимо.",
    ),
    "M2": (
        "Met when an information worker, information activist or press secretary post is held on the date.",
        "Выполнено, если на дату занята должность информработника, информактивиста или пресс-секретаря.",
    ),
}
