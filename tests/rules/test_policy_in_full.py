"""RULES.md read in full against the real services (issue 28): for each rule a table of cases written from its text
and the counting conventions, at and around each boundary. Each case builds its own orgs in one union; a test
reports every case that answers otherwise, by name. The date asked about is DAY; facts are dated around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from profset_testing import ADMIN_PASSWORD, Stack

DAY = "2026-06-15"
YEAR_AGO, YEAR_AGO_AND_A_DAY, LESS_THAN_A_YEAR = "2025-06-15", "2025-06-14", "2025-06-16"
OLD = "1995-03-01"


@dataclass
class Union:
    """A CC and a territorial org under it, and the admin's headers."""

    stack: Stack
    h: dict[str, str]
    cc: str = ""
    t: str = ""
    wrong: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None, expect: int = 201) -> Any:
        reply = await self.stack.http.request(method, f"/api/v1{path}", json=body, headers=self.h)
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    async def org(self, level: str, parent: str | None, members: int | None = None, registered_on: str = OLD) -> str:
        name = f"{level} №{len(self.names) + 1}"
        body = {"name": name, "level": level, "parent_id": parent, "registered_on": registered_on}
        org_id = str((await self.call("POST", "/orgs", body))["id"])
        self.names[org_id] = name
        if members is not None:
            await self.call("POST", f"/orgs/{org_id}/headcount", {"members": members, "as_of": "2026-01-01"})
        return org_id

    async def primary(self, members: int | None = 100, parent: str | None = None, registered_on: str = OLD) -> str:
        return await self.org("primary", parent or self.t, members, registered_on)

    async def channel(self, org_id: str, kind: str, audience: str = "members", since: str = "2020-01-01") -> str:
        body = {"kind": kind, "name": kind, "since": since, "audience": audience}
        return str((await self.call("POST", f"/orgs/{org_id}/channels", body))["id"])

    async def officer(self, org_id: str, role: str, since: str = "2020-01-01") -> str:
        body = {"full_name": f"Иванов {role}", "role": role, "since": since}
        return str((await self.call("POST", f"/orgs/{org_id}/officers", body))["person_id"])

    async def verdict(self, org_id: str, rule: str, as_of: str = DAY) -> dict[str, Any]:
        found = await self.call("GET", f"/orgs/{org_id}/compliance?as_of={as_of}", expect=200)
        return next(v for v in found if v["rule"] == rule)

    async def expect(self, case: str, org_id: str, rule: str, status: str, as_of: str = DAY, says: str = "") -> None:
        """Notes the case if the rule answers another status (or a detail without `says`)."""
        v = await self.verdict(org_id, rule, as_of)
        if v["status"] != status or says not in v["detail"]:
            self.wrong.append(f"{rule} {case}: {v['status']} ({v['detail']}), expected {status} {says!r}")


async def union(stack: Stack) -> Union:
    u = Union(stack, await stack.login("admin", ADMIN_PASSWORD))
    u.cc = await u.org("central", None, registered_on="1990-01-01")
    u.t = await u.org("territorial", u.cc, registered_on="1991-01-01")
    return u


async def test_p2_and_p7_are_yearly_without_a_period(stack: Stack) -> None:
    """P2 printed agitation material, P7 information meetings with the chair speaking: at least one in the 365 days
    before the date; an org registered less than 365 days before is not yet due."""
    u = await union(stack)
    cases = [
        ("365 days before", YEAR_AGO, True, OLD, "met"),
        ("366 days before", YEAR_AGO_AND_A_DAY, True, OLD, "breached"),
        ("never", None, True, OLD, "breached"),
        ("after the date asked about", "2026-06-20", True, OLD, "breached"),
        ("registered 364 days before", None, True, LESS_THAN_A_YEAR, "not_applicable"),
        ("chair did not speak (P7)", "2026-06-01", False, OLD, "breached"),
    ]
    for case, on, chair_spoke, registered_on, status in cases:
        org = await u.primary(registered_on=registered_on)
        if on is not None:
            await u.call("POST", f"/orgs/{org}/print-runs", {"on": on, "kind": "leaflet", "title": "Листовка", "copies": 50})
            meeting = {"on": on, "topic": "Зарплата", "attendees": 40, "chair_spoke": chair_spoke}
            await u.call("POST", f"/orgs/{org}/meetings", meeting)
        if chair_spoke:
            await u.expect(case, org, "P2", status)
        await u.expect(case, org, "P7", status)
    assert u.wrong == []


