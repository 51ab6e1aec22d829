"""Server-rendered inline SVG charts for the insights page (no JavaScript, no CDN).

Only SVG presentation attributes are used (no `style` attributes), so the
dashboard's Content-Security-Policy (style-src 'self') holds, and the charts
print as they are shown. A suppressed month ("< 5") is drawn as a low hatched
bar with the text "<5", never as its real height.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence

from markupsafe import Markup, escape

MONTH_NAMES = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WIDTH, HEIGHT = 520, 180
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 22, 30
BAR = "#9b1c31"


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year[2:]}"


def bar_chart(chart_id: str, title: str, months: Sequence[str],
              cells: Sequence[Dict[str, Any]], unit: str = "aantal",
              empty_text: str = "") -> Markup:
    """An SVG bar chart: one bar per month; cells are suppress() results."""
    values: List[float] = [float(c["value"]) for c in cells if c.get("value") is not None]
    peak = max(values) if values else 0.0
    peak = peak if peak > 0 else 1.0
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    slot = inner_w / max(1, len(months))
    bar_w = max(4.0, slot * 0.62)
    pattern = f"hatch-{escape(chart_id)}"
    step = max(1, -(-len(months) // 12))  # at most 12 month labels
    dense = len(months) > 12
    parts = [
        f'<svg class="chart" id="chart-{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="t-{escape(chart_id)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="t-{escape(chart_id)}">{escape(title)}</title>',
        f'<defs><pattern id="{pattern}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#8a94a3" stroke-width="3"/></pattern></defs>',
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        f'stroke="#c4cad3" stroke-width="1"/>',
    ]
    for index, (month, cell) in enumerate(zip(months, cells, strict=False)):
        x = LEFT + index * slot + (slot - bar_w) / 2
        centre = x + bar_w / 2
        display = str(cell.get("display", "-"))
        value = cell.get("value")
        if cell.get("suppressed"):
            height = inner_h * 0.08
            parts.append(
                f'<rect class="bar suppressed" x="{x:.1f}" y="{TOP + inner_h - height:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}" fill="url(#{pattern})" '
                f'stroke="#8a94a3" stroke-width="0.8"><title>{escape(month_label(month))}: '
                f'minder dan 5</title></rect>')
            label_y = TOP + inner_h - height - 4
            display = "<5"
        elif value is not None and float(value) > 0:
            height = inner_h * float(value) / peak
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{TOP + inner_h - height:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}" fill="{BAR}">'
                f'<title>{escape(month_label(month))}: {escape(display)} {escape(unit)}</title></rect>')
            label_y = TOP + inner_h - height - 4
        else:
            label_y = TOP + inner_h - 4
        if not dense or display not in ("0", "-"):
            parts.append(f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle" '
                         f'font-size="{9 if dense else 11}" fill="#1d2733">{escape(display)}</text>')
        if (len(months) - 1 - index) % step == 0:
            parts.append(f'<text x="{centre:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                         f'font-size="10" fill="#5b6775">{escape(month_label(month))}</text>')
    if not values or max(values) == 0:
        if empty_text and not any(c.get("suppressed") for c in cells):
            parts.append(f'<text x="{WIDTH / 2:.0f}" y="{TOP + inner_h / 2:.0f}" '
                         f'text-anchor="middle" font-size="12" fill="#5b6775">'
                         f'{escape(empty_text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
