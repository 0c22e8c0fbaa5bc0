"""Charts drawn on the server as SVG (no script, no CDN): an indicator over periods, and a ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

Number = Callable[[float | None], str]


def _num(v: object) -> float | None:
    try:
        return None if v is None else float(str(v))
    except ValueError:
        return None


def series_chart(
    points: Sequence[dict[str, object]],
    title: str,
    fmt: Number,
    width: int = 640,
    height: int = 240,
    period: Callable[[str], str] = str,
) -> Markup:
    """A line of values over periods with the targets dashed; gaps where a period has no value."""
    left, right, top, bottom = 56, 36, 20, 34
    values = [_num(p.get("rollup", p.get("value"))) for p in points]
    targets = [_num(p.get("target")) for p in points]
    top_value = max([v for v in values + targets if v is not None] or [1.0]) or 1.0
    step = (width - left - right) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        return round(top + (height - top - bottom) * (1 - v / top_value), 1)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{escape(fmt(top_value))}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    for name, row, css in (("value", values, "line"), ("target", targets, "target")):
        runs = [f"{x(i)},{y(v)}" for i, v in enumerate(row) if v is not None]
        if runs:
            parts.append(f'<polyline class="{css}" data-series="{name}" points="{" ".join(runs)}"/>')
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        parts.append(f'<text x="{x(i)}" y="{height - 12}" text-anchor="middle">{escape(period(str(p.get("period", ""))))}</text>')
        if v is not None:
            parts.append(f'<circle class="point" cx="{x(i)}" cy="{y(v)}" r="3.5"><title>{escape(fmt(v))}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def ranking_chart(rows: Sequence[dict[str, object]], names: dict[str, str], title: str, fmt: Number, width: int = 640) -> Markup:
    """Horizontal bars, best first; a met target is drawn green."""
    bar_h, label_w = 22, 260
    height = max(len(rows), 1) * bar_h + 10
    top_value = max([v for r in rows if (v := _num(r.get("value"))) is not None] or [1.0]) or 1.0
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, r in enumerate(rows):
        v = _num(r.get("value")) or 0.0
        y = 5 + i * bar_h
        name = names.get(str(r.get("org_id")), str(r.get("org_id")))
        short = name if len(name) <= 38 else name[:37] + "…"
        w = round((width - label_w - 70) * v / top_value, 1)
        css = "barv met" if r.get("met") else "barv"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>')
        parts.append(
            f'<rect class="{css}" x="{label_w}" y="{y + 3}" width="{w}" height="{bar_h - 8}"><title>{escape(name)}</title></rect>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 15}">{escape(fmt(_num(r.get("value"))))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
