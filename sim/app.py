"""The trainer's browser app: SolaraViz on the value-chain model, readable on a projector.

Start it with ``mse-sim app`` (or ``solara run sim.app``). Two modes:

* **Explore**: one run of a bundled scenario. Every lever has a slider in plain words (the
  field name is in its tooltip); moving one restarts the run from month 0 with the same seed,
  so what changes on screen is the lever's effect, not luck.
* **Guideline**: pick g1-g7; a baseline and the intervention run side by side from the same
  seed, and the app shows both curves and the difference as one number.

The page is Mesa's own :func:`~mesa.visualization.SolaraViz` (controls, draggable grid) with
:func:`~mesa.visualization.make_plot_component` charts; the value-chain picture, the
comparison chart and the difference card are custom components. The page re-keys SolaraViz
whenever a setting changes so Mesa's Reset button rebuilds exactly the model on screen.
"""

from __future__ import annotations

import argparse
import functools
import html
import ipaddress
import math
import os
import re
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Solara would otherwise try to send usage telemetry, which on a machine without network
# only costs time; set before solara is imported anywhere in this process.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # the server renders PNGs; never open a window

import mesa  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import SolaraViz, make_plot_component  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.errors import UserInputError  # noqa: E402
from sim.scenario import FIELDS, LEVERS, list_scenarios, read_scenario_file  # noqa: E402

#: Scenario shown first: the one the workshop story starts from.
DEFAULT_SCENARIO = "kenya-avocados"

UPGRADE_TYPES: tuple[str, ...] = ("process", "product", "functional", "channel", "intersectoral")
#: Okabe-Ito colours (safe for colour-blind viewers and on washed-out projectors), one per
#: upgrading type in :data:`UPGRADE_TYPES`; "none" is a light grey.
UPGRADE_COLORS: dict[str, str] = {
    "none": "#b8b8b8",
    "process": "#0072B2",
    "product": "#E69F00",
    "functional": "#009E73",
    "channel": "#CC79A7",
    "intersectoral": "#D55E00",
}
BASELINE_COLOR, INTERVENTION_COLOR = "#6b6b6b", "#0072B2"

#: Plain words for the metrics the app plots (legend entries, axis labels).
METRIC_LABELS: dict[str, str] = {
    **{f"share_{t}": f"{t.capitalize()} upgrading" for t in UPGRADE_TYPES},
    "share_upgraded": "Any upgrade",
    "mean_income": "Mean monthly income",
    "income_volatility": "Income volatility",
    "premium_share_mse": "Premium share reaching MSEs",
    "n_groups": "Producer groups",
    "mean_group_size": "Mean group size",
    "share_in_groups": "MSEs in producer groups",
    "share_linked_lead_firm": "MSEs supplying a lead firm",
}
#: Metrics that are shares (shown in percent; differences in percentage points).
SHARE_METRICS = frozenset(
    [f"share_{t}" for t in UPGRADE_TYPES]
    + ["share_upgraded", "premium_share_mse", "share_in_groups", "share_linked_lead_firm",
       "share_upgraded_excluded", "share_upgraded_included", "upgrading_gap",
       "share_in_distress"]
)

#: Most MSEs drawn in the value-chain picture; above this a fixed, evenly spread sample is
#: drawn (a stable one, so the picture does not jitter from step to step).
MAX_DRAWN_MSES = 240

#: Font sizes for a projector at the back of a room.
PROJECTOR_RC = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "lines.linewidth": 2.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


# --------------------------------------------------------------------------------------------
# Guidelines (g1-g7): defined once, in experiments/guidelines.toml via sim.experiments
# --------------------------------------------------------------------------------------------


def guidelines() -> dict:
    """Return the guidelines g1-g7 (:data:`sim.experiments.GUIDELINES`)."""
    from sim.experiments import GUIDELINES

    return dict(GUIDELINES)


# --------------------------------------------------------------------------------------------
# Models shown by the page
# --------------------------------------------------------------------------------------------


@functools.cache
def _model_class():
    """Return the model class the app shows: ValueChainModel with a thread-safe table.

    A subclass (not a wrapper) because Mesa's Reset rebuilds ``type(model)(**kwargs)``; its
    ``__init__`` keeps the parent's signature, which Mesa inspects to route ``rng``.
    """
    from sim.model import ValueChainModel

    class AppValueChainModel(ValueChainModel):
        """ValueChainModel whose DataCollector can be read while it steps."""

        def __init__(self, scenario=None, *, rng=None, **overrides):
            super().__init__(scenario, rng=rng, **overrides)
            _consistent(self)

    return AppValueChainModel


def scenario_record(name: str) -> dict[str, Any]:
    """Return a bundled scenario's field values (and name) as a plain dict."""
    return read_scenario_file(name).scenario.to_record()


