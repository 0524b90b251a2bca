"""What the app shows, as data and HTML: its charts, the value-chain picture and their words.

Plain Python (no solara), shared by the page (:mod:`sim.ui.app.page`) and by what a trainer
saves from it (:mod:`sim.ui.app.export`), so a saved figure is the figure on screen. Every
word goes through the catalogs of :mod:`sim.ui.i18n` (hover texts included).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.experiments.definitions import LeverMove
from sim.metrics import metric_info
from sim.population import UPGRADE_TYPES
from sim.scenario import FIELDS, LEVERS
from sim.ui.app.chain import (
    UPGRADE_NAMES,
    picture_caption,
    picture_counts,
    upgrade_legend,
    value_chain_svg,
)
from sim.ui.app.charts import Hover, Line, chart_figure, line_chart
from sim.ui.app.session import BASELINE, INTERVENTION, Run
from sim.ui.i18n import (
    N_,
    gettext_for,
    metric_title,
    metric_unit,
    ngettext_for,
)
from sim.ui.numbers import format_number, format_percent
from sim.ui.style import BASELINE_COLOUR, INTERVENTION_COLOUR, SERIES_COLOURS, UPGRADE_COLOURS
from sim.ui.words import describe_moves, lever_label

# --------------------------------------------------------------------------------------------
# Numbers in words
# --------------------------------------------------------------------------------------------


def fmt_value(value: float, metric: str, lang: str) -> str:
    """Format a metric's value: percent with one decimal for shares, else a number."""
    if metric_info(metric).kind == "share":
        return format_percent(value, 1, lang=lang)
    return format_number(value, 1 if abs(value) < 100 else 0, lang=lang)


def fmt_difference(value: float, metric: str, lang: str) -> str:
    """Format a difference between arms: percentage points for shares, else a plain number."""
    _ = gettext_for(lang)
    sign = "+" if value >= 0 else "−"
    if metric_info(metric).kind == "share":
        points = format_number(abs(100 * value), 1, lang=lang)
        return _("{value} points").format(value=sign + points)
    return sign + format_number(abs(value), 1, lang=lang)


@dataclass(frozen=True)
class PosteriorInWords:
    """Guideline mode's number with parameter uncertainty, in words (:func:`posterior_words`).

    Attributes:
        effect: The effect over every draw and seed, e.g. ``+1.2 points``.
        over: What it is over and its combined interval, beside the seed-only one.
        verdict: Whether the combined interval is clear of zero.
        not_robust: When the sign is not the same in every plausible model, the share of
            them with the other sign in plain words; else ``""``.
    """

    effect: str
    over: str
    verdict: str
    not_robust: str


def posterior_words(result: Any, metric: str, lang: str) -> PosteriorInWords:
    """Say a guideline's effect on `metric` over posterior draws × seeds (parameter uncertainty).

    Args:
        result: A :class:`sim.experiments.uncertainty.PosteriorEffects`.
        metric: One of its metrics.
        lang: The language.
    """
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    row = result.table.set_index("metric").loc[metric]
    draws, seeds = int(row["draws"]), int(row["seeds"])

    def f(v: float) -> str:
        return fmt_difference(float(v), metric, lang)

    over = ngettext(
        "Over {draws} plausible models (draws of the calibrated constants) × {n} run each: "
        "from {low} to {high}; the runs' noise alone: from {seed_low} to {seed_high}",
        "Over {draws} plausible models (draws of the calibrated constants) × {n} runs each: "
        "from {low} to {high}; the runs' noise alone: from {seed_low} to {seed_high}",
        seeds,
    ).format(
        draws=draws,
        n=seeds,
        low=f(row["low"]),
        high=f(row["high"]),
        seed_low=f(row["seed_low"]),
        seed_high=f(row["seed_high"]),
    )
    if row["low"] > 0:
        verdict = _("clearly higher with the guideline")
    elif row["high"] < 0:
        verdict = _("clearly lower with the guideline")
    else:
        verdict = _("no clear effect: the range includes zero")
    not_robust = ""
    title = metric_title(metric, lang)
    if row["effect"] >= 0 and row["share_negative"] > 0:
        not_robust = _("In {share} of plausible models this guideline lowers {metric}.").format(
            share=format_percent(row["share_negative"], 0, lang=lang), metric=title
        )
    elif row["effect"] < 0 and row["share_positive"] > 0:
        not_robust = _("In {share} of plausible models this guideline raises {metric}.").format(
            share=format_percent(row["share_positive"], 0, lang=lang), metric=title
        )
    return PosteriorInWords(f(row["effect"]), over, verdict, not_robust)


