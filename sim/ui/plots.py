"""Figures: a run's curves, an experiment's two arms, a sweep's sensitivity indices.

Every figure is a bare matplotlib ``Figure`` (no pyplot), so writing files never disturbs a
notebook's backend, and colours come from :mod:`sim.ui.style`.
"""

from __future__ import annotations

import io
import math
import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments import CONFIDENCE, ExperimentResult
from sim.experiments.stats import t_crit
from sim.io import atomic_write, check_suffix
from sim.metrics import metric_info
from sim.population import UPGRADE_TYPES
from sim.ui.i18n import (
    DEFAULT_LANGUAGE,
    gettext_for,
    metric_title,
    metric_unit,
)
from sim.ui.numbers import format_percent
from sim.ui.style import (
    BASELINE_COLOUR,
    INTERVENTION_COLOUR,
    SERIES_COLOURS,
    UPGRADE_COLOURS,
)

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_figure_path(path: str | os.PathLike) -> Path:
    """Check that ``path`` names a figure format we write."""
    return check_suffix(path, FIGURE_SUFFIXES, "plot file")


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Write ``fig`` atomically in the format its suffix names."""
    path = check_figure_path(path)
    with atomic_write(path) as fh:
        fig.savefig(fh, format=path.suffix.lstrip(".").lower(), dpi=dpi)
    return path


def png_bytes(fig: Figure, *, dpi: int = 110) -> bytes:
    """Return ``fig`` as PNG bytes (for embedding in a self-contained page)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def plot_upgrading(df: pd.DataFrame, ax=None):
    """Draw the cumulative upgrading share by type on ``ax`` (created if None)."""
    if ax is None:
        import matplotlib.pyplot as plt  # interactive use: the caller's backend decides

        _, ax = plt.subplots(figsize=(7, 4))
    for kind in UPGRADE_TYPES:
        ax.plot(df["step"], df[f"share_{kind}"], label=kind, color=UPGRADE_COLOURS[kind], lw=2)
    ax.plot(df["step"], df["share_upgraded"], label="any", color="black", lw=1.5, ls="--")
    ax.set_xlabel("month")
    ax.set_ylabel("share of MSEs (cumulative)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, ncols=2)
    return ax


def plot_run(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Save a four-panel figure of a run: upgrading, income, premium share, groups."""
    path = check_figure_path(path)
    # A bare Figure needs no pyplot backend, so writing files never disturbs a notebook's.
    fig = Figure(figsize=(12, 8), constrained_layout=True)
    axes = fig.subplots(2, 2)
    plot_upgrading(df, axes[0, 0])
    axes[0, 0].set_title("Upgrading by type")
    ax = axes[0, 1]
    ax.plot(
        df["step"],
        df["mean_income"],
        color=SERIES_COLOURS["mean_income"],
        lw=2,
        label="mean income",
    )
    ax.set_ylabel("income per MSE per month")
    ax2 = ax.twinx()
    ax2.plot(
        df["step"],
        df["income_volatility"],
        color=SERIES_COLOURS["income_volatility"],
        lw=1.5,
        label="income volatility (CV)",
    )
    ax2.set_ylabel("coefficient of variation")
    ax.set_title("Income and its volatility")
    ax.set_xlabel("month")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize=9)
    ax = axes[1, 0]
    ax.plot(df["step"], df["premium_share_mse"], color=SERIES_COLOURS["premium_share_mse"], lw=2)
    ax.set_ylim(0, 1)
    ax.set_title("Share of the quality premium reaching MSEs")
    ax.set_xlabel("month")
    ax = axes[1, 1]
    ax.plot(
        df["step"],
        df["share_in_groups"],
        color=SERIES_COLOURS["share_in_groups"],
        lw=2,
        label="in groups",
    )
    ax.plot(
        df["step"],
        df["share_linked_lead_firm"],
        color=SERIES_COLOURS["share_linked_lead_firm"],
        lw=2,
        label="linked to a lead firm",
    )
    ax.set_ylim(0, 1)
    ax.set_title("Horizontal and vertical links")
    ax.set_xlabel("month")
    ax.legend(loc="upper left", fontsize=9)
    for a in axes.flat:
        a.grid(alpha=0.3)
    name = df.attrs.get("scenario", {}).get("name", "")
    fig.suptitle(f"{name} (seed {df.attrs.get('seed')}, mse-sim {df.attrs.get('version')})")
    return save_figure(fig, path)


def experiment_figure(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Return a matplotlib Figure: each key metric over time, both arms, 95% bands.

    Args:
        result: The experiment.
        lang: Language of the titles, axes and legend, and of the tick numbers.
    """
    _ = gettext_for(lang)
    keys = result.guideline.key_metrics if result.guideline else result.metrics[:3]
    fig = Figure(figsize=(4.4 * len(keys), 3.6), layout="constrained")
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    t = t_crit(len(result.seeds))
    steps = np.arange(result.steps + 1)
    styles = {
        "baseline": (BASELINE_COLOUR, _("baseline")),
        "intervention": (
            INTERVENTION_COLOUR,
            _("with the guideline") if result.guideline else _("intervention"),
        ),
    }
    for ax, metric in zip(axes, keys, strict=True):
        info = metric_info(metric)
        scale = 100.0 if info.kind == "share" else 1.0
        for arm, (color, name) in styles.items():
            values = result.series[arm][metric] * scale
            mean = values.mean(axis=0)
            half = t * values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
            ax.fill_between(steps, mean - half, mean + half, color=color, alpha=0.22, linewidth=0)
            ax.plot(steps, mean, color=color, linewidth=1.8, label=name)
        ax.set_title(metric_title(metric, lang), fontsize=10)
        ax.set_xlabel(_("month"))
        ax.set_ylabel(_("% of MSEs") if info.kind == "share" else metric_unit(metric, lang))
        locale_ticks(ax, lang)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize=8, frameon=False)
    title = (
        _("G{number}. {title}").format(
            number=result.guideline.number, title=_(result.guideline.title)
        )
        if result.guideline
        else _("Intervention vs baseline")
    )
    sub = _("scenario {name}, {n} seeds, mean and {level} band").format(
        name=result.scenario.name, n=len(result.seeds), level=format_percent(CONFIDENCE, lang=lang)
    )
    fig.suptitle(f"{title}\n{sub}", fontsize=10)
    return fig


def locale_ticks(ax, lang: str) -> None:
    """Write an axes' tick numbers with `lang`'s decimal mark (0,5 rather than 0.5).

    Only number axes change; an axis with its own labels (group names) keeps them.
    """
    if lang == DEFAULT_LANGUAGE:
        return
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        if not isinstance(axis.get_major_formatter(), ScalarFormatter):
            continue
        plain = ScalarFormatter()
        plain.set_axis(axis)

        def fmt(value, pos, plain=plain, axis=axis):
            plain.set_locs(axis.get_majorticklocs())
            return plain(value, pos).replace("−", "-").replace(".", ",").replace("-", "−")

        axis.set_major_formatter(FuncFormatter(fmt))


def plot_analysis(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Save a chart of an :func:`analyze` result: index bars with error bars, or effect lines.

    Uses matplotlib's object API (no pyplot), so it never touches the user's backend.
    """
    path = check_figure_path(path)
    a = table.attrs
    method = a.get("method")
    title = f"{method}: {a.get('column')} ({a.get('n_runs')} runs)"
    if method == "grid":
        names = list(dict.fromkeys(table["parameter"]))
        fig = Figure(figsize=(3.6 * len(names), 3.4), layout="constrained")
        axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            t = table[table["parameter"] == name]
            x = np.arange(len(t))
            ax.plot(x, t["mean"], marker="o")
            ax.fill_between(x, t["ci_low"], t["ci_high"], alpha=0.25)
            ax.set_xticks(x, [f"{v:g}" for v in t["value"]])
            ax.set_xlabel(name)
        axes[0].set_ylabel(a.get("column", "mean"))
        interactions = [e for e in a.get("effects", []) if e.get("kind") == "interaction"]
        for e in interactions:  # the effects table's interactions (sim.sweeps.interactions)
            title += (
                f"\ninteraction {e['term']}: {e['estimate']:+.4g} "
                f"[{e['ci_low']:.4g}, {e['ci_high']:.4g}]"
            )
    else:
        if method == "sobol":
            bars = [("S1", "S1_conf"), ("ST", "ST_conf")]
            ylabel = "Sobol' index"
        elif method == "morris":
            bars = [("mu_star", "mu_star_conf"), ("sigma", None)]
            ylabel = "elementary effect"
        else:
            bars = [("S1", "S1_conf")]
            ylabel = "first-order index (RBD-FAST)"
        n = len(table)
        fig = Figure(figsize=(max(4.0, 1.2 * n + 2), 3.6), layout="constrained")
        ax = fig.subplots()
        width = 0.8 / len(bars)
        x = np.arange(n)
        flagged = (table["flag"] != "").to_numpy() if "flag" in table else np.zeros(n, bool)
        for i, (key, conf) in enumerate(bars):
            drawn = ax.bar(
                x + (i - (len(bars) - 1) / 2) * width,
                table[key],
                width,
                yerr=None if conf is None else table[conf],
                capsize=3,
                label=key,
            )
            for patch, flag in zip(drawn.patches, flagged, strict=True):
                if flag:  # an index that cannot be read as it stands (sim.sweeps.flags)
                    patch.set_hatch("//")
                    patch.set_edgecolor("firebrick")
        ax.set_xticks(
            x,
            [f"{p} (!)" if f else p for p, f in zip(table["parameter"], flagged, strict=True)],
            rotation=20,
            ha="right",
        )
        ax.set_ylabel(ylabel)
        ax.axhline(0, color="black", linewidth=0.6)
        if method in ("sobol", "lhs"):
            ax.axhline(1, color="firebrick", linewidth=0.6, linestyle=":")
        ax.legend()
    warnings = a.get("warnings", [])
    if warnings:
        title = "\n".join(
            [
                title,
                *(textwrap.fill(f"WARNING: {w}", int(12 * fig.get_figwidth())) for w in warnings),
            ]
        )
    fig.suptitle(
        title, fontsize=9 if warnings else None, color="firebrick" if warnings else "black"
    )
    return save_figure(fig, path, dpi=120)


def predictive_figure(values, low: float, high: float, *, title: str, xlabel: str) -> Figure:
    """Return a histogram of posterior-predictive numbers of one target, with its interval.

    Args:
        values: One number per posterior-predictive run.
        low: The target's lower bound (``-inf`` when none).
        high: The target's upper bound (``inf`` when none).
        title: Figure title (the target's claim or id).
        xlabel: What the numbers are.
    """
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.hist(
        values,
        bins=max(5, min(30, values.size // 2 or 1)),
        color=INTERVENTION_COLOUR,
        alpha=0.8,
        label=f"posterior predictive ({values.size} runs)",
    )
    span = (values.max() - values.min()) if values.size else 1.0
    left = low if math.isfinite(low) else (values.min() if values.size else 0) - 0.2 * span
    right = high if math.isfinite(high) else (values.max() if values.size else 1) + 0.2 * span
    ax.axvspan(left, right, color=BASELINE_COLOUR, alpha=0.15, label="target")
    for bound in (low, high):
        if math.isfinite(bound):
            ax.axvline(bound, color=BASELINE_COLOUR, lw=1.5)
    inside = float(np.mean((values >= low) & (values <= high))) if values.size else math.nan
    ax.set_title(f"{title}\n{100 * inside:.0f}% of runs inside the target", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("runs")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