async def test_p8_counts_the_chair_of_an_org_of_fewer_than_100_members(stack: Stack) -> None:
    """P8 "in small orgs the chair": fewer than 100 members on the date; unknown only when the missing headcount
    decides it."""
    u = await union(stack)
    plan = {"items": ["Стенд еженедельно"], "submitted_on": "2026-04-01"}
    cases = [
        ("99 members, the chair", 99, ("chair",), "met"),
        ("100 members, the chair", 100, ("chair",), "breached"),
        ("no headcount, the chair", None, ("chair",), "unknown"),
        ("no headcount, an information worker", None, ("info_worker",), "met"),
        ("99 members, nobody", 99, (), "breached"),
    ]
    for case, members, roles, status in cases:
        org = await u.primary(members)
        for role in roles:
            await u.officer(org, role)
        await u.call("PUT", f"/orgs/{org}/plans/2026-Q2", plan, expect=200)
        await u.expect(case, org, "P8", status)
    assert u.wrong == []


async def test_p10_and_t7_need_the_base_and_access_to_the_channels(stack: Stack) -> None:
    """P10: yearly the contact base goes to the parent "and the parent is given access to the electronic channels";
    T7 the same for the CC's department."""
    u = await union(stack)
    for case, to, status in [
        ("parent has access", "parent", "met"),
        ("no access", None, "breached"),
        ("the CC only", "cc", "breached"),
    ]:
        org = await u.primary()
        await u.call("POST", f"/orgs/{org}/contact-base/submissions", {"at": "2026-06-01"})
        chat = await u.channel(org, "chat", "activists")
        if to is not None:
            await u.call(
                "POST", f"/channels/{chat}/access", {"to_org_id": u.t if to == "parent" else u.cc, "since": "2026-06-01"}
            )
        await u.expect(case, org, "P10", status)
    await u.call("POST", f"/orgs/{u.t}/contact-base/submissions", {"at": "2026-06-01"})
    await u.expect("T7 without access", u.t, "T7", "breached", says="no access")
    mailing = await u.channel(u.t, "mailing_list", "chairs")
    await u.call("POST", f"/channels/{mailing}/access", {"to_org_id": u.cc, "since": "2026-06-10"})
    await u.expect("T7 with the CC's access", u.t, "T7", "met")
    await u.expect("T7 before the access", u.t, "T7", "breached", as_of="2026-06-09")

    mover = await u.primary()
    await u.call("POST", f"/orgs/{mover}/contact-base/submissions", {"at": "2026-06-01"})
    chat = await u.channel(mover, "chat", "activists")
    await u.call("POST", f"/channels/{chat}/access", {"to_org_id": u.t, "since": "2026-06-01"})
    t2 = await u.org("territorial", u.cc, registered_on="1991-01-01")
    await u.call("PATCH", f"/orgs/{mover}", {"parent_id": t2, "effective_on": "2026-06-10"}, expect=200)
    await u.expect("base and access given to the parent of the day", mover, "P10", "met", as_of="2026-06-05")
    await u.expect("after a move: the new parent has neither", mover, "P10", "breached")
    assert u.wrong == []


async def test_p11_adds_print_and_electronic_copies(stack: Stack) -> None:
    """P11: max(1, ceil(members / 100)) copies; "a year's subscription copies of one edition add up over its formats
    (print + electronic); a later report for the same edition, year and format replaces the earlier one"."""
    u = await union(stack)
    cases = [
        ("2 print + 1 electronic for 250", [("solidarnost", "print", 2), ("solidarnost", "electronic", 1)], "met"),
        (
            "print restated 2 → 1, + 1 electronic",
            [("solidarnost", "print", 2), ("solidarnost", "print", 1), ("solidarnost", "electronic", 1)],
            "breached",
        ),
        ("3 electronic", [("solidarnost", "electronic", 3)], "met"),
        ("3 of another edition", [("profsoyuzny_zhurnal", "print", 3)], "breached"),
    ]
    for case, reports, status in cases:
        org = await u.primary(250)
        for publication, fmt, copies in reports:
            body = {"publication": publication, "format": fmt, "copies": copies, "year": 2026}
            await u.call("POST", f"/orgs/{org}/subscriptions", body)
        await u.expect(case, org, "P11", status)
    assert u.wrong == []


