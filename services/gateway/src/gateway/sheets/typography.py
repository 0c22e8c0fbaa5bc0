"""User text made safe and well set for Typst markup: every character that could mean markup is escaped, so a title
such as `#import`, `$x$` or `<label>` prints as written; Russian typography is made here (straight quotes become
«ёлочки» with „лапки“ inside them, a spaced hyphen a dash, short words and numbers bound to the next word) or left to
Typst (`lang: "ru"`: hyphenation)."""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
NBSP = "\u00a0"
LONGEST = 24
"""A run of this many characters without a space is given break opportunities, so that no word, URL or string of
letters can run off the page (Typst never breaks inside a word that its patterns do not know)."""

_SPACED_HYPHEN = re.compile(r"(?<=\S)[ \t]+(?:-{1,3}|–|—)[ \t]+")
_LEADING_HYPHEN = re.compile(r"^(?:-{1,3}|–|—)[ \t]+", re.MULTILINE)
_SHORT_WORD = re.compile(r"(?<![\w\-])(\w{1,2}) (?=\S)")
_LONG = re.compile(rf"\S{{{LONGEST + 1},}}")
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
    «12 %», «5 мая»."""
    return _SHORT_WORD.sub(lambda m: m.group(1) + NBSP, text)


def breakable(text: str) -> str:
    """Every run of more than `LONGEST` characters without a space gets a zero-width space after each `LONGEST`."""
    return _LONG.sub(lambda m: ZWSP.join(m.group(0)[i : i + LONGEST] for i in range(0, len(m.group(0)), LONGEST)), text)


def escape(text: str) -> str:
    """Typst markup that prints `text` as written: a backslash before every character but letters, digits, spaces and
    the zero-width space. Newlines are kept as they are."""
    return "".join(c if c.isalnum() or c.isspace() or c == ZWSP else "\\" + c for c in text)


def typeset(line: str) -> str:
    """One line of text with Russian typography, as markup."""
    return escape(breakable(bound(dashes(quotes(" ".join(line.split()))))))


def inline(text: str) -> str:
    """One line of user text (a name, a title) as markup: cleaned, dashed, breakable, escaped; newlines as spaces."""
    return typeset(clean(text))


def paragraphs(text: str) -> str:
    """A body as markup: blank lines part paragraphs, a single newline breaks the line."""
    parts = [p.strip() for p in _BLANK_LINES.split(clean(text).strip())]
    out = []
    for part in parts:
        if not part:
            continue
        lines = [typeset(line) for line in part.split("\n")]
        out.append(" \\\n".join(line for line in lines if line))
    return "\n\n".join(out)
