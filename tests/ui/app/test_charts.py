"""The app's line charts (sim.ui.app.charts): axes, legend, projector text, round tops."""

from __future__ import annotations

import re

import numpy as np

from sim.ui.app import charts


def test_line_chart_has_axes_legend_outside_and_projector_text():
    lines = [charts.Line("a", "#000", np.array([0.0, 0.1, 0.2])),
             charts.Line("b", "#111", np.array([0.0, 0.05, 0.3]), dashed=True)]
    out = charts.line_chart("Title", lines, horizon=120, share=True, fmt=lambda v: f"{v:.0%}",
                            x_label="Month")
    assert out.count("<polyline") == 2 and "stroke-dasharray" in out
    assert out.index("mse-legend") < out.index("<svg")  # legend above the plot, not on it
    assert int(re.search(r'font-size="(\d+)"', out)[1]) >= 14
    assert ">120<" in out and ">Month<" in out
    # at month 0 one dot per line and a y axis from 0, never a negative share
    first = charts.line_chart("T", [charts.Line("a", "#000", np.array([0.0]))], horizon=120,
                              share=True, fmt=lambda v: f"{v:.0%}", x_label="Month",
                              note="Press ▶")
    assert "<circle" in first and "-" not in re.sub(r"<[^>]*>", " ", first).replace("▶", "")


def test_axis_tops_are_round():
    assert [charts.nice_ceiling(v) for v in (0.07, 0.3, 0.9, 41, 260)] == [0.1, 0.5, 1, 50, 500]
    assert charts.month_ticks(120) == list(range(0, 121, 12))
    assert charts.month_ticks(15)[-1] <= 15