def months_words(months: int, lang: str) -> str:
    """Say a number of months in `lang`, in the plural form its rules pick ("1 month")."""
    ngettext = ngettext_for(lang)
    return ngettext("{n} month", "{n} months", months).format(n=format_number(months, 0, lang=lang))


def tick_format(share: bool, lang: str) -> Callable[[float], str]:
    """Format a y-axis tick: a whole percentage for shares where it is one, else a number."""
    if share:
        return lambda v: format_percent(
            v, 0 if abs(v * 100 - round(v * 100)) < 1e-6 else 1, lang=lang
        )
    return lambda v: format_number(v, 0 if abs(v) >= 10 or v == 0 else 1, lang=lang)


# --------------------------------------------------------------------------------------------
# What changed between two runs
# --------------------------------------------------------------------------------------------

#: The number fields' labels (the page's fields, and the words of a change).
FIELD_LABELS: dict[str, str] = {
    "n_mse": N_("Number of MSEs"),
    "seed": N_("History number"),
    "horizon": N_("Months to run"),
}


def settings_changes(before: Run, now: Run, lang: str) -> list[str]:
    """Say, for each setting that differs, what it was in `before`: "Credit access 0.20"."""
    old, new = before.settings, now.settings
    out = [
        f"{lever_label(name, lang)} {format_number(float(old.scenario[name]), 2, lang=lang)}"
        for name in LEVERS
        if abs(float(old.scenario[name]) - float(new.scenario[name])) > 1e-9
    ]
    _ = gettext_for(lang)
    if int(old.scenario["n_mse"]) != int(new.scenario["n_mse"]):
        out.append(
            f"{_(FIELD_LABELS['n_mse'])} {format_number(old.scenario['n_mse'], 0, lang=lang)}"
        )
    if old.seed != new.seed:
        out.append(f"{_(FIELD_LABELS['seed'])} {old.seed}")
    if old.horizon != new.horizon:
        out.append(f"{_(FIELD_LABELS['horizon'])} {old.horizon}")
    return out


def before_label(before: Run, now: Run, lang: str) -> str:
    """The legend of the faint lines: "Before the change: Credit access 0.20"."""
    _ = gettext_for(lang)
    changes = settings_changes(before, now, lang)
    return (
        _("Before the change: {what}").format(what=_("; ").join(changes))
        if changes
        else _("The run before")
    )


def keeps_before(before: Run | None, now: Run) -> bool:
    """Whether `before` can be drawn faintly on `now`'s charts: same scenario, same mode."""
    return (
        before is not None
        and before.month > 0
        and before.settings.scenario.get("name") == now.settings.scenario.get("name")
        and before.settings.guideline == now.settings.guideline
    )


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------

#: Explore mode's charts: key, title (None: the metric's own), metrics.
EXPLORE_CHARTS = (
    (
        "upgrading",
        N_("MSEs that have upgraded, by type"),
        tuple(f"share_{t}" for t in UPGRADE_TYPES),
    ),
    ("income", None, ("mean_income",)),
    ("premium", None, ("premium_share_mse",)),
    ("groups", N_("Producer groups and lead firms"), ("share_in_groups", "share_linked_lead_firm")),
)


