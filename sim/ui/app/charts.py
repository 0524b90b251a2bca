"""Charts the browser draws: small SVG line charts as HTML strings (no plotting library).

Why SVG strings: a month of a 1,000-MSE run takes about 5 ms to step, while re-rendering five
matplotlib PNGs took about 0.8 s; an SVG chart of a few lines of at most a few hundred points
is a few kilobytes, built in well under a millisecond and drawn by the browser. Nothing is
fetched from a CDN. Text sizes are in CSS pixels (at least 14 px, for a projector).

Each chart is a ``div`` with a title, a legend above the plot (never over the lines) and the
plot: months 0 to the horizon on the x axis (fixed, so lines grow to the right and the axes do
not jump), and y from 0 (shares in percent).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Chart size in CSS pixels (two charts side by side fit a 1280 px projector beside the
#: settings panel) and the plot's margins inside it.
WIDTH, HEIGHT = 440, 215
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 14, 10, 44
#: Size of every text in a chart, CSS pixels (the issue's floor for a projector is 14).
FONT_PX = 15


@dataclass(frozen=True)
class Line:
    """One line of a chart.

    Attributes:
        label: Legend text.
        colour: CSS colour.
        values: Monthly values from month 0.
        dashed: Draw dashed (a second arm, or a reference).
    """

    label: str
    colour: str
    values: np.ndarray
    dashed: bool = False


def nice_ceiling(value: float) -> float:
    """Return 1, 2, 2.5 or 5 times a power of ten, at least `value` (an axis top)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for k in (1, 2, 2.5, 5, 10):
        if k * power >= value * (1 - 1e-9):
            return k * power
    return 10 * power


def month_ticks(horizon: int) -> list[int]:
    """Return x-axis ticks: every year for ten years or less, else every 2, 5 or 10 years."""
    for step in (12, 24, 60, 120, 240):
        if horizon / step <= 10:
            break
    if horizon < 12:
        step = max(1, horizon // 4 or 1)
    return list(range(0, horizon + 1, step))


def line_chart(title: str, lines: Sequence[Line], *, horizon: int, share: bool,
               fmt: Callable[[float], str], x_label: str, y_label: str = "",
               note: str = "", css_class: str = "") -> str:
    """Return a line chart as an HTML string (title, legend, SVG plot).

    Args:
        title: Chart title.
        lines: The lines, drawn in order.
        horizon: Last month on the x axis.
        share: Values are shares (0-1): the y axis is in percent, from 0 to at least 10 %.
        fmt: Formats a y tick value (locale-aware; for shares it gets the share).
        x_label: The x axis' title ("Month").
        y_label: The y axis' unit, shown under the title.
        note: A sentence over the plot (e.g. at month 0, what to press).
        css_class: Extra class of the chart's ``div`` (tests find charts by it).
    """
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    finite = [v[np.isfinite(v)] for v in (np.asarray(line.values, float) for line in lines)]
    top = max((float(v.max()) for v in finite if v.size), default=0.0)
    bottom = min((float(v.min()) for v in finite if v.size), default=0.0)
    y_max = nice_ceiling(max(top * 1.05, 0.1 if share else 1e-9))
    y_min = 0.0 if bottom >= 0 else -nice_ceiling(-bottom * 1.05)
    horizon = max(int(horizon), 1)

    def px(month: float, value: float) -> tuple[float, float]:
        x = MARGIN_LEFT + plot_w * month / horizon
        y = MARGIN_TOP + plot_h * (1 - (value - y_min) / (y_max - y_min))
        return x, y

    parts = [f'<svg class="mse-plot" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
             f'font-size="{FONT_PX}" font-family="inherit">']
    # y grid and ticks at round values: 4 intervals of 1 and 2, 5 of 2.5 and 5 (x 10^k)
    span = y_max - y_min
    lead = span / 10 ** math.floor(math.log10(span))
    intervals = 5 if round(lead, 6) in (2.5, 5.0) else 4
    for k in range(intervals + 1):
        value = y_min + span * k / intervals
        _, y = px(0, value)
        parts.append(f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" '
                     f'y2="{y:.1f}" stroke="#d9d9d9" stroke-width="1"/>')
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 5:.1f}" text-anchor="end" '
                     f'fill="#222">{html.escape(fmt(value))}</text>')
    # x ticks and axis
    base_y = MARGIN_TOP + plot_h
    parts.append(f'<line x1="{MARGIN_LEFT}" y1="{base_y}" x2="{WIDTH - MARGIN_RIGHT}" '
                 f'y2="{base_y}" stroke="#555" stroke-width="1.2"/>')
    for month in month_ticks(horizon):
        x, _ = px(month, y_min)
        parts.append(f'<line x1="{x:.1f}" y1="{base_y}" x2="{x:.1f}" y2="{base_y + 5}" '
                     f'stroke="#555"/>')
        parts.append(f'<text x="{x:.1f}" y="{base_y + 20}" text-anchor="middle" '
                     f'fill="#222">{month}</text>')
    parts.append(f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" '
                 f'text-anchor="middle" fill="#222">{html.escape(x_label)}</text>')
    for line in lines:
        values = np.asarray(line.values, float)
        pts = [px(m, v) for m, v in enumerate(values) if math.isfinite(v)]
        dash = ' stroke-dasharray="7 5"' if line.dashed else ""
        if len(pts) == 1:
            x, y = pts[0]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{line.colour}"/>')
        elif pts:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
                         f'stroke-width="3" stroke-linejoin="round"{dash}/>')
    if note:
        parts.append(f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{MARGIN_TOP + plot_h / 2:.1f}"'
                     f' text-anchor="middle" fill="#555">{html.escape(note)}</text>')
    parts.append("</svg>")
    legend = "" if len(lines) < 2 else "".join(
        f'<span class="mse-legend-item"><span class="mse-swatch'
        f'{" mse-dashed" if ln.dashed else ""}" style="border-color:{ln.colour}"></span>'
        f'{html.escape(ln.label)}</span>'
        for ln in lines)
    unit = f'<span class="mse-chart-unit">{html.escape(y_label)}</span>' if y_label else ""
    return (f'<div class="mse-chart {css_class}"><div class="mse-chart-title">'
            f'{html.escape(title)} {unit}</div>'
            + (f'<div class="mse-legend">{legend}</div>' if legend else "")
            + "".join(parts) + "</div>")
