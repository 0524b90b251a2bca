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

#: Chart size in CSS pixels and the plot's margins inside it. The page scales a chart to its
#: cell (three columns and two rows under the bars); at 1280x720 a cell holds about this
#: much, so the text is drawn at close to its size (at 125 % zoom the cells are 0.8 times as
#: large in CSS pixels, and the text as large on the screen as at 100 %).
WIDTH, HEIGHT = 400, 190
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


@dataclass(frozen=True)
class Hover:
    """What a chart shows when the pointer rests on a month (values, in the page's language).

    Attributes:
        month_words: Says a month: ``lambda m: f"Month {m}"`` in the page's language.
        value: Formats one value of a line (locale-aware; a share as a percentage).
        before_words: Names the faint line of the previous run in a hover ("before").
    """

    month_words: Callable[[int], str]
    value: Callable[[float], str]
    before_words: str = ""


def y_range(lines: Sequence[Line], share: bool) -> tuple[float, float]:
    """Return the y axis' bottom and top: round values from 0 that hold every line.

    A share axis ends at 100 % at most (a share cannot exceed it; rounding the top up once
    drew a share from 0 to 200 %), and shows at least 0-10 %.
    """
    finite = [v[np.isfinite(v)] for v in (np.asarray(line.values, float) for line in lines)]
    top = max((float(v.max()) for v in finite if v.size), default=0.0)
    bottom = min((float(v.min()) for v in finite if v.size), default=0.0)
    y_max = nice_ceiling(max(top * 1.05, 0.1 if share else 1e-9))
    if share and top <= 1.0 + 1e-9:
        y_max = min(y_max, 1.0)
    y_min = 0.0 if bottom >= 0 else -nice_ceiling(-bottom * 1.05)
    return y_min, y_max


def plot_svg(
    lines: Sequence[Line],
    *,
    horizon: int,
    share: bool,
    fmt: Callable[[float], str],
    x_label: str,
    title: str = "",
    note: str = "",
    before: Sequence[Line] = (),
    hover: Hover | None = None,
    y: float = 0.0,
    css_class: str = "mse-plot",
) -> str:
    """Return the plot of a chart (axes, grid, lines) as an ``<svg>`` element.

    Args:
        lines: The lines, drawn in order.
        horizon: Last month on the x axis.
        share: Values are shares (0-1): the y axis is in percent, from 0 to 10-100 %.
        fmt: Formats a y tick value (locale-aware; for shares it gets the share).
        x_label: The x axis' title ("Month").
        title: The plot's accessible name.
        note: A sentence over the plot (e.g. at month 0, what to press).
        before: The previous run's lines, drawn faint and thin under the others.
        hover: Values shown when the pointer rests on a month (None: no hover layer; left
            out while a run plays, when nobody can point at a moving line).
        y: Vertical position inside a larger SVG (a saved figure).
        css_class: The element's class.
    """
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    y_min, y_max = y_range([*lines, *before], share)
    horizon = max(int(horizon), 1)

    def px(month: float, value: float) -> tuple[float, float]:
        x = MARGIN_LEFT + plot_w * month / horizon
        y = MARGIN_TOP + plot_h * (1 - (value - y_min) / (y_max - y_min))
        return x, y

    parts = [
        f'<svg class="{css_class}" y="{y:.0f}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        f'font-size="{FONT_PX}" font-family="inherit">'
    ]
    # y grid and ticks at round values: 4 intervals of 1 and 2, 5 of 2.5 and 5 (x 10^k)
    span = y_max - y_min
    lead = span / 10 ** math.floor(math.log10(span))
    intervals = 5 if round(lead, 6) in (2.5, 5.0) else 4
    for k in range(intervals + 1):
        value = y_min + span * k / intervals
        _, ty = px(0, value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{ty:.1f}" x2="{WIDTH - MARGIN_RIGHT}" '
            f'y2="{ty:.1f}" stroke="#d9d9d9" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{ty + 5:.1f}" text-anchor="end" '
            f'fill="#222">{html.escape(fmt(value))}</text>'
        )
    # x ticks and axis
    base_y = MARGIN_TOP + plot_h
    parts.append(
        f'<line x1="{MARGIN_LEFT}" y1="{base_y}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{base_y}" stroke="#555" stroke-width="1.2"/>'
    )
    for month in month_ticks(horizon):
        x, _ = px(month, y_min)
        parts.append(
            f'<line x1="{x:.1f}" y1="{base_y}" x2="{x:.1f}" y2="{base_y + 5}" stroke="#555"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{base_y + 20}" text-anchor="middle" fill="#222">{month}</text>'
        )
    parts.append(
        f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" '
        f'text-anchor="middle" fill="#222">{html.escape(x_label)}</text>'
    )
    for line in before:
        parts.append(_polyline(line, px, width=2, opacity=0.35, css="mse-before"))
    for line in lines:
        parts.append(_polyline(line, px, width=3, opacity=1.0))
    if note:
        parts.append(
            f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{MARGIN_TOP + plot_h / 2:.1f}"'
            f' text-anchor="middle" fill="#555">{html.escape(note)}</text>'
        )
    if hover is not None:
        parts.append(_hover_layer(lines, before, hover, px, horizon, plot_w, plot_h))
    parts.append("</svg>")
    return "".join(parts)


