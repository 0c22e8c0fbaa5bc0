"""Reading printed sheets back as a person at the notice board would: their text, their page sizes, their QR codes."""

from __future__ import annotations

import io
import re

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import zxingcpp

A4 = (595.3, 841.9)
A3 = (841.9, 1190.6)
"""Page sizes in PostScript points."""


def text_of(pdf: bytes) -> str:
    """Every page's text, soft hyphens and zero-width spaces dropped and whitespace runs as one space (a title may wrap
    anywhere)."""
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(page.extract_text() for page in pages).replace("\u00ad", "").replace("\u200b", "")
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height of each page, in points."""
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def qr_codes(pdf: bytes, scale: float = 2.0) -> list[str]:
    """The text of every QR code found on the pages, rendered at `scale` × 72 dpi in grey."""
    found: list[str] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            bitmap = page.render(scale=scale, grayscale=True)
            # one byte a pixel; a row's padding, if any, is a white margin to the decoder
            pixels = memoryview(bitmap.buffer).cast("B").cast("B", (bitmap.height, bitmap.stride))
            found += [b.text for b in zxingcpp.read_barcodes(pixels) if b.format == zxingcpp.BarcodeFormat.QRCode]
    finally:
        document.close()
    return found


def same_size(size: tuple[float, float], paper: tuple[float, float], slack: float = 1.5) -> bool:
    """Whether a page is of that paper, within `slack` points."""
    return abs(size[0] - paper[0]) <= slack and abs(size[1] - paper[1]) <= slack
