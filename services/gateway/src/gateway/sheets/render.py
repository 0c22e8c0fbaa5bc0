"""A material as a print-ready notice-board sheet (P1, P2, D2): an A4 information sheet or an A3 poster, made by Typst
from a small description, with a QR code to the org's own electronic channel so a reader at the board can join it (K6).

Pure: no IO beyond the compiler in memory, nothing fetched, no system fonts (Typst's embedded Libertinus Serif covers
Cyrillic), so the same description always prints the same pages."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Literal

from babel.dates import format_date

from .typography import clean, inline, paragraphs, shorten

Paper = Literal["a4", "a3"]
PAPERS: tuple[Paper, ...] = ("a4", "a3")


@dataclass(frozen=True)
class Link:
    """Where the sheet invites its readers: one of the org's electronic channels."""

    url: str
    name: str
    kind: str
    """chat, website, social_page or mailing_list"""


@dataclass(frozen=True)
class Sheet:
    """What a sheet shows, in the words it prints (Russian)."""

    title: str
    body: str
    org_name: str
    """The org whose board it is for."""
    sender_name: str
    """The org the material came from (the org itself for its own)."""
    day: date
    kind: str = "Информационный листок"
    topics: tuple[str, ...] = ()
    link: Link | None = None


@dataclass(frozen=True)
class _Layout:
    margin_x: str
    margin_top: str
    text: str
    small: str
    title: str
    org: str
    qr: str
    width: float
    """The line's width in points: the paper's less both margins."""
    qr_width: float
    """The QR code's width and its gutter, in points."""

    def room(self, size: str, less: float = 0.0) -> float:
        """How many ems of text at `size` fit on a line `less` points shorter than the page's (a little to spare)."""
        return (self.width - less) / float(size.removesuffix("pt")) * 0.95


MM = 72 / 25.4
LAYOUTS: dict[Paper, _Layout] = {
    "a4": _Layout("20mm", "16mm", "12pt", "9pt", "24pt", "14pt", "38mm", 595.28 - 40 * MM, 44 * MM),
    "a3": _Layout("26mm", "22mm", "17pt", "12pt", "40pt", "22pt", "62mm", 841.89 - 52 * MM, 68 * MM),
}

INVITES = {
    "chat": "Вступайте в чат профсоюзной организации",
    "website": "Сайт профсоюзной организации",
    "social_page": "Страница профсоюзной организации в соцсети",
    "mailing_list": "Подпишитесь на рассылку профсоюзной организации",
}
NO_LINK = "Как подключиться к электронным каналам организации, спросите в профкоме."


def source(sheet: Sheet, paper: Paper) -> str:
    """The Typst markup of a sheet; every piece of user text is escaped (`typography`)."""
    lay = LAYOUTS[paper]
    day = format_date(sheet.day, format="long", locale="ru")
    small = lay.room(lay.small)
    origin = f"{inline(sheet.kind, small)} · {inline(sheet.sender_name, small - 12)}"  # beside the date
    topics = " · ".join(inline(t, small) for t in sheet.topics)
    footer = inline(shorten(" ".join(clean(sheet.org_name).split()), small - 10), small)  # one line, beside "1 из 1"
    topics_line = f'#block(below: 1.1em)[#set par(justify: false); #set text(size: {lay.small}, style: "italic"); {topics}]'
    return f"""
#set document(title: "{_string(sheet.title)}", date: none)
#set page(paper: "{paper}", margin: (x: {lay.margin_x}, top: {lay.margin_top}, bottom: 20mm),
  footer: context [#set text(size: {lay.small}, fill: luma(90)); #set par(justify: false)
    {footer} #h(1fr) #counter(page).display("1 из 1", both: true)])
#set text(lang: "ru", font: "Libertinus Serif", size: {lay.text}, hyphenate: true)
#set par(justify: true, leading: 0.62em, spacing: 0.9em)
#block(width: 100%)[#set par(justify: false); #set text(size: {lay.small}, fill: luma(70), hyphenate: false)
  #grid(columns: (1fr, auto), gutter: 4mm, [{origin}], [{inline(day)}])]
#line(length: 100%, stroke: 1.2pt)
#block(above: 0.8em, below: 0.2em)[#set par(justify: false); #set text(size: {lay.org}, weight: "bold", hyphenate: false)
  {inline(sheet.org_name, lay.room(lay.org))}]
#block(above: 1.2em, below: 0.9em)[#set par(justify: false, leading: 0.45em)
  #set text(size: {lay.title}, weight: "bold", hyphenate: false); {inline(sheet.title, lay.room(lay.title))}]
{topics_line if topics else ""}

{paragraphs(sheet.body, lay.room(lay.text))}

{_invitation(sheet.link, lay)}
"""


def _invitation(link: Link | None, lay: _Layout) -> str:
    """The QR code and what it leads to, kept together at the end; without a channel, where to ask."""
    if link is None:
        return f'#block(above: 2em)[#set text(size: {lay.small}, style: "italic"); {inline(NO_LINK)}]'
    invite = INVITES.get(link.kind, "Электронный канал профсоюзной организации")
    beside, url = lay.room(lay.text, lay.qr_width), lay.room(lay.small, lay.qr_width)
    return f"""#block(breakable: false, above: 2em, width: 100%, stroke: (top: 0.6pt), inset: (top: 4mm))[
  #grid(columns: ({lay.qr}, 1fr), gutter: 6mm,
    image(bytes(sys.inputs.qr), format: "svg", width: 100%),
    align(horizon)[#set par(justify: false); #set text(hyphenate: false)
      *{inline(invite, beside)}* \\ {inline(link.name, beside)} \\ #text(size: {lay.small})[{inline(link.url, url)}]])]"""


def _string(text: str) -> str:
    """A Typst string literal's inside (the document's title in the PDF's metadata)."""
    return " ".join(clean(text).split())[:300].replace("\\", "\\\\").replace('"', '\\"')  # cut, then escaped


@functools.lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """The URL as a QR code in SVG, black on white, medium error correction (a worn sheet still reads); kept per URL,
    as making one costs about a third of a sheet."""
    import segno  # here, not at the top: a gateway that prints no sheet never loads it

    return str(segno.make(url, error="m", micro=False).svg_inline(border=2, dark="#000", light="#fff"))


def render(sheet: Sheet, paper: Paper = "a4") -> bytes:
    """The sheet as PDF bytes on A4 or A3; long titles and bodies flow onto further pages."""
    # here, not at the top: Typst's compiler is about 7 MB resident, which a gateway that prints no sheet never needs
    import typst

    inputs = {"qr": qr_svg(sheet.link.url)} if sheet.link else {}
    pdf = typst.compile(source(sheet, paper).encode(), ignore_system_fonts=True, sys_inputs=inputs)
    assert isinstance(pdf, bytes)
    return pdf
