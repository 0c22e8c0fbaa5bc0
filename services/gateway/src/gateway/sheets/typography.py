"""User text made safe and well set for Typst markup: every character that could mean markup is escaped, so a title
such as `#import`, `$x$` or `<label>` prints as written; Russian typography is made here (straight quotes become
«ёлочки» with „лапки“ inside them, a spaced hyphen a dash, short words and numbers bound to the next word) or left to
Typst (`lang: "ru"`: hyphenation)."""

from __future__ import annotations

import itertools
import re
import unicodedata

ZWSP = "\u200b"
"""Where `breakable` lets a line break. Never printed: the pieces of a run so cut are set as boxes side by side, and a
line may break between two boxes whatever they hold (a run of quotes, which no break may precede or follow), with no
character in the PDF's text (a URL copied from the sheet stays whole)."""
NBSP = "\u00a0"
WIDE = 40.0
"""The room of a line of body text, in ems: a run of characters without a space wider than this gets break
opportunities (Typst never breaks inside a word that its patterns do not know)."""
_NARROW = frozenset("abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")

_SPACED_HYPHEN = re.compile(r"(?<=\S)[ \t]+(?:-{1,3}|–|—)[ \t]+")
_LEADING_HYPHEN = re.compile(r"^(?:-{1,3}|–|—)[ \t]+", re.MULTILINE)
_SHORT_WORD = re.compile(r"[(«„\[]?\w{1,2}")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def clean(text: str) -> str:
    """Text without control or format characters (a bidi override, a NUL), tabs as spaces, lines ended by `\\n` alone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C")


def dashes(text: str) -> str:
    """A hyphen (or two, or an en dash) between spaces is a dash bound to the word before it: «слово — слово»; one
    opening a line (a reply in a dialogue, an item) is a dash too."""
    text = _SPACED_HYPHEN.sub(f"{NBSP}— ", text)
    return _LEADING_HYPHEN.sub(f"—{NBSP}", text)


def quotes(text: str) -> str:
    """Straight double quotes as Russian ones by depth: «…» outside, „…“ inside; a quote after a space, an opening
    bracket or a dash opens, any other closes. Quotes already typed as «» or „“ count for the depth."""
    out, depth = [], 0
    for i, c in enumerate(text):
        mark = c
        if c in "«„":
            depth += 1
        elif c in "»“":
            depth = max(0, depth - 1)
        elif c == '"':
            before = text[i - 1] if i else " "
            if before.isspace() or before in "([{-–—/":
                mark, depth = ("«" if depth == 0 else "„"), depth + 1
            else:
                depth = max(0, depth - 1)
                mark = "»" if depth == 0 else "“"
        out.append(mark)
    return "".join(out)


def bound(text: str) -> str:
    """A word of one or two letters or digits (a preposition, a conjunction, a number) never ends a line: «в цехе»,
    «12 %», «5 мая» — bound to the next word, but only one at a time, so a run of them («1 2 3 …», «в на по …») still
    has a break at every other space."""
    words = text.split(" ")
    out, held = [words[0]], False
    for before, word in itertools.pairwise(words):
        bind = not held and bool(_SHORT_WORD.fullmatch(before)) and bool(word) and not word[0].isspace()
        out.append((NBSP if bind else " ") + word)
        held = bind
    return "".join(out)


def em(c: str) -> float:
    """A character's width in ems, rounded up over Libertinus Serif's regular and bold (Ш in bold is 1.15 em); a
    character the font lacks prints as a box narrower than the widest guess."""
    if c in _NARROW:
        return 0.9
    if c in _CAPITALS:
        return 1.2
    if c.isdigit() and c.isascii():
        return 0.55
    return 0.0 if unicodedata.combining(c) else 1.6


def breakable(text: str, room: float = WIDE) -> str:
    """Every run without a breaking space wider than `room` ems (by `em`'s generous guess) gets a `ZWSP` before it
    would pass it, so each piece fits on a line of its own. A no-break space does not break: it counts in the run."""
    out, width = [], 0.0
    for c in text:
        if c in " \n":
            width = 0.0
        else:
            w = em(c)
            if width and width + w > room:
                out.append(ZWSP)
                width = 0.0
            width += w
        out.append(c)
    return "".join(out)


def shorten(text: str, room: float) -> str:
    """The text cut to `room` ems (by `em`'s guess) with an ellipsis, or as it is when it fits."""
    width = 0.0
    for i, c in enumerate(text):
        width += em(c)
        if width > room - em("…"):
            return text[:i].rstrip() + "…"
    return text


def escape(text: str) -> str:
    """Typst markup that prints `text` as written: a backslash before every character but letters, digits and spaces.
    Newlines are kept as they are."""
    return "".join(c if c.isalnum() or c.isspace() else "\\" + c for c in text)


def boxed(text: str) -> str:
    """Markup of `breakable`'s text: each run it cut is a row of boxes, one for each piece; the rest escaped."""
    words = text.split(" ")
    return " ".join("".join(f"#box[{escape(p)}]" for p in w.split(ZWSP)) if ZWSP in w else escape(w) for w in words)


def typeset(line: str, room: float = WIDE) -> str:
    """One line of text with Russian typography, as markup; no run wider than `room` ems."""
    return boxed(breakable(bound(dashes(quotes(" ".join(line.split())))), room))


def inline(text: str, room: float = WIDE) -> str:
    """One line of user text (a name, a title) as markup: cleaned, dashed, breakable within `room` ems, escaped;
    newlines as spaces."""
    return typeset(clean(text), room)


def paragraphs(text: str, room: float = WIDE) -> str:
    """A body as markup: blank lines part paragraphs, a single newline breaks the line."""
    parts = [p.strip() for p in _BLANK_LINES.split(clean(text).strip())]
    out = []
    for part in parts:
        if not part:
            continue
        lines = [typeset(line, room) for line in part.split("\n")]
        out.append(" \\\n".join(line for line in lines if line))
    return "\n\n".join(out)