@dataclass(frozen=True)
class ChartView:
    """One chart of the page: what :func:`sim.ui.app.charts.line_chart` draws.

    Attributes:
        key: Its name on the page (``upgrading``, ``key``...): CSS class ``mse-chart-<key>``.
        title: Title in the page's language.
        unit: The y axis' unit (the denominator of a share), in the page's language.
        metric: The metric whose kind sets the axis (share or level).
        lines: The run's lines.
        before: The previous run's lines, drawn faint (empty when there is none).
        before_label: What the faint lines are.
    """

    key: str
    title: str
    unit: str
    metric: str
    lines: tuple[Line, ...]
    before: tuple[Line, ...] = ()
    before_label: str = ""

    @property
    def share(self) -> bool:
        """True when the chart shows shares (a percent axis up to 100 % at most)."""
        return metric_info(self.metric).kind == "share"


def key_metric(run: Run) -> str:
    """The metric a guideline is judged on (its first key metric)."""
    return run.guideline.key_metrics[0]


def second_metric(run: Run) -> str:
    """Guideline mode's second chart: its next key metric, else upgrading of any kind."""
    metric = key_metric(run)
    return next(
        m
        for m in (*run.guideline.key_metrics[1:], "share_upgraded", "share_in_groups")
        if m != metric
    )


def _lines(run: Run, key: str, metrics: tuple[str, ...], lang: str) -> tuple[Line, ...]:
    _ = gettext_for(lang)
    if run.guideline is not None:
        metric = metrics[0]
        return (
            Line(_("Baseline"), BASELINE_COLOUR, run.series(metric, BASELINE), dashed=True),
            Line(
                _("With {g}").format(g=run.guideline.id),
                INTERVENTION_COLOUR,
                run.series(metric, INTERVENTION),
            ),
        )
    if key == "upgrading":
        return tuple(
            Line(_(UPGRADE_NAMES[t]), UPGRADE_COLOURS[t], run.series(f"share_{t}"))
            for t in UPGRADE_TYPES
        )
    return tuple(
        Line(metric_title(m, lang), SERIES_COLOURS.get(m, "#0072B2"), run.series(m))
        for m in metrics
    )


def chart_views(run: Run, lang: str, before: Run | None = None) -> list[ChartView]:
    """Return the charts of `run` in `lang`, with `before`'s lines faint when it can be kept."""
    _ = gettext_for(lang)
    if run.guideline is None:
        specs = [
            (key, _(title) if title else metric_title(metrics[0], lang), metrics)
            for key, title, metrics in EXPLORE_CHARTS
        ]
    else:
        specs = [
            (key, metric_title(m, lang), (m,))
            for key, m in (("key", key_metric(run)), ("second", second_metric(run)))
        ]
    keep = keeps_before(before, run)
    label = before_label(before, run, lang) if keep else ""
    out = []
    for key, title, metrics in specs:
        unit = metric_unit(metrics[0], lang)
        faint = _lines(before, key, metrics, lang) if keep else ()
        out.append(
            ChartView(key, title, unit, metrics[0], _lines(run, key, metrics, lang), faint, label)
        )
    return out


def chart_html(view: ChartView, run: Run, lang: str, hover: bool) -> str:
    """Return one chart as HTML, with values on hover when `hover` (a paused run)."""
    _ = gettext_for(lang)
    note = _("Press ▶ or Step to start") if run.month == 0 else ""
    pointer = (
        Hover(
            lambda m: _("Month {month}").format(month=m),
            lambda v: fmt_value(v, view.metric, lang),
            _("before"),
        )
        if hover
        else None
    )
    return line_chart(
        view.title,
        view.lines,
        **_chart_arguments(view, run, lang),
        note=note,
        css_class=f"mse-chart-{view.key}",
        hover=pointer,
    )