def _polyline(line: Line, px, *, width: float, opacity: float, css: str = "") -> str:
    values = np.asarray(line.values, float)
    pts = [px(m, v) for m, v in enumerate(values) if math.isfinite(v)]
    dash = ' stroke-dasharray="7 5"' if line.dashed else ""
    cls = f' class="{css}"' if css else ""
    if len(pts) == 1:
        x, y = pts[0]
        return (
            f'<circle{cls} cx="{x:.1f}" cy="{y:.1f}" r="{width + 1}" fill="{line.colour}" '
            f'fill-opacity="{opacity}"/>'
        )
    if not pts:
        return ""
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    return (
        f'<polyline{cls} points="{points}" fill="none" stroke="{line.colour}" '
        f'stroke-width="{width}" stroke-opacity="{opacity}" stroke-linejoin="round"{dash}/>'
    )


def _hover_layer(
    lines, before, hover: Hover, px, horizon: int, plot_w: float, plot_h: float
) -> str:
    """One invisible column per month drawn so far; resting on it shows the month's values.

    Pure SVG and CSS (``.mse-hover:hover .mse-tip``): nothing runs in the browser.
    """
    months = max((len(line.values) for line in lines), default=0)
    if months == 0:
        return ""
    column = plot_w / horizon
    rows = [(ln.label, ln.colour, np.asarray(ln.values, float)) for ln in lines]
    rows += [
        (
            f"{ln.label} ({hover.before_words})" if hover.before_words else ln.label,
            ln.colour,
            np.asarray(ln.values, float),
        )
        for ln in before
    ]
    out = ['<g class="mse-hovers">']
    line_h = FONT_PX + 4
    for month in range(months):
        x, _ = px(month, 0)
        shown = [
            (label, colour, values[month])
            for label, colour, values in rows
            if month < len(values) and math.isfinite(values[month])
        ]
        texts = [hover.month_words(month)] + [f"{label}: {hover.value(v)}" for label, _, v in shown]
        box_w = 30 + 0.56 * FONT_PX * max(len(t) for t in texts)
        box_h = 8 + line_h * len(texts)
        box_x = x + 10 if x + 10 + box_w <= WIDTH else max(x - 10 - box_w, 0)
        tip = [
            f'<rect x="{box_x:.0f}" y="{MARGIN_TOP}" width="{box_w:.0f}" '
            f'height="{box_h}" rx="4" fill="#fff" fill-opacity="0.95" stroke="#444"/>'
        ]
        for k, t in enumerate(texts):
            base = MARGIN_TOP + 4 + line_h * (k + 1) - 4
            if k:  # a swatch of the line's colour before its value
                tip.append(
                    f'<rect x="{box_x + 8:.0f}" y="{base - 10}" width="12" height="6" '
                    f'fill="{shown[k - 1][1]}"/>'
                )
            weight = ' font-weight="bold"' if k == 0 else ""
            tip.append(
                f'<text x="{box_x + (8 if k == 0 else 24):.0f}" y="{base}" '
                f'fill="#111"{weight}>{html.escape(t)}</text>'
            )
        out.append(
            f'<g class="mse-hover" data-month="{month}">'
            f'<rect x="{x - column / 2:.1f}" y="{MARGIN_TOP}" width="{max(column, 1):.1f}"'
            f' height="{plot_h}" fill="transparent"/>'
            f'<line x1="{x:.1f}" y1="{MARGIN_TOP}" x2="{x:.1f}" y2="{MARGIN_TOP + plot_h}"'
            f' stroke="#333" stroke-width="1" class="mse-tip"/>'
            f'<g class="mse-tip">{"".join(tip)}</g></g>'
        )
    out.append("</g>")
    return "".join(out)


