"""Forms: their values checked by the contracts' models, refusals turned into messages beside the fields."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.envelope import Error

from .i18n import Formats

M = TypeVar("M", bound=BaseModel)

# Source texts (English) of the messages a field can get; the catalogues translate them.
RULE_TEXT = {
    "missing": "Fill this in.",
    "string_too_short": "Too short.",
    "string_too_long": "Too long.",
    "enum": "Choose one of the offered values.",
    "literal_error": "Choose one of the offered values.",
    "date_parsing": "Write a date as DD.MM.YYYY or YYYY-MM-DD.",
    "date_from_datetime_parsing": "Write a date as DD.MM.YYYY or YYYY-MM-DD.",
    "int_parsing": "Write a whole number.",
    "decimal_parsing": "Write a number.",
    "greater_than_equal": "The number is too small.",
    "less_than_equal": "The number is too large.",
    "credentials": "Wrong username or password.",
    "rate": "Too many failed sign-ins. Wait a little and try again.",
    "unavailable": "The server is busy. Try again in a moment.",
    "change_required": "This password was set by someone else: choose your own to sign in.",
    "unchanged": "The new password must differ from the current one.",
    "sent": "The material has already been sent.",
    "once_a_day": "The orgs that have not read it were reminded today already: the next reminder can go tomorrow.",
    "all_read": "Every org it reached has read it: there is no one to remind.",
    "not_sent": "The material has not been sent yet: there is no one to remind.",
    "H1": "The union's structure does not allow this (H1).",
    "X2": "There is nobody to send it up to (X2).",
    "X3": "There is nobody to send it up to (X3).",
    "format": "The value is not written correctly.",
    "taken": "This name is taken.",
    "required": "Fill this in.",
    "stale": "The form has expired; please try again.",
    "conflict": "This already exists or has changed meanwhile.",
    "pattern_mismatch": "The value is not written correctly.",
    "string_pattern_mismatch": "The value is not written correctly.",
    "code_wrong": "This is not the code we sent. Check the letter or ask for a new code.",
    "code_used": "This code has been used already. Ask for a new one.",
    "code_expired": "The code has expired. Ask for a new one.",
    "code_void": "Too many wrong codes were tried. Ask for a new one.",
    "D1": "An appeal goes to your org or one above it.",
    "access": "Your role does not allow this here.",
    "exists": "Nothing like this was found: choose again.",
    "runs": "The resource was not running on that day.",
    "PD1": "This member's personal data was erased: nothing new may be kept (PD1).",
    # a rule whose meaning depends on the field it names (`field:rule`)
    "appeal_id:D1": "This appeal is closed: it takes no more answers and cannot be closed again (D1).",
    "person_id:D1": "This person is not a member of the union today (D1).",
    "person_id:exists": "No such member in your part of the union.",
    "situation_id:exists": "No such life situation in the catalogue.",
    "appeal_id:exists": "No such appeal.",
    "effective_on:D3": "The person is not a member of the union on that day (D3).",
    "org_id:D3": "Members are recorded in a primary org (D3).",
    "org_id:changed": "The member already belongs to that org.",
    "org_id:H1": "The org did not exist on that day (H1).",
    "changed": "This has already been done or has changed meanwhile.",
    "not_after_today": "This day has not come yet: only what has already happened is recorded.",
    "not_before_1900": "A date before 1900 cannot be right here.",
    "after_consent": "Consent cannot be withdrawn before the day it was given (PD1).",
    "consent:not_after_today": "Consent is recorded once given: this day has not come yet (PD1).",
    "given_at:not_after_today": "Consent is recorded once given: this day has not come yet (PD1).",
    "consent:not_before_1900": "Consent cannot be dated before 1900 (PD1).",
    "given_at:not_before_1900": "Consent cannot be dated before 1900 (PD1).",
    "at:not_after_today": "This day has not come yet: a refresh or a withdrawal is recorded once it happened.",
    "since:not_after_today": "An appointment is recorded once made: this day has not come yet.",
    "since:not_before_1900": "An appointment or an admission cannot be dated before 1900.",
    "not_before_birth": "No one is admitted before they were born: check the dates.",
    "history_held_today": "This would change the past of an org outside your part of the union: only those who hold "
    "it today may do this.",
    "int_type": "Write a number.",
    "one_line": "Write this on one line, without hidden characters.",
    "lines": "The text holds hidden or control characters: remove them.",
    "had_material": "Your org has not had this material: choose one it received or wrote.",
    "birth_date:not_after_today": "A birth date cannot be in the future.",
    "birth_date:not_before_1900": "A birth date before 1900 cannot be right.",
    "period:not_after_today": "Audience figures are reported once counted: this period has not begun yet (K4).",
    "period": "There is no such period: write a year, a quarter or a month.",
    "period:string_pattern_mismatch": "There is no such period: write a year, a quarter or a month.",
    "username:taken": "This username is taken: choose another.",
    "reserved": "This name belongs to the system itself: choose another.",
    "role:missing": "Choose a role.",
    "too_short": "Too few entries.",
    "too_long": "Too many entries.",
    "greater_than": "The number is too small.",
    "less_than": "The number is too large.",
    "value_error": "The value is not written correctly.",
    "url_parsing": "Write an address on the internet, beginning with http:// or https://.",
    "after_since": "The end must come after the start.",
    "consent": "There is no consent to withdraw.",
    "merged": "This address was merged into another.",
    "duplicate": "Only the same addresses are merged.",
    "one_of": "Fill in one of these, not both.",
    "concurrency": "Someone changed this meanwhile: reload the page and try again.",
    "size": "Too large.",
    "busy": "The server is busy. Try again in a moment.",
    # the reply's code, when a refusal names no rule
    "invalid": "The value was not accepted.",
    "not_found": "Nothing like this was found.",
    "forbidden": "Your role does not allow this here.",
    "too_large": "Too large.",
    "rate_limited": "Too many attempts. Wait a little and try again.",
    "unauthenticated": "Sign in again.",
}
FORBIDDEN = "Your role does not allow this here."
GENERIC = "The value of the field “%(field)s” was not accepted."
"""A refusal whose rule has no text of its own: the field it is about, never the service's English or its code."""
AGAINST_RULE = "This goes against rule %(rule)s of the union's information policy."
POLICY_RULE = re.compile(r"^[A-Z]{1,2}[0-9]{1,2}$")
FIELDS = {
    "form": "the form",
    "at": "date",
    "since": "from (date)",
    "until": "until (date)",
    "effective_on": "date",
    "as_of": "as of (date)",
    "given_at": "consent date",
    "consent": "consent",
    "birth_date": "birth date",
    "org_id": "org",
    "parent_id": "parent org",
    "person_id": "person",
    "channel_id": "resource",
    "contact_id": "contact",
    "officer_id": "post",
    "full_name": "full name",
    "username": "username",
    "password": "password",
    "new_password": "new password",
    "role": "role",
    "reason": "reason",
    "value": "address",
    "kind": "kind",
    "name": "name",
    "url": "address on the internet",
    "members": "members",
    "title": "title",
    "body": "text",
    "attachment_id": "file",
}
"""Source texts (English) of the fields a refusal may name; the catalogues translate them."""


