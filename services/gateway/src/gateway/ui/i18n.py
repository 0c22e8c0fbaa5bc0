"""The UI's languages: Russian by default, English on request; gettext catalogues and Russian formats."""

from __future__ import annotations

import functools
import gettext
import io
import re
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGS = ("ru", "en")
DEFAULT = "ru"
LOCALES = Path(__file__).parent / "locale"
UNION_ZONE = ZoneInfo("Europe/Moscow")
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
QUARTER = re.compile(r"(?<![\w-])(\d{4})-Q([1-4])(?![\w-])")
# a figure standing alone: not part of a date (08.03.2026, 2026-03-08), an id or a word; a decimal point, or 5+ digits
FIGURE = re.compile(r"(?<![\w.,-])(\d+\.\d+|\d{5,})(?![\w-]|[.,]\d)")


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language, compiled from its `.po` once per process (English is the source text)."""
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def pick(cookie: str | None) -> str:
    """The language a request is answered in: the user's choice, else Russian."""
    return cookie if cookie in LANGS else DEFAULT


class Formats:
    """Dates, times and numbers written as a reader of `lang` expects them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = translations(lang)

    def gettext(self, source: str, /, **values: object) -> str:
        """A text in this language, with its %(named)s values filled in."""
        text = self.t.gettext(source)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The plural form for n (Russian has three), with n written as a number of this language."""
        return self.t.ngettext(singular, plural, n) % {"num": self.number(n), **values}

    def date(self, value: date | str | None, form: str = "medium") -> str:
        """A day, e.g. «8 марта 2026 г.» (long) or «8 мар. 2026 г.» (medium)."""
        if not value:
            return "—"
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return dates.format_date(day, format=form, locale=self.lang)

    def moment(self, value: datetime | str | None) -> str:
        """A point in time, in the union's time zone."""
        if not value:
            return "—"
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        return dates.format_datetime(at, format="short", tzinfo=UNION_ZONE, locale=self.lang)

    def number(self, value: float | int | Decimal | str | None, digits: int = 2) -> str:
        """A number with this language's separators (1 234,5); a dash when there is none."""
        try:
            return numbers.format_decimal(Decimal(str(value)), format=f"#,##0.{'#' * digits}", locale=self.lang)
        except (InvalidOperation, ValueError):  # None, an empty cell, a missing figure
            return "—"

    def period(self, value: str | None) -> str:
        """A period as a reader says it: `2026-Q4` is «IV кв. 2026» (Q4 2026), a year stays itself."""
        if not value:
            return "—"
        return QUARTER.sub(self._quarter, value)

    def _quarter(self, m: re.Match[str]) -> str:
        return f"{ROMAN[m[2]]} кв. {m[1]}" if self.lang == "ru" else f"Q{m[2]} {m[1]}"

    def prose(self, text: str | None) -> str:
        """A service's sentence with its figures and periods written for this reader: «170000.00 из 3300000.00 =
        5.15 %» reads «170 000,00 из 3 300 000,00 = 5,15 %», «2026-Q4» reads «IV кв. 2026» (the services write
        figures plainly, the same in every language)."""
        if not text:
            return ""
        return FIGURE.sub(self._figure, self.period(text))

    def _figure(self, m: re.Match[str]) -> str:
        raw = m[0]
        digits = len(raw.split(".")[1]) if "." in raw else 0
        shown = numbers.format_decimal(Decimal(raw), format="#,##0." + "0" * digits if digits else "#,##0", locale=self.lang)
        return shown

    def percent(self, value: float | Decimal | str | None) -> str:
        """A fraction (0.05) as a percentage (5 %), cut to a tenth of a percent: 0.04996 shows 4,9 %, never 5 % (RULES.md)."""
        try:
            shown = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
            return numbers.format_percent(shown, format="#,##0.#%", locale=self.lang)
        except (InvalidOperation, ValueError):
            return "—"