def legend_html(lines: Sequence[Line], before_label: str = "") -> str:
    """Return a chart's legend (above the plot, never over the lines) as HTML."""
    items = (
        []
        if len(lines) < 2
        else [
            f'<span class="mse-legend-item"><span class="mse-swatch'
            f'{" mse-dashed" if ln.dashed else ""}" style="border-color:{ln.colour}"></span>'
            f"{html.escape(ln.label)}</span>"
            for ln in lines
        ]
    )
    if before_label:
        items.append(
            '<span class="mse-legend-item mse-legend-before"><span class="mse-swatch '
            f'mse-faint"></span>{html.escape(before_label)}</span>'
        )
    return f'<div class="mse-legend">{"".join(items)}</div>' if items else ""


def line_chart(
    title: str,
    lines: Sequence[Line],
    *,
    horizon: int,
    share: bool,
    fmt: Callable[[float], str],
    x_label: str,
    y_label: str = "",
    note: str = "",
    css_class: str = "",
    before: Sequence[Line] = (),
    before_label: str = "",
    hover: Hover | None = None,
) -> str:
    """Return a line chart as an HTML string (title, legend, SVG plot).

    Args:
        title: Chart title.
        lines: The lines, drawn in order.
        horizon: Last month on the x axis.
        share: Values are shares (0-1): the y axis is in percent, from 0 to 10-100 %.
        fmt: Formats a y tick value (locale-aware; for shares it gets the share).
        x_label: The x axis' title ("Month").
        y_label: The y axis' unit, shown under the title.
        note: A sentence over the plot (e.g. at month 0, what to press).
        css_class: Extra class of the chart's ``div`` (tests find charts by it).
        before: The previous run's lines (drawn faint), kept after a change until Reset.
        before_label: What the faint lines are, in the legend ("before: Credit access 0.20").
        hover: Values shown on hover (:class:`Hover`), or None.
    """
    unit = f'<span class="mse-chart-unit">{html.escape(y_label)}</span>' if y_label else ""
    return (
        f'<div class="mse-chart {css_class}"><div class="mse-chart-title">'
        f"{html.escape(title)} {unit}</div>"
        + legend_html(lines, before_label if before else "")
        + plot_svg(
            lines,
            horizon=horizon,
            share=share,
            fmt=fmt,
            x_label=x_label,
            title=title,
            note=note,
            before=before,
            hover=hover,
        )
        + "</div>"
    )


#: Height of a saved chart's title and legend above its plot, CSS pixels.
FIGURE_HEADER = 56


def chart_figure(
    title: str,
    lines: Sequence[Line],
    *,
    horizon: int,
    share: bool,
    fmt: Callable[[float], str],
    x_label: str,
    y_label: str = "",
    before: Sequence[Line] = (),
    before_label: str = "",
    x: float = 0,
    y: float = 0,
) -> str:
    """Return a chart as one SVG group (title, legend and plot), for a saved figure.

    The same plot as :func:`line_chart`; the title and legend are SVG text instead of HTML,
    so the file opens anywhere (a browser, a slide editor, a vector-drawing program).
    """
    out = [
        f'<g transform="translate({x:.0f} {y:.0f})" font-size="{FONT_PX}">',
        f'<text x="4" y="16" font-weight="bold" font-size="{FONT_PX + 1}">'
        f'{html.escape(title)}<tspan font-weight="normal" fill="#444"> '
        f"{html.escape(y_label)}</tspan></text>",
    ]
    items = [(ln.label, ln.colour, ln.dashed, 1.0) for ln in lines] if len(lines) > 1 else []
    if before and before_label:
        items.append((before_label, "#777", False, 0.35))
    cx, cy = 4.0, 36.0
    for label, colour, dashed, opacity in items:
        width = 24 + 0.56 * FONT_PX * len(label)
        if cx + width > WIDTH:
            cx, cy = 4.0, cy + FONT_PX + 4
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        out.append(
            f'<line x1="{cx:.0f}" y1="{cy - 5:.0f}" x2="{cx + 16:.0f}" y2="{cy - 5:.0f}" '
            f'stroke="{colour}" stroke-width="4" stroke-opacity="{opacity}"{dash}/>'
            f'<text x="{cx + 20:.0f}" y="{cy:.0f}">{html.escape(label)}</text>'
        )
        cx += width + 8
    out.append(
        plot_svg(
            lines,
            horizon=horizon,
            share=share,
            fmt=fmt,
            x_label=x_label,
            title=title,
            before=before,
            y=FIGURE_HEADER,
        )
    )
    out.append("</g>")
    return "".join(out)