async def test_t3_and_t4_are_separate_verdicts(stack: Stack) -> None:
    """T4: "a running mailing list reaching chairs and activists and a running chat whose audience is chairs"; T3:
    the primary orgs' bases kept, and channels with chairs and activists run."""
    u = await union(stack)
    cases = [
        ("lists to both, chat of chairs", [("mailing_list", "chairs"), ("mailing_list", "activists"), ("chat", "chairs")], "met"),
        ("list to chairs only", [("mailing_list", "chairs"), ("chat", "chairs")], "breached"),
        (
            "chat of activists only",
            [("mailing_list", "chairs"), ("mailing_list", "activists"), ("chat", "activists")],
            "breached",
        ),
        ("members' channels", [("mailing_list", "members"), ("chat", "members")], "breached"),
    ]
    for case, channels, status in cases:
        t = await u.org("territorial", u.cc, registered_on="1991-01-01")
        for kind, audience in channels:
            await u.channel(t, kind, audience)
        await u.expect(case, t, "T4", status)

    t = await u.org("territorial", u.cc, registered_on="1991-01-01")
    a, b = await u.primary(parent=t), await u.primary(parent=t)
    await u.primary(parent=t, registered_on=LESS_THAN_A_YEAR)  # not yet due
    await u.channel(t, "chat", "activists")
    await u.call("POST", f"/orgs/{a}/contact-base/submissions", {"at": YEAR_AGO})
    await u.call("POST", f"/orgs/{b}/contact-base/submissions", {"at": YEAR_AGO_AND_A_DAY})
    await u.expect("one base 366 days old", t, "T3", "breached", says=u.names[b])
    await u.call("POST", f"/orgs/{b}/contact-base/submissions", {"at": "2026-06-01"})
    await u.expect("every base current", t, "T3", "met")
    assert u.wrong == []


async def test_t1_lists_the_primary_orgs_without_released_officials(stack: Stack) -> None:
    """T1: the territorial org "helps in organising information work the primary orgs that have no released
    officials" — its audit plan lists them, on the date asked about."""
    u = await union(stack)
    with_one, without, relieved = await u.primary(), await u.primary(), await u.primary()
    body = {"full_name": "Петров", "role": "chair", "since": "2020-01-01", "released": True}
    await u.call("POST", f"/orgs/{with_one}/officers", body)
    await u.call("POST", f"/orgs/{without}/officers", {**body, "released": False})
    officer = await u.call("POST", f"/orgs/{relieved}/officers", body)
    await u.call("POST", f"/officers/{officer['id']}/relief", {"until": "2026-06-01"}, expect=200)
    plan = await u.call("GET", f"/orgs/{u.t}/audit-plan?as_of={DAY}", expect=200)
    assert sorted(plan["without_released"]) == sorted([without, relieved])
    earlier = await u.call("GET", f"/orgs/{u.t}/audit-plan?as_of=2026-05-31", expect=200)
    assert earlier["without_released"] == [without]


async def test_c1_reviews_and_checks_every_structural_org_at_any_depth(stack: Stack) -> None:
    """C1: the CC's yearly review is a recorded fact; every territorial and primary org at any depth is checked by an
    audit whose auditing org is the CC (a desk review may plan them all at once); a territorial org's audit counts for
    T1, not C1."""
    u = await union(stack)
    deep, direct = await u.primary(), await u.primary(parent=u.cc)
    await u.expect("nothing done", u.cc, "C1", "breached")
    review = await u.call("POST", f"/orgs/{u.cc}/desk-reviews", {"planned_on": "2026-06-01", "due_on": "2026-06-30"})
    assert review["audits"] == 3
    progress = await u.call("GET", f"/orgs/{u.cc}/desk-reviews/2026", expect=200)
    assert (progress["done"], progress["due"] + progress["overdue"]) == (0, 3)
    audits = {a["org_id"]: a["audit_id"] for a in progress["audits"]}
    assert set(audits) == {u.t, deep, direct}
    audit = await u.call("GET", f"/audits/{audits[deep]}", expect=200)
    assert {i["rule"] for i in audit["checklist"]} >= {"P1", "P2", "P7", "P8"}, "pre-filled from compliance"
    for org in (u.t, deep, direct):
        await u.call("POST", f"/audits/{audits[org]}/completion", {"completed_on": "2026-06-10"}, expect=200)
    await u.expect("all audited, no review", u.cc, "C1", "breached")
    await u.call("POST", f"/orgs/{u.cc}/reviews", {"body": "Президиум ЦК", "on": YEAR_AGO})
    await u.expect("all audited, reviewed 365 days before", u.cc, "C1", "met")
    await u.expect("reviewed 366 days before", u.cc, "C1", "breached", as_of="2026-06-16")

    by_territorial = await u.primary()
    planned = await u.call("POST", f"/orgs/{by_territorial}/audits", {"by_org_id": u.t, "planned_on": "2026-06-01"})
    await u.call("POST", f"/audits/{planned['id']}/start", {"started_on": "2026-06-01"}, expect=200)
    await u.call("POST", f"/audits/{planned['id']}/completion", {"completed_on": "2026-06-02"}, expect=200)
    await u.expect("a territorial org's audit", u.cc, "C1", "breached", as_of="2026-06-15")
    refused = await u.stack.http.post(f"/api/v1/orgs/{u.cc}/desk-reviews", json={"due_on": "2026-12-31"}, headers=u.h)
    assert refused.status_code == 422, "one desk review a year"
    assert refused.json()["error"]["details"][0]["rule"] == "C1"

    c1 = await u.verdict(u.cc, "C1")
    named = u.names[by_territorial]
    assert named in c1["detail"] and named in c1["detail_ru"], "the detail names the orgs unchecked"
    plan = await u.call("GET", f"/orgs/{u.cc}/audit-plan?as_of={DAY}", expect=200)
    assert [o["org_id"] for o in plan["overdue"]] == [by_territorial], "the CC's plan: every structural org, any depth"
    too_late = await u.stack.http.patch(f"/api/v1/orgs/{u.cc}/desk-reviews/2026", json={"due_on": "2027-06-02"}, headers=u.h)
    assert too_late.status_code == 422 and too_late.json()["error"]["details"][0]["field"] == "due_on"
    await u.call("PATCH", f"/orgs/{u.cc}/desk-reviews/2026", {"due_on": "2027-06-01"}, expect=200)
    await u.call("POST", f"/orgs/{direct}/dissolution", {"effective_on": "2026-11-01", "reason": "ликвидация"}, expect=202)
    progress = await u.call("GET", f"/orgs/{u.cc}/desk-reviews/2026", expect=200)
    assert progress["due_on"] == "2027-06-01" and progress["done"] == 3, "an org dissolved since keeps its audit"
    assert progress["not_covered"] == [by_territorial], "registered after the review was planned"
    assert u.wrong == []


