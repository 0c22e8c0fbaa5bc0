"""Printed sheets (issue 31): how many notice-board sheets the gateway's renderer makes a second, one org after
another as a cascade asking for print would have them printed (each org its own name and QR code), beside Typst
compiling the same markup alone."""

from __future__ import annotations

import time
from datetime import date

import typst

from gateway.sheets import Link, Sheet, render
from gateway.sheets.render import qr_svg, source

from .report import Figure

BODY = "\n\n".join(
    " ".join(
        [
            "Коллективный договор на 2026–2028 годы подписан. Работодатель обязуется проиндексировать заработную плату "
            'не ниже уровня инфляции, сохранить "социальные гарантии" и обеспечить безопасные условия труда.'
        ]
        * 6
    )
    for _ in range(3)
)


def sheet(n: int) -> Sheet:
    """The n-th org's sheet of one material: its own name and its own chat."""
    return Sheet(
        title="Индексация заработной платы с 1 июля - итоги переговоров",
        body=BODY,
        org_name=f"Первичная профсоюзная организация № {n}",
        sender_name="Санкт-Петербургская территориальная организация",
        day=date(2026, 5, 12),
        kind="Новость",
        topics=("заработная плата", "коллективный договор"),
        link=Link(f"https://t.me/union_org_{n}", "Чат профкома", "chat"),
    )


def bench(count: int) -> list[Figure]:
    """Sheets a second on A4 and A3, each a new org (so a new QR code), against compiling the markup alone."""
    figures = []
    render(sheet(0), "a4")  # the first compile loads the fonts
    for paper in ("a4", "a3"):
        sheets = [sheet(n + 1 + (count if paper == "a3" else 0)) for n in range(count)]
        began = time.perf_counter()
        size = sum(len(render(s, paper)) for s in sheets)
        rate = count / (time.perf_counter() - began)
        markup = [(source(s, paper).encode(), {"qr": qr_svg(s.link.url)} if s.link else {}) for s in sheets]
        began = time.perf_counter()
        for text, inputs in markup:
            typst.compile(text, ignore_system_fonts=True, sys_inputs=inputs)
        raw = count / (time.perf_counter() - began)
        figures.append(Figure(f"sheets.{paper}", rate, "sheets/s", "Typst compiling the same markup alone", raw))
        figures.append(Figure(f"sheets.{paper}.bytes", size / count, "bytes a sheet"))
    return figures