#: Reporters compared between the two arms in guideline mode.
COMPARED = ("share_upgraded", "share_in_groups", "mean_income", "premium_share_mse",
            "share_linked_lead_firm", *(f"share_{t}" for t in UPGRADE_TYPES))


def arm_column(metric: str, arm: str) -> str:
    """Column name of one arm's metric in :class:`GuidelineComparison`'s data (a legend label)."""
    return f"{metric_label(metric)} ({arm})"


class GuidelineComparison(mesa.Model):
    """A baseline run and an intervention run stepped together from the same seed.

    Its DataCollector has one column per compared metric and arm (:func:`arm_column`), so
    Mesa's plot components draw both curves; ``baseline`` and ``intervention`` are the two
    :class:`~sim.model.ValueChainModel` runs.

    Args:
        guideline: ``g1`` ... ``g7``.
        settings: Scenario field values (with ``name``) of the baseline arm.
        rng: Seed shared by both arms.
    """

    def __init__(self, guideline: str = "g3", settings: Mapping[str, Any] | None = None, *,
                 rng: int | None = 0):
        super().__init__(rng=rng)
        self.guideline = guidelines()[guideline]
        self.metric = self.guideline.key_metrics[0]
        scenario = _scenario(dict(settings or scenario_record(DEFAULT_SCENARIO)), rng)
        base, new = self.guideline.arms(scenario)
        self.changes_text = self.guideline.describe_changes(scenario)
        model_class = _model_class()
        self.baseline = model_class(base, rng=rng)
        self.intervention = model_class(new, rng=rng)
        self.arm_names = ("baseline", f"with {self.guideline.id}")
        metrics = list(dict.fromkeys([*self.guideline.key_metrics, *COMPARED]))
        reporters = {}
        for metric in metrics:
            for arm_name, arm in zip(self.arm_names, (self.baseline, self.intervention),
                                     strict=True):
                reporters[arm_column(metric, arm_name)] = _latest(arm, metric)
        self.datacollector = ConsistentDataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def step(self):
        """Advance both arms one month."""
        self.baseline.step()
        self.intervention.step()
        self.running = self.baseline.running and self.intervention.running
        self.datacollector.collect(self)

    def difference(self, metric: str | None = None) -> float:
        """Return intervention minus baseline of `metric` (default: the guideline's) now."""
        metric = metric or self.metric
        return _current(self.intervention, metric) - _current(self.baseline, metric)


class ConsistentDataCollector(mesa.DataCollector):
    """A DataCollector whose table is always rectangular, even while the model steps.

    When playing, Mesa's controller steps the model in one thread while the charts render
    in another, so a chart can read the reporters halfway through a ``collect``: one column
    already a row longer than the next, and pandas refuses to build the table. Reading only
    the rows every column has keeps the charts drawing (the newest row shows next frame).
    """

    def get_model_vars_dataframe(self):
        """Return the model-level table, cut to the rows that every reporter has."""
        import pandas as pd

        columns = dict(self.model_vars)  # a shallow copy: new columns may appear meanwhile
        rows = min((len(v) for v in columns.values()), default=0)
        return pd.DataFrame({k: list(v[:rows]) for k, v in columns.items()})


def _consistent(model):
    """Make `model`'s DataCollector safe to read from another thread (see above)."""
    if type(model.datacollector) is mesa.DataCollector:
        model.datacollector.__class__ = ConsistentDataCollector
    return model


def _scenario(record: Mapping[str, Any], seed: int | None):
    from sim.scenario import ValueChainScenario

    # Mesa requires the model's rng and its scenario's rng to be the same
    return ValueChainScenario(rng=seed, **record)


def _current(model, metric: str) -> float:
    """Return a metric's latest value; derived metrics (e.g. the upgrading gap) computed."""
    from sim.experiments import DERIVED

    if metric in DERIVED:
        sources, fn = DERIVED[metric]
        values = [np.asarray([_current(model, src)]) for src in sources]
        return float(fn(*values)[0])
    return float(model.datacollector.model_vars[metric][-1])