async def test_c2_the_ccs_contact_base_of_every_structural_orgs_leaders(stack: Stack) -> None:
    """C2: contact bases (e-mail, mobile) of the chairs of all structural orgs and of their information workers, with
    consent for personal addresses; mailings and chats on them. The detail names the share and the orgs missing."""
    u = await union(stack)
    p = await u.primary()
    await u.channel(u.cc, "mailing_list", "chairs")
    await u.channel(u.cc, "chat", "activists")
    t_chair, p_chair = await u.officer(u.t, "chair"), await u.officer(p, "chair")
    await u.call("POST", f"/people/{t_chair}/contact-points", {"kind": "work_email", "value": "t@sudprof.ru"})
    mobile = await u.call("POST", f"/people/{p_chair}/contact-points", {"kind": "mobile", "value": "+79110000000"})
    await u.expect("a mobile without consent", u.cc, "C2", "breached", says="50.00 %")
    await u.expect("names the org", u.cc, "C2", "breached", says=u.names[p])
    await u.call("POST", f"/contact-points/{mobile['id']}/consent", {"given_at": "2026-05-01", "method": "written"})
    await u.expect("consent given", u.cc, "C2", "met")
    await u.expect("before the consent", u.cc, "C2", "breached", as_of="2026-04-30")
    worker = await u.officer(p, "info_worker")
    await u.expect("an information worker unreachable", u.cc, "C2", "breached")
    await u.call("POST", f"/people/{worker}/contact-points", {"kind": "work_email", "value": "w@sudprof.ru"})
    await u.expect("every leader reachable", u.cc, "C2", "met")
    await u.call("POST", f"/contact-points/{mobile['id']}/consent-withdrawal", {"at": "2026-06-10"}, expect=200)
    await u.expect("consent withdrawn", u.cc, "C2", "breached")
    await u.call("POST", f"/contact-points/{mobile['id']}/consent", {"given_at": "2026-06-12", "method": "written"})
    await u.expect("consent given again", u.cc, "C2", "met")
    await u.expect("between the withdrawal and the new consent", u.cc, "C2", "breached", as_of="2026-06-11")
    await u.expect("within the first consent", u.cc, "C2", "met", as_of="2026-06-01")
    await u.call("POST", f"/members/{worker}/erasure", {"basis": "заявление"}, expect=202)
    await u.expect("an erased information worker is reached no more", u.cc, "C2", "breached")
    assert u.wrong == []


