"""The trainer's browser app: SolaraViz on the value-chain model, readable on a projector.

Start it with ``mse-sim app`` (or ``solara run sim.ui.app.page``). Two modes:

* **Explore**: one run of a bundled scenario. Every lever has a slider in plain words (the
  field name is in its tooltip); moving one restarts the run from month 0 with the same seed,
  so what changes on screen is the lever's effect, not luck.
* **Guideline**: pick g1-g7; a baseline and the intervention run side by side from the same
  seed, and the app shows both curves and the difference as one number.

The page is Mesa's own :func:`~mesa.visualization.SolaraViz` (controls, draggable grid) with
:func:`~mesa.visualization.make_plot_component` charts; the value-chain picture, the
comparison chart and the difference card are custom components.
"""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

# Solara would otherwise try to send usage telemetry, which on a machine without network
# only costs time; set before solara is imported anywhere in this process.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # the server renders PNGs; never open a window

import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import SolaraViz, make_plot_component  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.errors import UserInputError  # noqa: E402
from sim.metrics import metric_info  # noqa: E402
from sim.population import UPGRADE_TYPES  # noqa: E402
from sim.scenario import FIELDS, LEVERS, list_scenarios, read_scenario_file  # noqa: E402
from sim.ui.app.drawing import draw_value_chain  # noqa: E402
from sim.ui.app.models import (  # noqa: E402
    COMPARED,
    DEFAULT_SCENARIO,
    GuidelineComparison,
    arm_column,
    build_model,
    current_value,
    guidelines,
    metric_label,
    scenario_record,
)
from sim.ui.style import (  # noqa: E402
    BASELINE_COLOUR,
    INTERVENTION_COLOUR,
    PROJECTOR_RC,
    UPGRADE_COLOURS,
)


def _is_share(metric: str) -> bool:
    return metric_info(metric).kind == "share"


# Charts ------------------------------------------------------------------------------------

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
    labels = labels or {m: metric_info(m).title for m in COMPARED}
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
        {f"share_{t}": UPGRADE_COLOURS[t] for t in UPGRADE_TYPES},
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
        {arm_column(metric, arms[0]): BASELINE_COLOUR,
         arm_column(metric, arms[1]): INTERVENTION_COLOUR},
        post_process=lambda ax: _style(ax, title, percent=_is_share(metric),
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
    if _is_share(metric):
        return f"{100 * value:+.1f} points"
    return f"{value:+,.1f}"


@solara.component
def DifferenceCard(model):
    """The number a trainer projects: intervention minus baseline, now."""
    update_counter.get()
    g = model.guideline
    metric = model.metric
    diff = model.difference()
    base = current_value(model.baseline, metric)
    with_g = current_value(model.intervention, metric)
    fmt = (lambda v: f"{v:.0%}") if _is_share(metric) else (lambda v: f"{v:,.2f}")
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


# The page ----------------------------------------------------------------------------------

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


page = Page