def metric_label(metric: str) -> str:
    """Return a metric's name in plain words, capitalised (for titles and legends)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    from sim.experiments import METRIC_WORDS

    words = METRIC_WORDS.get(metric, (metric.replace("_", " "), ""))[0]
    return words[:1].upper() + words[1:]


def _latest(model, metric: str) -> Callable[[Any], float]:
    return lambda _self: _current(model, metric)


def build_model(mode: str, settings: Mapping[str, Any], seed: int, guideline: str):
    """Build the model the page shows for the current settings.

    The model is an instance of a subclass made for these settings (see :func:`baked_class`),
    so that Mesa's Reset button, which calls ``type(model)(**kwargs)``, rebuilds exactly this
    run from month 0 whatever ``kwargs`` Mesa passes.

    Args:
        mode: ``"explore"`` or ``"guideline"``.
        settings: Scenario field values with ``name``.
        seed: Random seed.
        guideline: ``g1`` ... ``g7`` (guideline mode only).

    Returns:
        A :class:`~sim.model.ValueChainModel` or a :class:`GuidelineComparison`.
    """
    return baked_class(mode, settings, seed, guideline)()


def baked_class(mode: str, settings: Mapping[str, Any], seed: int, guideline: str) -> type:
    """Return a model class whose constructor ignores its arguments and uses these settings.

    Why: the page keeps one SolaraViz mounted and swaps its model (re-mounting SolaraViz
    stopped Mesa's Play loop from redrawing), so Mesa's own record of model parameters is
    never updated; the settings travel with the model's class instead.
    """
    settings = dict(settings)
    if mode == "guideline":
        base = GuidelineComparison

        # keyword-only: Mesa refuses model classes whose __init__ takes *args
        def __init__(self, **kwargs):
            GuidelineComparison.__init__(self, guideline, settings, rng=seed)
    else:
        base = _model_class()

        def __init__(self, scenario=None, *, rng=None, **overrides):
            base.__init__(self, _scenario(settings, seed), rng=seed)

    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__,
                                         "__module__": __name__})


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _style(ax, title: str, *, percent: bool = False, ylabel: str | None = None,
           labels: Mapping[str, str] | None = None, twin: str | None = None) -> None:
    """Title, plain-words legend and projector fonts for a Mesa plot component's axes.

    Args:
        ax: The axes Mesa drew the lines on.
        title: Chart title.
        percent: Show the y axis in percent.
        ylabel: Y axis label.
        labels: Column name -> plain words for the legend.
        twin: Column of a line to move onto a right-hand axis (another unit).
    """
    labels = labels or METRIC_LABELS
    lines = ax.get_lines()
    for line in lines:
        line.set_label(labels.get(line.get_label(), line.get_label()))
        line.set_linewidth(PROJECTOR_RC["lines.linewidth"])
    handles = list(lines)
    if twin is not None:
        for line in lines:
            if line.get_label() == labels.get(twin, twin):
                ax2 = ax.twinx()
                moved, = ax2.plot(line.get_xdata(), line.get_ydata(), color="#D55E00",
                                  linestyle="--", label=line.get_label())
                ax2.set_ylabel(line.get_label(), fontsize=PROJECTOR_RC["axes.labelsize"])
                ax2.tick_params(labelsize=PROJECTOR_RC["ytick.labelsize"])
                ax2.grid(False)
                handles = [h for h in handles if h is not line] + [moved]
                line.remove()
    ax.set_title(title, fontsize=PROJECTOR_RC["axes.titlesize"], fontweight="bold")
    # at least a year on the x axis, so month 0 is not a lone point on a -0.05..0.05 scale
    last = max((float(np.max(line.get_xdata())) for line in lines if len(line.get_xdata())),
               default=0.0)
    ax.set_xlim(0, max(12.0, last))
    if percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylim(bottom=0)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=PROJECTOR_RC["axes.labelsize"])
    ax.tick_params(labelsize=PROJECTOR_RC["xtick.labelsize"])
    ax.grid(True, alpha=0.3)
    if handles:
        ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="upper left",
                  fontsize=PROJECTOR_RC["legend.fontsize"], framealpha=0.85)
    # a modest resolution: every chart is re-rendered as a PNG at each displayed step, and
    # rendering, not the model, is what limits steps per second on a small laptop
    ax.figure.set_size_inches(7.2, 4.4)
    ax.figure.set_dpi(80)


def explore_components() -> list:
    """Return the explore-mode components: four Mesa plot components and the chain picture."""
    upgrading = make_plot_component(
        {f"share_{t}": UPGRADE_COLORS[t] for t in UPGRADE_TYPES},
        post_process=lambda ax: _style(ax, "MSEs that have upgraded, by type (months →)",
                                       percent=True, ylabel="share of MSEs"))
    income = make_plot_component(
        {"mean_income": "#0072B2", "income_volatility": "#D55E00"},
        post_process=lambda ax: _style(ax, "Income and income volatility", ylabel="per month",
                                       twin="income_volatility"))
    premium = make_plot_component(
        {"premium_share_mse": "#009E73"},
        post_process=lambda ax: _style(ax, "Share of the quality premium reaching MSEs",
                                       percent=True, ylabel="share of premium"))
    groups = make_plot_component(
        {"n_groups": "#0072B2", "mean_group_size": "#D55E00"},
        post_process=lambda ax: _style(ax, "Producer groups: number and mean size",
                                       ylabel="groups", twin="mean_group_size"))
    return [upgrading, (ValueChainView, 0), income, premium, groups]


def _arm_chart(model: GuidelineComparison, metric: str, title: str):
    arms = model.arm_names
    labels = {arm_column(metric, a): a.capitalize() for a in arms}
    return make_plot_component(
        {arm_column(metric, arms[0]): BASELINE_COLOR,
         arm_column(metric, arms[1]): INTERVENTION_COLOR},
        post_process=lambda ax: _style(ax, title, percent=metric in SHARE_METRICS,
                                       labels=labels))


def guideline_components(model: GuidelineComparison) -> list:
    """Return the guideline-mode components: both arms' curves, the difference, the chain."""
    g = model.guideline
    metrics = list(g.key_metrics)
    second = metrics[1] if len(metrics) > 1 else (
        "share_upgraded" if model.metric != "share_upgraded" else "share_in_groups")
    third = next(m for m in ("share_upgraded", "mean_income", "premium_share_mse")
                 if m not in (model.metric, second))
    return [
        _arm_chart(model, model.metric, f"{g.id}: {metric_label(model.metric)}"),
        (DifferenceCard, 0),
        _arm_chart(model, second, metric_label(second)),
        (ComparisonChainView, 0),
        _arm_chart(model, third, metric_label(third)),
    ]


def _render(entry, model):
    """Render one component entry (a component, or a ``(component, page)`` pair)."""
    component = entry[0] if isinstance(entry, tuple) else entry
    return component(model)


def component_slots(n: int = 5) -> list:
    """Return `n` grid slots that show explore or guideline components, by model type.

    The grid stays mounted when the trainer switches mode, so each slot decides at render
    time what to draw for the model it is given.
    """
    explore = explore_components()
    guideline_cache: dict[int, list] = {}

    def slot(i):
        def render(model):
            if isinstance(model, GuidelineComparison):
                key = id(model)
                if key not in guideline_cache:
                    guideline_cache.clear()  # one comparison on screen at a time
                    guideline_cache[key] = guideline_components(model)
                return _render(guideline_cache[key][i], model)
            return _render(explore[i], model)

        render.__name__ = f"Slot{i}"
        return render

    return [(slot(i), 0) for i in range(n)]


# --------------------------------------------------------------------------------------------
# The value-chain picture
# --------------------------------------------------------------------------------------------


def _population(model):
    """Return the model's MSE state arrays (a :class:`sim.population.Population`)."""
    return model.population


def most_advanced_upgrade(upgrades: np.ndarray) -> np.ndarray:
    """Return 0 for no upgrade, else 1 + the index of the highest upgrade bit set."""
    upgrades = np.asarray(upgrades, dtype=np.int64)
    out = np.zeros(upgrades.shape, dtype=np.int64)
    for k in range(len(UPGRADE_TYPES)):
        out[(upgrades >> k) & 1 == 1] = k + 1
    return out


def sample_indices(n: int, k: int = MAX_DRAWN_MSES) -> np.ndarray:
    """Return up to `k` evenly spread MSE indices: stable from step to step."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def draw_value_chain(ax, model, *, title: str | None = None) -> None:
    """Draw the value chain: end markets, lead firms, intermediaries and MSEs, with links.

    Tiers run from buyers in the end markets (top) through the firms that buy from MSEs
    (intermediaries and lead firms, middle) down to the MSEs (bottom). Each drawn MSE is a dot
    coloured by its most advanced upgrade, placed next to the other members of its producer
    group (a shaded band per group); a line joins it to whom it sells to: its village's
    intermediary, the lead firm it supplies, or, after functional upgrading, the end market
    itself. Firms' links to end markets are as thick as the volume they carry there.

    Args:
        ax: Matplotlib axes to draw on.
        model: A :class:`~sim.model.ValueChainModel`.
        title: Title above the picture.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    from sim.markets import CHANNELS
    from sim.trade import DIRECT, VIA_LEAD_FIRM, link_type

    pop = _population(model)
    scenario = model.scenario
    active = np.asarray(pop.active, dtype=bool)
    links_all = np.asarray(link_type(pop))
    channel_weight = np.asarray(pop.channel_weight)  # shape (channels, MSEs)

    idx = sample_indices(pop.n)
    idx = idx[active[idx]]
    group = np.asarray(pop.group)[idx].astype(np.int64)
    village = np.asarray(pop.village)[idx]
    # members of a group side by side, then the MSEs on their own, by village
    order = np.lexsort((village, np.where(group >= 0, group, np.iinfo(np.int64).max)))
    idx, group = idx[order], group[order]
    level = most_advanced_upgrade(np.asarray(pop.upgrades)[idx])
    trader = np.asarray(pop.trader)[idx]
    lead = np.asarray(pop.lead_firm)[idx]
    link = links_all[idx]
    main_channel = channel_weight[:, idx].argmax(axis=0)

    n_drawn = len(idx)
    rows = 4 if n_drawn > 120 else (2 if n_drawn > 30 else 1)
    per_row = max(1, math.ceil(n_drawn / rows))
    xs = (np.arange(n_drawn) % per_row + 0.5) / per_row
    row_of = np.arange(n_drawn) // per_row
    y_mse_top, row_gap = 0.26, 0.055
    ys = y_mse_top - row_gap * row_of

    n_traders = max(int(getattr(scenario, "n_intermediaries", 1)), 1)
    n_leads = int(getattr(scenario, "n_lead_firms", 0))
    shown_traders = min(n_traders, 24)
    # intermediaries on the left of the middle tier, lead firms on the right: both buy from
    # MSEs, so their links never cross another tier
    split = 0.68 if n_leads else 1.0
    trader_x = split * (np.arange(shown_traders) + 0.5) / shown_traders
    lead_x = split + (1 - split) * (np.arange(max(n_leads, 1)) + 0.5) / max(n_leads, 1)
    market_x = (np.arange(len(CHANNELS)) + 0.5) / len(CHANNELS)
    y_firm, y_market = 0.55, 0.88

    # shaded bands behind the members of each producer group (one per row segment)
    for row in range(rows):
        lo, hi = row * per_row, min((row + 1) * per_row, n_drawn)
        start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or group[i] != group[start]:
                if group[start] >= 0:
                    ax.add_patch(Rectangle(
                        (xs[start] - 0.42 / per_row, ys[start] - 0.021),
                        (i - start - 0.16) / per_row, 0.042,
                        fc="#f3dc9b", ec="#c9a227", lw=0.8, zorder=1))
                start = i

    # MSE -> buyer links, drawn as one collection per kind (fast enough to redraw each step)
    via_lead = (link == VIA_LEAD_FIRM) & (lead >= 0) & (n_leads > 0)
    direct = link == DIRECT
    via_trader = ~via_lead & ~direct

    def segments(mask, x_to, y_to):
        return np.stack([np.column_stack([xs[mask], ys[mask]]),
                         np.column_stack([x_to, np.full(int(mask.sum()), y_to)])], axis=1)

    ax.add_collection(LineCollection(
        segments(via_trader, trader_x[trader[via_trader] % shown_traders], y_firm),
        colors="#8a8a8a", linewidths=0.5, alpha=0.35, zorder=2))
    if via_lead.any():
        ax.add_collection(LineCollection(
            segments(via_lead, lead_x[lead[via_lead] % n_leads], y_firm),
            colors="#0072B2", linewidths=0.9, alpha=0.5, zorder=2))
    if direct.any():
        ax.add_collection(LineCollection(
            segments(direct, market_x[main_channel[direct]], y_market),
            colors="#009E73", linewidths=1.0, alpha=0.7, zorder=2))

    # firm -> end-market links, as thick as the volume each firm carries there (all MSEs)
    volume = (np.asarray(pop.capacity)[None, :] * channel_weight)[:, active]
    kind = links_all[active]
    all_trader = np.asarray(pop.trader)[active] % shown_traders
    all_lead = np.asarray(pop.lead_firm)[active]
    total = max(float(volume.sum()), 1e-9)
    segs, widths, colors = [], [], []
    for c, mx in enumerate(market_x):
        by_trader = kind == 0
        flows = [(trader_x, np.bincount(all_trader[by_trader], weights=volume[c, by_trader],
                                        minlength=shown_traders), "#7a7a7a")]
        if n_leads:
            by_lead = (kind == VIA_LEAD_FIRM) & (all_lead >= 0)
            flows.append((lead_x, np.bincount(all_lead[by_lead] % n_leads,
                                              weights=volume[c, by_lead], minlength=n_leads),
                          "#0072B2"))
        for x_from, flow, color in flows:
            for x0, v in zip(x_from, flow, strict=False):
                if v > 0:
                    segs.append([(x0, y_firm), (mx, y_market)])
                    widths.append(0.4 + 30 * v / total)
                    colors.append(color)
    if segs:
        ax.add_collection(LineCollection(segs, linewidths=widths, colors=colors, alpha=0.55,
                                         zorder=2))

    # nodes
    ax.scatter(xs, ys, s=max(14, min(90, 5000 / per_row)),
               c=[UPGRADE_COLORS[(("none",) + UPGRADE_TYPES)[v]] for v in level],
               edgecolors="white", linewidths=0.4, zorder=4)
    ax.scatter(trader_x, np.full(shown_traders, y_firm), marker="s", s=90, color="#555555",
               zorder=4)
    if n_leads:
        ax.scatter(lead_x[:n_leads], np.full(n_leads, y_firm), marker="D", s=230,
                   color="#0072B2", zorder=4)
    for c, mx in enumerate(market_x):
        ax.text(mx, y_market, CHANNELS[c].capitalize(), ha="center", va="center", fontsize=14,
                fontweight="bold", color="white", zorder=5,
                bbox={"boxstyle": "round,pad=0.5", "fc": "#333333", "ec": "none"})

    label = {"fontsize": 13, "va": "bottom", "color": "#111111", "zorder": 6,
             "bbox": {"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1}}
    ax.text(0.0, y_market + 0.065, "Buyers in end markets", ha="left", **label)
    more = f", {shown_traders} drawn" if shown_traders < n_traders else ""
    ax.text(0.0, y_firm + 0.04, f"Intermediaries ({n_traders}{more})", ha="left", **label)
    if n_leads:
        ax.text(1.0, y_firm + 0.04, f"Lead firms ({n_leads})", ha="right", **label)
    n_active = int(active.sum())
    shown = f"{n_drawn} of {n_active}" if n_drawn < n_active else f"{n_active}"
    in_groups = float((np.asarray(pop.group)[active] >= 0).mean()) if n_active else 0.0
    ax.text(0.0, y_mse_top + 0.03,
            f"MSEs ({shown} drawn; {in_groups:.0%} in producer groups, shaded)", ha="left",
            **label)

    handles = [matplotlib.lines.Line2D([], [], marker="o", ls="", color=UPGRADE_COLORS[k],
                                       markersize=10, label=k)
               for k in ("none", *UPGRADE_TYPES)]
    ax.legend(handles=handles, title="Most advanced upgrade", loc="upper center",
              bbox_to_anchor=(0.5, 0.03), ncol=6, fontsize=11, title_fontsize=11,
              frameon=False, handletextpad=0.2, columnspacing=0.8)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(0.05, 0.97)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=16, fontweight="bold")


def _figure_component(draw: Callable[[Any], None]):
    fig = Figure(figsize=(7.2, 5.2), dpi=80)
    ax = fig.add_subplot()
    try:
        draw(ax)
    except Exception as exc:  # a picture must never show a traceback to a workshop
        ax.clear()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"This picture cannot be drawn right now\n({type(exc).__name__})",
                ha="center", va="center", fontsize=14)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def ValueChainView(model):
    """The value-chain picture of the model on screen (explore mode)."""
    update_counter.get()
    with solara.Div(classes=["mse-value-chain"]):
        _figure_component(lambda ax: draw_value_chain(
            ax, model, title=f"The value chain, month {model.steps}"))


@solara.component
def ComparisonChainView(model):
    """The value-chain picture of the intervention arm (guideline mode)."""
    update_counter.get()
    with solara.Div(classes=["mse-value-chain"]):
        _figure_component(lambda ax: draw_value_chain(
            ax, model.intervention,
            title=f"Value chain {model.arm_names[1]}, month {model.steps}"))


def format_difference(metric: str, value: float) -> str:
    """Format a difference between arms: percentage points for shares, else a plain number."""
    if metric in SHARE_METRICS:
        return f"{100 * value:+.1f} points"
    return f"{value:+,.1f}"


@solara.component
def DifferenceCard(model):
    """The number a trainer projects: intervention minus baseline, now."""
    update_counter.get()
    g = model.guideline
    metric = model.metric
    diff = model.difference()
    base = _current(model.baseline, metric)
    with_g = _current(model.intervention, metric)
    fmt = (lambda v: f"{v:.0%}") if metric in SHARE_METRICS else (lambda v: f"{v:,.2f}")
    with solara.Column(classes=["mse-difference"], style={"padding": "16px"}):
        solara.HTML(tag="div", unsafe_innerHTML=f"{g.id}: {html.escape(g.action)}",
                    classes=["mse-difference-title"])
        solara.HTML(tag="div", unsafe_innerHTML=format_difference(metric, diff),
                    classes=["mse-difference-value"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(
                f"{metric_label(metric)} after {model.steps} months: {fmt(with_g)} "
                f"{model.arm_names[1]} vs {fmt(base)} in the baseline (same seed, same MSEs)."),
            classes=["mse-difference-text"])
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(g.why),
                    classes=["mse-difference-text"])
        solara.HTML(tag="div", unsafe_innerHTML="Intervention: "
                    + html.escape(model.changes_text), classes=["mse-difference-note"])


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

CSS = """
/* readable from the back of a room: larger type, strong contrast */
.v-application { font-size: 17px; color: #111; }
.v-navigation-drawer { width: 400px !important; }
.v-label, .v-input, .v-select__selection, .v-btn { font-size: 16px !important; }
.v-card__title { font-size: 20px !important; font-weight: 700; }
.mse-notice { font-size: 15px; line-height: 1.35; color: #222; background: #fff7dd;
              border-left: 4px solid #E69F00; padding: 6px 10px; margin: 4px 0 8px 0; }
.mse-help { font-size: 14px; color: #333; }
.mse-difference-title { font-size: 20px; font-weight: 700; color: #111; }
.mse-difference-value { font-size: 64px; font-weight: 800; color: #0072B2; line-height: 1.1; }
.mse-difference-text { font-size: 17px; color: #222; margin-top: 6px; }
.mse-difference-note { font-size: 14px; color: #444; margin-top: 10px; }
.mse-error { font-size: 16px; }
.mse-lever-label { font-size: 16px; color: #111; margin-bottom: -14px; }
.mse-lever .v-input__slider { margin-top: 0; }
"""


def _default_settings(name: str) -> dict[str, Any]:
    try:
        return scenario_record(name)
    except UserInputError:  # no bundled scenarios (e.g. a bare checkout): the defaults
        from sim.scenario import ValueChainScenario

        return ValueChainScenario(name=name).to_record()


@solara.component
def LeverSlider(name: str, value: float, on_value: Callable[[float], None]):
    """A lever's slider: plain-words label, field name and meaning in the tooltip."""
    spec = FIELDS[name]
    # label above a full-width slider: the plain-words labels are too long to share a line
    classes = ["mse-lever", f"mse-lever-{name}"]
    with solara.Tooltip(f"{name}: {spec.doc}"), solara.Div(classes=classes):
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(spec.label),
                    classes=["mse-lever-label"])
        solara.SliderFloat("", value=float(value), min=spec.low, max=spec.high, step=0.05,
                           on_value=on_value)