async def test_c3_the_unions_website_and_social_pages(stack: Stack) -> None:
    """C3: the CC runs the union's website and social pages."""
    u = await union(stack)
    await u.expect("neither", u.cc, "C3", "breached")
    await u.channel(u.cc, "website", "public")
    await u.expect("a website only", u.cc, "C3", "breached")
    await u.channel(u.cc, "social_page", "public", since="2026-06-15")
    await u.expect("both", u.cc, "C3", "met")
    await u.expect("the day before the page", u.cc, "C3", "breached", as_of="2026-06-14")
    assert u.wrong == []


async def test_m1_compares_the_share_exactly(stack: Stack) -> None:
    """M1 and the conventions: "every share compared with a threshold or a target … 4.996 % is below 5 %"."""
    u = await union(stack)
    for case, information, status in [
        ("4.996 %", "4996.00", "breached"),
        ("5 %", "5000.00", "met"),
        ("5.0001 %", "5000.10", "met"),
    ]:
        org = await u.primary()
        await u.call("PUT", f"/orgs/{org}/budgets/2026", {"total": "100000.00", "information": information}, expect=200)
        await u.expect(case, org, "M1", status)
    assert u.wrong == []


async def test_every_rule_is_read_aloud(stack: Stack) -> None:
    """`GET /rules` gives each rule's reading in one sentence, English and Russian."""
    u = await union(stack)
    rules = await u.call("GET", "/rules", expect=200)
    assert {r["rule"] for r in rules} >= {"P2", "P7", "T3", "T4", "C2", "C3"}
    assert all(r["reading"] and r["reading_ru"] for r in rules)


async def test_what_happened_is_never_dated_after_today(stack: Stack) -> None:
    """A completed audit, a closed item, a plan's report, a publication, a course, a print run, a meeting and a
    contact-base copy are recorded once they happened: dated today they count, dated tomorrow they are refused with
    the field named."""
    u = await union(stack)
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    org = await u.primary()
    planned = await u.call("POST", f"/orgs/{org}/audits", {"by_org_id": u.t, "planned_on": today.isoformat()})
    audit = f"/audits/{planned['id']}"
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("an audit's start", f"{audit}/start", {"started_on": tomorrow}, "started_on"),
        ("a meeting", f"/orgs/{org}/meetings", {"on": tomorrow, "topic": "Т", "attendees": 5, "chair_spoke": True}, "on"),
        ("a print run", f"/orgs/{org}/print-runs", {"on": tomorrow, "kind": "leaflet", "title": "Л", "copies": 5}, "on"),
        ("a contact-base copy", f"/orgs/{org}/contact-base/submissions", {"at": tomorrow}, "at"),
        (
            "a publication (K5)",
            f"/orgs/{org}/media-mentions",
            {"on": tomorrow, "outlet": "Г", "medium": "print", "tone": "positive"},
            "on",
        ),
    ]
    await u.call("POST", f"{audit}/start", {"started_on": today.isoformat()}, expect=200)
    item = await u.call("POST", f"{audit}/remediation", {"action": "Обновить стенд", "owner_role": "chair", "due_on": tomorrow})
    await u.call("PUT", f"/orgs/{org}/plans/{today.year}-Q{(today.month - 1) // 3 + 1}", {"items": ["Стенд"]}, expect=200)
    worker = await u.call("POST", f"/orgs/{org}/officers", {"full_name": "Сидоров", "role": "info_worker", "since": "2020-01-01"})
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    personal = {"kind": "personal_email", "value": "sidorov@mail.example"}
    address = await u.call("POST", f"/people/{worker['person_id']}/contact-points", personal)
    cases += [
        ("a consent", f"/contact-points/{address['id']}/consent", {"given_at": tomorrow, "method": "written"}, "given_at"),
        ("a closed item", f"{audit}/remediation/{item['id']}/closure", {"closed_on": tomorrow}, "closed_on"),
        ("an audit's end", f"{audit}/completion", {"completed_on": tomorrow}, "completed_on"),
        (
            "a plan's report",
            f"/orgs/{org}/plans/{quarter}/report",
            {"summary": "Сделано", "reported_on": tomorrow},
            "reported_on",
        ),
        ("a course", f"/officers/{worker['id']}/trainings", {"course": "Школа", "on": tomorrow}, "on"),
    ]
    for case, path, body, field_name in cases:
        reply = await stack.http.post(f"/api/v1{path}", json=body, headers=u.h)
        details = reply.json().get("error", {}).get("details", [{}]) if reply.status_code == 422 else [{}]
        if reply.status_code != 422 or details[0].get("field") != field_name:
            u.wrong.append(f"{case}: {reply.status_code} {reply.text[:200]}")
    await u.call("POST", f"{audit}/completion", {"completed_on": today.isoformat()}, expect=200)
    assert u.wrong == []