def chart_figure_svg(view: ChartView, run: Run, lang: str, x: float, y: float) -> str:
    """Return one chart as an SVG group for a saved figure (the same chart as on screen)."""
    return chart_figure(view.title, view.lines, **_chart_arguments(view, run, lang), x=x, y=y)


def _chart_arguments(view: ChartView, run: Run, lang: str) -> dict[str, Any]:
    """What a chart on screen and the same chart in a saved figure are both drawn with."""
    _ = gettext_for(lang)
    return {
        "horizon": run.horizon,
        "share": view.share,
        "fmt": tick_format(view.share, lang),
        "x_label": _("Month"),
        "y_label": view.unit,
        "before": view.before,
        "before_label": view.before_label,
    }


# --------------------------------------------------------------------------------------------
# The value-chain picture
# --------------------------------------------------------------------------------------------


def picture_arm(run: Run) -> str | None:
    """The arm the picture shows: the run, or the intervention arm in guideline mode."""
    return INTERVENTION if run.guideline is not None else None


def picture_title(run: Run, lang: str) -> str:
    """The picture's title: which chain, which month."""
    _ = gettext_for(lang)
    if run.guideline is not None:
        return _("The value chain with {g}, month {month}").format(
            g=run.guideline.id, month=run.month
        )
    return _("The value chain, month {month}").format(month=run.month)


def picture_svg(run: Run, lang: str) -> str:
    """Return the value-chain picture of the arm on screen as SVG."""
    _ = gettext_for(lang)
    arm = picture_arm(run)
    scenario = run.scenario(arm)
    return value_chain_svg(
        run.population(arm),
        n_intermediaries=scenario.n_intermediaries,
        n_lead_firms=scenario.n_lead_firms,
        _=_,
    )


def picture_words(run: Run, lang: str, pop: Mapping[str, Any] | None = None) -> list[str]:
    """Say what the picture draws, each number with its denominator."""
    counts = picture_counts(pop if pop is not None else run.population(picture_arm(run)))
    return picture_caption(
        counts,
        lambda n: format_number(n, 0, lang=lang),
        lambda s: format_percent(s, 1, lang=lang),
        ngettext_for(lang),
    )


def chain_html(run: Run, lang: str) -> str:
    """Return the value-chain picture with its title, what it draws and its legend."""
    _ = gettext_for(lang)
    arm = picture_arm(run)
    pop = run.population(arm)
    scenario = run.scenario(arm)
    svg = value_chain_svg(
        pop, n_intermediaries=scenario.n_intermediaries, n_lead_firms=scenario.n_lead_firms, _=_
    )
    caption = "".join(f"<div>{html.escape(line)}</div>" for line in picture_words(run, lang, pop))
    return (
        f'<div class="mse-chart mse-chain"><div class="mse-chart-title">'
        f"{html.escape(picture_title(run, lang))}</div>"
        f'<div class="mse-chain-caption">{caption}</div>'
        f"{upgrade_legend(_)}{svg}</div>"
    )


# --------------------------------------------------------------------------------------------
# Guideline mode
# --------------------------------------------------------------------------------------------


def changes_text(run: Run, lang: str) -> str:
    """Say what the intervention arm changes, in lever labels: ``Credit ...: 0.20 → 0.60``."""
    base, new = run.scenario(BASELINE), run.scenario(INTERVENTION)
    return describe_moves(
        [
            LeverMove(c.lever, getattr(base, c.lever), getattr(new, c.lever))
            for c in run.guideline.intervention
        ],
        lang,
    )


def lever_help(name: str, lang: str) -> str:
    """A lever's hover text: its label, range and what 0 and 1 mean, in the page's language."""
    _ = gettext_for(lang)
    spec = FIELDS[name]
    return _("{label}: from {low} (none) to {high} (the most the model allows).").format(
        label=_(spec.label),
        low=format_number(spec.low, 0, lang=lang),
        high=format_number(spec.high, 0, lang=lang),
    )
