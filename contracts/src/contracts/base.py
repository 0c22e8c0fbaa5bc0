"""Base classes of every public event and command, and the registry that names them (DESIGN.md §2)."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

CONTEXTS = ("registry", "contacts", "exchange", "audits", "kpi", "notifications", "appeals", "gateway")
INTERNAL = ("gateway",)
"""Contexts whose events stay in their own ledger and are never published."""

EVENTS: dict[str, type[Event]] = {}
"""Every public event class by its CloudEvents type (`union.<context>.<aggregate>.<event>.v<N>`), of the modules
loaded so far (`all_events()` loads the rest)."""
CONTRACT_MODULES = (
    "registry", "people", "officers", "org_facts", "contacts", "exchange", "audits", "kpi", "notifications",
    "appeals", "gateway", "periods",
)  # fmt: skip
"""The contexts' modules of `contracts`, each loaded when a process first imports it."""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""Pure functions lifting a stored body from version N of an event to N+1, by (type without version, N)."""


class Event(BaseModel):
    """A fact that happened, in the past tense; frozen, and tolerant of fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)

    context: ClassVar[str]
    aggregate: ClassVar[str]
    event_name: ClassVar[str]
    version: ClassVar[int] = 1
    subject_field: ClassVar[str]
    org_field: ClassVar[str | None] = "org_id"

    def __init_subclass__(
        cls,
        *,
        context: str | None = None,
        aggregate: str | None = None,
        name: str | None = None,
        version: int = 1,
        subject_field: str = "org_id",
        org_field: str | None = "org_id",
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if context is None:
            return
        if context not in CONTEXTS:
            raise ValueError(f"unknown context {context!r}")
        cls.context, cls.aggregate, cls.event_name, cls.version = context, aggregate or "", name or "", version
        cls.subject_field, cls.org_field = subject_field, org_field
        if cls.ce_type() in EVENTS:
            raise ValueError(f"{cls.ce_type()} is declared twice")
        EVENTS[cls.ce_type()] = cls

    @classmethod
    def ce_type(cls) -> str:
        """The CloudEvents type, e.g. `union.registry.org.registered.v1`."""
        return f"{cls.base_type()}.v{cls.version}"

    @classmethod
    def base_type(cls) -> str:
        """The type without its version."""
        return f"union.{cls.context}.{cls.aggregate}.{cls.event_name}"

    @classmethod
    def nats_subject(cls) -> str:
        """The subject it is published on: `<context>.<aggregate>.<event>`; never an id."""
        return f"{cls.context}.{cls.aggregate}.{cls.event_name}"

    @property
    def ce_subject(self) -> str:
        """The opaque id of the aggregate this event is about (CloudEvents `subject`)."""
        return str(getattr(self, self.subject_field))

    @property
    def ce_org_id(self) -> str | None:
        """The org the event is about, if any."""
        return None if self.org_field is None else getattr(self, self.org_field)


class Payload(BaseModel):
    """A command or query body: frozen, and unknown fields are refused so typos never pass silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """Refuses text with a NUL character, which PostgreSQL cannot store (found by fuzzing), and a date outside the
        years a union's record can be about (9999-12-31 overflowed the day after it in every read model)."""
        if _has_nul(value):
            raise PydanticCustomError("no_nul_character", "text may not contain a NUL character")
        if isinstance(value, date) and not FIRST_DAY <= value <= LAST_DAY:
            raise PydanticCustomError("date_in_range", "a date from {first} to {last}", {"first": FIRST_DAY, "last": LAST_DAY})
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
"""An id the services chose (kit.ids: a UUID in lower case), as a page's cursor names the last row of the page before."""

FIRST_DAY, LAST_DAY = date(1800, 1, 1), date(2199, 12, 31)
"""The dates a command or a query may name: wide enough for any union's history and plans, far from the calendar's end."""

INVISIBLE = frozenset(
    "\u034f\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
    + "".join(map(chr, range(0xE0000, 0xE0080)))  # tag characters: text no one sees
)
"""Direction overrides, isolates and marks, the zero-width space, the grapheme joiner, the Mongolian vowel separator,
the byte-order mark and the tag characters: invisible, they can make a title read other than it is (a reversed file name
in a subject line) or carry text nobody sees. The soft hyphen stays: typography uses it."""

SHOWN_FORMAT = frozenset("\u00ad\u200c\u200d")
"""The format characters a text may hold: the soft hyphen (typography) and the zero-width (non-)joiner (scripts, emoji)."""

FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
"""Letters that print as nothing (Hangul fillers, the blank braille cell): a name made of them looks empty or spaced."""


