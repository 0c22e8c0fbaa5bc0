"""Forms: their values checked by the contracts' models, refusals turned into messages beside the fields."""

from __future__ import annotations

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
    "H1": "The union's structure does not allow this (H1).",
    "X2": "There is nobody to send it up to (X2).",
    "X3": "There is nobody to send it up to (X3).",
    "format": "The value is not written correctly.",
    "taken": "This name is taken.",
    "required": "Fill this in.",
    "stale": "The form has expired; please try again.",
    "conflict": "This already exists or has changed meanwhile.",
    "pattern_mismatch": "The value is not written correctly.",
    "code_wrong": "This is not the code we sent. Check the letter or ask for a new code.",
    "code_used": "This code has been used already. Ask for a new one.",
    "code_expired": "The code has expired. Ask for a new one.",
    "code_void": "Too many wrong codes were tried. Ask for a new one.",
    "D1": "An appeal goes to your org or one above it.",
    "access": "Your role does not allow this here.",
    "exists": "Nothing like this was found: choose again.",
    "PD1": "This member's personal data was erased: nothing new may be kept (PD1).",
    # a rule whose meaning depends on the field it names (`field:rule`)
    "appeal_id:D1": "This appeal is closed: it takes no more answers and cannot be closed again (D1).",
    "person_id:D1": "This person is not a member of the union today (D1).",
    "person_id:exists": "No such member in your part of the union.",
    "situation_id:exists": "No such life situation in the catalogue.",
    "appeal_id:exists": "No such appeal.",
}
FORBIDDEN = "Your role does not allow this here."
GENERIC = "Refused (%(rule)s): %(message)s"


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
        else:
            text = fmt.gettext(GENERIC, rule=rule or "?", message=d.get("message") or "")
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
