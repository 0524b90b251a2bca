"""The app's line charts (sim.ui.app.charts): axes, legend, projector text, round tops."""

from __future__ import annotations

import re

import numpy as np

from sim.ui.app import charts


def test_line_chart_has_axes_legend_outside_and_projector_text():
    lines = [
        charts.Line("a", "#000", np.array([0.0, 0.1, 0.2])),
        charts.Line("b", "#111", np.array([0.0, 0.05, 0.3]), dashed=True),
    ]
    out = charts.line_chart(
        "Title", lines, horizon=120, share=True, fmt=lambda v: f"{v:.0%}", x_label="Month"
    )
    assert out.count("<polyline") == 2 and "stroke-dasharray" in out
    assert out.index("mse-legend") < out.index("<svg")  # legend above the plot, not on it
    assert int(re.search(r'font-size="(\d+)"', out)[1]) >= 14
    assert ">120<" in out and ">Month<" in out
    # at month 0 one dot per line and a y axis from 0, never a negative share
    first = charts.line_chart(
        "T",
        [charts.Line("a", "#000", np.array([0.0]))],
        horizon=120,
        share=True,
        fmt=lambda v: f"{v:.0%}",
        x_label="Month",
        note="Press ▶",
    )
    assert "<circle" in first and "-" not in re.sub(r"<[^>]*>", " ", first).replace("▶", "")


def test_axis_tops_are_round():
    assert [charts.nice_ceiling(v) for v in (0.07, 0.3, 0.9, 41, 260)] == [0.1, 0.5, 1, 50, 500]
    assert charts.month_ticks(120) == list(range(0, 121, 12))
    assert charts.month_ticks(15)[-1] <= 15


def test_share_axes_stop_at_100_percent_and_levels_round_up():
    near_one = [charts.Line("a", "#000", np.array([0.5, 0.98]))]
    assert charts.y_range(near_one, share=True) == (0.0, 1.0)
    assert charts.y_range([charts.Line("a", "#000", np.array([0.0, 0.3]))], True) == (0, 0.5)
    assert charts.y_range([charts.Line("a", "#000", np.array([0.0, 96.0]))], False) == (0, 200)


def test_hover_values_and_the_run_before_are_drawn_and_worded():
    lines = [charts.Line("process", "#000", np.array([0.0, 0.1, 0.25]))]
    before = [charts.Line("process", "#000", np.array([0.0, 0.2]))]
    hover = charts.Hover(lambda m: f"Mes {m}", lambda v: f"{100 * v:.1f} %", "antes")
    out = charts.line_chart(
        "T",
        lines,
        horizon=12,
        share=True,
        fmt=str,
        x_label="Mes",
        before=before,
        before_label="Antes del cambio: Crédito 0,20",
        hover=hover,
    )
    assert out.count('class="mse-hover"') == 3  # one per month drawn so far
    assert ">Mes 2<" in out and "process: 25.0 %" in out and "process (antes): 20.0 %" in out
    assert 'class="mse-before"' in out and "Antes del cambio: Crédito 0,20" in out
    # while a run plays there is no hover layer (nobody can point at a moving line)
    assert "mse-hover" not in charts.line_chart(
        "T", lines, horizon=12, share=True, fmt=str, x_label="Month"
    )