@solara.component
def Page():
    """Render the app: Mesa's SolaraViz for the chosen run, plus the app's settings cards."""
    matplotlib.rcParams.update(PROJECTOR_RC)
    scenarios = solara.use_memo(list_scenarios, [])
    first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in scenarios else (scenarios or ["baseline"])[0]
    scenario_name = solara.use_reactive(first)
    settings = solara.use_reactive(solara.use_memo(lambda: _default_settings(first), []))
    seed = solara.use_reactive(0)
    mode = solara.use_reactive("explore")
    guideline = solara.use_reactive("g3")
    all_guidelines = solara.use_memo(guidelines, [])
    # One SolaraViz stays mounted; a change of settings swaps the model it shows (see
    # baked_class for why). The first model is built once, at the first render.
    initial = solara.use_memo(
        lambda: _safe_build("explore", settings.value, seed.value, guideline.value), [])
    model = solara.use_reactive(initial[0])
    error = solara.use_reactive(initial[1])
    slots = solara.use_memo(component_slots, [])

    def rebuild(*, new_mode=None, new_settings=None, new_seed=None, new_guideline=None):
        """Apply changed settings: build the new model first, then show it (or the error)."""
        m = mode.value if new_mode is None else new_mode
        st = settings.value if new_settings is None else new_settings
        sd = seed.value if new_seed is None else new_seed
        g = guideline.value if new_guideline is None else new_guideline
        built, problem = _safe_build(m, st, sd, g)
        mode.set(m)
        settings.set(st)
        seed.set(sd)
        guideline.set(g)
        error.set(problem)
        if built is not None:
            model.set(built)

    def choose_scenario(name):
        try:
            record = _default_settings(name)
        except UserInputError:
            return
        scenario_name.set(name)
        rebuild(new_settings=record)

    def set_field(name, value):
        rebuild(new_settings={**settings.value, name: value})

    solara.Style(CSS)
    solara.Title("MSE upgrading in value chains")
    if model.value is not None:
        SolaraViz(model, components=slots, name="MSE upgrading in value chains",
                  play_interval=1)
    with solara.Sidebar():
        with solara.Card("Scenario", classes=["mse-settings"]):
            solara.Select("Scenario", values=scenarios, value=scenario_name.value,
                          on_value=choose_scenario)
            info = _scenario_info(scenario_name.value)
            if info.get("description"):
                solara.HTML(tag="div", unsafe_innerHTML=html.escape(info["description"]),
                            classes=["mse-help"])
            if info.get("things_to_notice"):
                # the first sentences only, so the controls below stay on screen; the whole
                # text is in the tooltip and in `mse-sim scenarios --info`
                notice = info["things_to_notice"]
                with solara.Tooltip(notice):
                    solara.HTML(tag="div", unsafe_innerHTML="<b>What to notice:</b> "
                                + html.escape(first_sentences(notice)), classes=["mse-notice"])
            if error.value:
                solara.Error(error.value, classes=["mse-error"])
            solara.ToggleButtonsSingle(
                value=mode.value, on_value=lambda v: rebuild(new_mode=v), children=[
                    solara.Button("Explore", value="explore", classes=["mse-mode-explore"]),
                    solara.Button("Guideline", value="guideline",
                                  classes=["mse-mode-guideline"]),
                ])
            if mode.value == "guideline":
                labels = {f"{g.id}: {g.action}": g.id for g in all_guidelines.values()}
                current = next(k for k, v in labels.items() if v == guideline.value)
                solara.Select("Guideline", values=list(labels), value=current,
                              on_value=lambda label: rebuild(new_guideline=labels[label]))
                solara.HTML(tag="div", classes=["mse-help"], unsafe_innerHTML=(
                    "The baseline and the intervention start from the same seed and the same "
                    "MSEs; the levers below set the baseline."))
            with solara.Row():
                solara.InputInt("Seed", value=seed.value,
                                on_value=lambda v: rebuild(new_seed=max(0, int(v or 0))))
                solara.InputInt("Number of MSEs", value=int(settings.value["n_mse"]),
                                on_value=lambda v: set_field(
                                    "n_mse", int(min(max(v or 1, 10), 20_000))))
        # folded by default so that Mesa's Step/Play/Reset card below stays on screen
        with solara.Card("Levers", classes=["mse-levers"]), solara.Details(
                summary="Show the levers (what if...?)", expand=False):
            solara.HTML(tag="div", classes=["mse-help"], unsafe_innerHTML=(
                "Moving a lever restarts the run from month 0 with the same seed. "
                "Hover over a lever for its field name."))
            for name in LEVERS:
                LeverSlider(name, settings.value[name],
                            on_value=lambda v, name=name: set_field(name, round(float(v), 4)))


