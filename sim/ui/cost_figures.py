"""Figures of the cost studies: who gains from a guideline, a Pareto front, PRIM's trade-off.

Bare matplotlib ``Figure`` objects (no pyplot), colours from :mod:`sim.ui.style`, like
:mod:`sim.ui.plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.costs.portfolio import OBJECTIVES
from sim.ui.i18n import DEFAULT_LANGUAGE, gettext_for
from sim.ui.plots import locale_ticks
from sim.ui.style import BASELINE_COLOUR, INTERVENTION_COLOUR, UPGRADE_COLOURS


def _bars(ax, labels, values, lows, highs, colour, xlabel):
    y = np.arange(len(labels))[::-1]
    values = np.asarray(values, float)
    err = np.vstack([values - np.asarray(lows, float), np.asarray(highs, float) - values])
    ax.barh(y, values, color=colour, alpha=0.85, height=0.65)
    ax.errorbar(values, y, xerr=np.nan_to_num(err), fmt="none", ecolor="#333333", capsize=2, lw=1)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)


def who_gains_figure(gains: pd.DataFrame, title: str, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """One compact figure of who gains from a guideline.

    Args:
        gains: :func:`sim.costs.who_gains` of one experiment.
        title: The figure's title, already in `lang`.
        lang: Language of the axis labels, the group names and the tick numbers.

    Returns:
        Three panels: change in upgrading (percentage points) and in mean monthly income by
        group of MSEs, and change in each party's share of the end-market payment
        (percentage points), each with its 95% interval.
    """
    _ = gettext_for(lang)
    groups = gains[(gains["dimension"] != "margin") & (gains["dimension"] != "all")]
    margin = gains[gains["dimension"] == "margin"]
    fig = Figure(figsize=(11, 3.9), layout="constrained")
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.8]})
    labels = [_(g) for g in groups["group"]]
    _bars(
        axes[0],
        labels,
        100 * groups["upgrading_change"],
        100 * groups["upgrading_ci_low"],
        100 * groups["upgrading_ci_high"],
        INTERVENTION_COLOUR,
        _("upgrading (points)"),
    )
    _bars(
        axes[1],
        labels,
        groups["income_change"],
        groups["income_ci_low"],
        groups["income_ci_high"],
        UPGRADE_COLOURS["functional"],
        _("income (units a month)"),
    )
    axes[1].set_yticklabels([])
    _bars(
        axes[2],
        [_(g) for g in margin["group"]],
        100 * margin["margin_change"],
        100 * margin["margin_ci_low"],
        100 * margin["margin_ci_high"],
        BASELINE_COLOUR,
        _("share of the sale price (points)"),
    )
    for ax in axes:
        locale_ticks(ax, lang)
    fig.suptitle(title, fontsize=12)
    return fig


def front_figure(front: pd.DataFrame, objectives: list[str], budget: float, title: str) -> Figure:
    """The Pareto front of a portfolio search: the first two objectives, cost as colour.

    Args:
        front: The front table of :func:`sim.costs.optimize.optimize` (``obj_<name>`` and
            ``cost_usd`` columns).
        objectives: Objective names, in the order searched.
        budget: The budget (US$), for the colour scale.
        title: The figure's title.
    """
    fig = Figure(figsize=(7.5, 5), layout="constrained")
    ax = fig.subplots()
    x = front[f"obj_{objectives[0]}"]
    y = front[f"obj_{objectives[1]}"] if len(objectives) > 1 else front["cost_usd"]
    points = ax.scatter(
        x, y, c=front["cost_usd"], cmap="viridis", vmin=0, vmax=budget, s=60, edgecolor="#333333"
    )
    fig.colorbar(points, ax=ax, label="cost (US$)")
    ax.set_xlabel(OBJECTIVES[objectives[0]])
    ax.set_ylabel(OBJECTIVES[objectives[1]] if len(objectives) > 1 else "cost (US$)")
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=12)
    return fig


def prim_figure(trajectory: pd.DataFrame, chosen: int, title: str) -> Figure:
    """PRIM's peeling trajectory: coverage against density, the chosen box marked.

    Args:
        trajectory: One row per box in the peeling trajectory, ``coverage``, ``density``,
            ``n_restricted`` columns.
        chosen: Row of the box reported.
        title: The figure's title.
    """
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["n_restricted"],
        cmap="viridis",
        s=30,
    )
    fig.colorbar(points, ax=ax, label="parameters restricted")
    ax.scatter(
        [trajectory["coverage"].iloc[chosen]],
        [trajectory["density"].iloc[chosen]],
        s=160,
        facecolor="none",
        edgecolor="#D55E00",
        lw=2,
        label="box reported",
    )
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=12)
    return fig