def parse(model: type[M], values: dict[str, Any]) -> tuple[M | None, list[dict[str, Any]]]:
    """The form's values as a contract model, or the problems found (as the services' details)."""
    try:  # an empty field is an absent one, so a required field left empty is `missing`
        return model.model_validate({k: v for k, v in values.items() if v is not None}), []
    except ValidationError as e:
        return None, [{"field": ".".join(str(p) for p in err["loc"]) or "form", "rule": err["type"]} for err in e.errors()]


def messages(fmt: Formats, details: list[dict[str, Any]] | Error) -> dict[str, str]:
    """Field → message in the user's language (the form itself under `form`)."""
    if isinstance(details, Error):
        error = details
        rows = [d.model_dump() for d in error.details] or [{"field": "form", "rule": error.code.value, "message": error.message}]
    else:
        rows = details
    found: dict[str, str] = {}
    for d in rows:
        key = (d.get("field") or "form").split(".")[0]
        rule = str(d.get("rule") or "")
        if rule == "forbidden":
            text = fmt.gettext(FORBIDDEN)
        elif f"{key}:{rule}" in RULE_TEXT:
            text = fmt.gettext(RULE_TEXT[f"{key}:{rule}"])
        elif rule in RULE_TEXT:
            text = fmt.gettext(RULE_TEXT[rule])
        elif POLICY_RULE.match(rule):
            text = fmt.gettext(AGAINST_RULE, rule=rule)
        else:
            text = fmt.gettext(GENERIC, field=fmt.gettext(FIELDS.get(key, "the form")))
        found.setdefault(key, text)
    return found


def flag(values: dict[str, Any], name: str) -> bool:
    """A checkbox: present when ticked."""
    return values.get(name) not in (None, "", "0", "off")


def listed(values: dict[str, Any], name: str) -> list[str]:
    """A multi-valued field (checkboxes, multi-select) as a list."""
    got = values.get(name)
    if got is None or got == "":
        return []
    return [str(v) for v in got] if isinstance(got, list) else [str(got)]