def hidden(ch: str) -> bool:
    """Whether a character is one no reader sees: INVISIBLE, any other format character but SHOWN_FORMAT (word joiner,
    invisible operators, interlinear annotation …), a filler, or a noncharacter."""
    code = ord(ch)
    if ch in INVISIBLE or ch in FILLERS or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return True
    return unicodedata.category(ch) == "Cf" and ch not in SHOWN_FORMAT


RECORDED = {"recorded": True}
"""Validation context of a stored event: history is read as it was written, whatever rules came after."""


def _one_line(value: str, info: ValidationInfo) -> str:
    """Refuses a line break or other control character in a title or a name (a mail header is made of it)."""
    if isinstance(info.context, dict) and info.context.get("recorded"):
        return value
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") or hidden(ch) for ch in value):
        raise PydanticCustomError("one_line", "one line of text: no line break, tab, control or direction character")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
"""A title or a name: one line of printable text (nothing a mail header or a CSV row could be broken by)."""


def _written(value: str, info: ValidationInfo) -> str:
    """Refuses a text with nothing to read in it: only spaces, line breaks or invisible characters."""
    if isinstance(info.context, dict) and info.context.get("recorded"):
        return value
    if all(ch.isspace() or hidden(ch) or unicodedata.category(ch) == "Cf" for ch in value):
        raise PydanticCustomError("written", "a text with something to read: not only spaces or invisible characters")
    return value


LINE_BREAKS = frozenset("\n\r\t")
"""What a text of several lines may hold of the control characters: its line breaks and tabs, nothing else."""


def _lines(value: str, info: ValidationInfo) -> str:
    """Refuses a control, separator or direction character (a tab and a line break are fine) in a text of lines."""
    if isinstance(info.context, dict) and info.context.get("recorded"):
        return value
    if any((unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in LINE_BREAKS) or hidden(ch) for ch in value):
        raise PydanticCustomError("lines", "lines of text: no control or direction character but line breaks and tabs")
    return value


Lines = Annotated[str, AfterValidator(_lines)]
"""A note or a summary for the record: any number of lines, but no direction override or invisible mark that could make
it read other than it is (as OneLine, line breaks and tabs aside)."""

Written = Annotated[str, AfterValidator(_lines), AfterValidator(_written)]
"""Free text a person wrote (an appeal, an answer): any number of lines, with something visible in them and nothing
hidden (as Lines)."""


def _not_a_bool(value: Any) -> Any:
    """Refuses true and false, which a lax integer takes as 1 and 0 (`"members": true` was a headcount of one)."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "a whole number, not true or false")
    return value


NOT_A_BOOL = BeforeValidator(_not_a_bool)
Count = Annotated[int, NOT_A_BOOL]
"""How many of something: a whole number, never a boolean. A number written as text still passes (a form sends
text), unlike StrictInt. An optional count puts its bounds before the check, `Annotated[int, Field(ge=0), NOT_A_BOOL]
| None`, so that its schema still shows them as minimum and maximum."""


def upcaster(base_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Registers a pure function lifting a stored body of `base_type` from `from_version` to the next."""

    def register(fn: Upcaster) -> Upcaster:
        UPCASTERS[(base_type, from_version)] = fn
        return fn

    return register


def split_type(ce_type: str) -> tuple[str, int]:
    """`union.registry.org.registered.v2` -> (`union.registry.org.registered`, 2)."""
    base, _, version = ce_type.rpartition(".v")
    return base, int(version)


def decode_event(ce_type: str, data: dict[str, Any]) -> Event:
    """Builds the current event class from a stored body of any version, upcasting on the way."""
    base, version = split_type(ce_type)
    current = latest_version(base)
    while version < current:
        data = UPCASTERS[(base, version)](data)
        version += 1
    return EVENTS[f"{base}.v{version}"].model_validate(data, context=RECORDED)


_LATEST: dict[str, int] = {}
_LATEST_OF: list[int] = [-1]  # how many event classes _LATEST was built from


def latest_version(base_type: str) -> int:
    """The newest version of an event type that this code knows."""
    # every decode asks this: a scan of every event class per event was 40% of a rebuild (py-spy), so the
    # answers are kept, and built again whenever another event class has been registered since
    if _LATEST_OF[0] != len(EVENTS):
        _LATEST.clear()
        for cls in EVENTS.values():
            _LATEST[cls.base_type()] = max(cls.version, _LATEST.get(cls.base_type(), 0))
        _LATEST_OF[0] = len(EVENTS)
    if base_type not in _LATEST:
        if len(all_events()) != _LATEST_OF[0]:  # its module was not loaded yet: ask again with every module loaded
            return latest_version(base_type)
        raise KeyError(f"unknown event type {base_type}")
    return _LATEST[base_type]


def all_events() -> dict[str, type[Event]]:
    """Every event class, loading the contexts' modules this process has not imported yet."""
    for name in CONTRACT_MODULES:
        importlib.import_module(f"contracts.{name}")
    return EVENTS