def first_sentences(text: str, limit: int = 200) -> str:
    """Return whole leading sentences of `text` up to about `limit` characters (with "…")."""
    if len(text) <= limit:
        return text
    out = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if out and len(out) + len(sentence) + 1 > limit:
            return out + " …"
        out = f"{out} {sentence}".strip()
    return out if len(out) <= limit + 80 else out[:limit].rsplit(" ", 1)[0] + " …"


def _scenario_info(name: str) -> dict[str, str]:
    try:
        sf = read_scenario_file(name)
    except UserInputError:
        return {}
    return {"description": sf.description, **{k: " ".join(v.split()) for k, v in sf.info.items()}}


def _safe_build(mode, settings, seed, guideline):
    """Build the model, turning a bad input into a message instead of a traceback."""
    try:
        return build_model(mode, settings, seed, guideline), None
    except UserInputError as exc:
        return None, f"These settings cannot be run: {exc}"
    except Exception as exc:  # noqa: BLE001 - a workshop screen must show words, not a traceback
        print(f"mse-sim app: could not build the model: {exc!r}", file=sys.stderr)
        return None, ("The model could not be started with these settings. Try Reset or "
                      "another scenario; the details are in the terminal running the app.")


page = Page


# --------------------------------------------------------------------------------------------
# Command line: mse-sim app
# --------------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(host: str, port: int) -> None:
    """Check that the app can listen on host:port.

    Raises:
        UserInputError: Port outside 1-65535, or already in use.
    """
    if not 1 <= port <= 65535:
        raise UserInputError(f"--port {port}: must be from 1 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UserInputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); is the app already "
                f"running? Try another port, e.g. --port {port + 1 if port < 65535 else 8765}"
            ) from None


def _cmd_app(args: argparse.Namespace) -> int:
    from sim.app_assets import ensure_assets, uses_vue3

    check_address(args.host, args.port)
    if uses_vue3():
        print("warning: ipyvue 3 is installed; the app's charts need ipyvue<2 and "
              "ipyvuetify<2 (pip install 'mse-upgrading[app]')", file=sys.stderr)
    ensure_assets()  # front-end files from npm, only when missing (offline machines)
    host_in_url = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host_in_url}:{args.port}/"
    print(f"mse-sim app: open {url} in a browser (Ctrl+C stops it)", flush=True)
    if not _is_loopback(args.host):
        print(f"note: listening on {args.host}: other machines on the network can open it",
              flush=True)
    # Mesa's Play loop runs in the server; a closed tab leaves it running until solara culls
    # the session, so cull after minutes rather than solara's default of a day
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "5m")
    from solara.__main__ import main as solara_main

    argv = ["solara", "run", str(Path(__file__).resolve()), "--host", args.host,
            "--port", str(args.port), "--production", "--no-open", "--log-level", "warning"]
    old_argv = sys.argv
    sys.argv = argv
    try:
        solara_main()
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 0
    finally:
        sys.argv = old_argv
    return 0


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None


def register_cli(subparsers) -> None:
    """Add the ``app`` subcommand to the ``mse-sim`` command."""
    p = subparsers.add_parser(
        "app", help="start the trainer's browser app",
        description="Start the browser app and print its address. It listens on 127.0.0.1 "
        "(this computer only) unless --host says otherwise.")
    p.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 opens it to the "
                   "network)")
    p.set_defaults(func=_cmd_app)
