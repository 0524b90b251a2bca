"""The guideline report: one self-contained HTML file a trainer can open offline or project.

Every figure is embedded as a base64 PNG and the style sheet is inline, so ``report.html`` is
a single file with no network access needed. It has a summary table, then one section per
guideline: the guideline's text from the paper, what the experiment changed, the figure, the
effects in plain words, the effect table, and provenance (scenario, seeds, version, date).
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.errors import UserInputError
from sim.experiments import CONFIDENCE, OUTCOME_WINDOW, ExperimentResult
from sim.io import atomic_write
from sim.metrics import metric_info
from sim.provenance import provenance_parts
from sim.scenario import read_scenario_file
from sim.ui.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    gettext_for,
    metric_label,
    paper_text,
    scenario_text,
    scenario_translation_note,
    translation_note,
)
from sim.ui.numbers import format_datetime, format_number, format_percent, format_usd
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.style import ACCENT_COLOUR
from sim.ui.words import (
    describe_moves,
    effect_sentence,
    lever_label,
    sentences,
)
from sim.validation import FAIL, NOT_MODELLED, NOT_RUN, PASS, targets_met

_CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1.2em; color: #1d1d1d; line-height: 1.45; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; }
h2 { font-size: 1.45em; border-top: 3px solid ACCENT; padding-top: 0.6em; margin-top: 2.2em; }
.sub { color: #555; margin-top: 0; }
blockquote { margin: 0.8em 0; padding: 0.6em 1em; background: #f3f6f9;
             border-left: 4px solid #9bb7cf; font-size: 0.95em; }
.changes { font-weight: bold; }
img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
ul.effects li { margin-bottom: 0.35em; font-size: 1.08em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef2f5; }
td.up { color: #0a6b2a; } td.down { color: #a3261b; } td.none { color: #777; }
.prov { color: #666; font-size: 0.82em; }
.method { font-size: 0.92em; color: #333; }
@media print { h2 { page-break-before: always; } }
""".replace("ACCENT", ACCENT_COLOUR)


#: Long texts of the report, translated through the catalogs (:mod:`sim.ui.i18n`).
METHOD = N_(
    "Each guideline from Dunn, Sebstad, Batzdorff & Parsons (2006), Lessons Learned on MSE "
    "Upgrading in Value Chains, is applied to the scenario as an intervention. The model is run "
    "with and without it on the same random seeds (common random numbers); an outcome is a "
    "metric's mean over the last {window} months, and an effect is the mean per-seed difference "
    "with a paired-t {level} confidence interval. Shares are in percentage points; incomes and "
    "volatility in percent of the baseline. The effects are what this model does, not "
    "measurements from the case studies."
)
PROVENANCE = N_(
    "Scenario {name} ({n_mse} MSEs), {n_seeds} seeds ({seeds}), {months} months, outcome = mean "
    "of the last {window} months; mse-sim {version}; computed {created}."
)
#: The code and libraries that computed a result (sim.provenance): names and numbers only.
MADE_WITH = N_("Code: {code}; libraries: {libraries}.")


def _e(text: object) -> str:
    return html.escape(str(text))


def _fmt(value: float, kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    if kind == "share":
        # Percent, with a second decimal for small values so "0.0 to 0.0" never appears.
        return format_number(value * 100, 2 if abs(value) < 0.01 else 1, lang=lang)
    return format_number(value, None, lang=lang)


def _direction(row) -> str:
    if row["ci_low"] > 0:
        return "up"
    if row["ci_high"] < 0:
        return "down"
    return "none"


def _effect_table(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    head = (
        f"<tr><th>{_('metric')}</th><th>{_('baseline')}</th>"
        f"<th>{_('with the guideline')}</th><th>{_('effect')}</th>"
        f"<th>{CONFIDENCE:.0%} {_('CI')}</th><th>{_('seeds')}</th>"
        f"<th>{_('paper implies')}</th></tr>"
    )
    rows = []
    expect = result.guideline.expect if result.guideline else {}
    for _i, row in result.effects.iterrows():
        info = metric_info(row["metric"])
        label, kind = metric_label(row["metric"], lang), info.kind
        unit = " (%)" if kind == "share" else ""
        direction = _direction(row)
        rows.append(
            f"<tr><td>{_e(label)}{unit}</td><td>{_fmt(row['baseline_mean'], kind, lang)}</td>"
            f"<td>{_fmt(row['intervention_mean'], kind, lang)}</td>"
            f"<td class='{direction}'>{_fmt(row['effect'], kind, lang)}</td>"
            f"<td>{
                _('{low} to {high}').format(
                    low=_fmt(row['ci_low'], kind, lang), high=_fmt(row['ci_high'], kind, lang)
                )
            }</td>"
            f"<td>{int(row['n_seeds'])}</td>"
            f"<td>{_e(_(expect[row['metric']]) if row['metric'] in expect else '')}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _verdict(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE) -> str:
    """Say whether the model shows each direction the paper implies."""
    _ = gettext_for(lang)
    g = result.guideline
    if not g or not g.expect:
        return ""
    parts = []
    for metric, direction in g.expect.items():
        shown = _direction(result.effect(metric))
        label, way = metric_label(metric, lang), _(direction)
        if shown == direction:
            parts.append(_("{label} {direction}: shown").format(label=label, direction=way))
        elif shown == "none":
            parts.append(
                _("{label} {direction}: not shown (no clear effect)").format(
                    label=label, direction=way
                )
            )
        else:
            parts.append(
                _("{label} {direction}: contradicted (moved {shown})").format(
                    label=label, direction=way, shown=_(shown)
                )
            )
    return _("; ").join(parts)


def _section(result: ExperimentResult, png: bytes, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    g = result.guideline
    img = base64.b64encode(png).decode("ascii")
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences(result, lang=lang))
    note = translation_note(lang)
    prov = result.provenance()
    seeds = result.seeds
    seed_text = (
        f"{seeds[0]}–{seeds[-1]}"
        if seeds == tuple(range(seeds[0], seeds[-1] + 1))
        else ", ".join(map(str, seeds))
    )
    return f"""
<section id="{_e(g.id)}">
<h2>{_e(_("Guideline {number}.").format(number=g.number))} {_e(_(g.title))}</h2>
<blockquote>{_e(_(paper_text(g.seed_text)))}<br><em>— Dunn, Sebstad, Batzdorff &amp; Parsons
(2006)</em>{f"<br><em>{_e(note)}</em>" if note else ""}
</blockquote>
<p class="changes">{_e(_("Experiment:"))} {_e(_(g.action))} —
{_e(describe_moves(g.lever_moves(result.scenario), lang))}.</p>
<p>{_e(_(g.why))}</p>
<img alt="{_e(_(g.title))}" src="data:image/png;base64,{img}">
<ul class="effects">{items}</ul>
<p><strong>{_e(_("Paper vs model:"))}</strong> {_e(_verdict(result, lang))}</p>
{_effect_table(result, lang)}
<p class="prov">{
        _e(_(PROVENANCE)).format(
            name=f"<strong>{_e(result.scenario.name)}</strong>",
            n_mse=_e(result.scenario.n_mse),
            n_seeds=len(seeds),
            seeds=_e(seed_text),
            months=result.steps,
            window=min(OUTCOME_WINDOW, result.steps + 1),
            version=_e(prov["version"]),
            created=_e(format_datetime(prov["created"], lang=lang)),
        )
    }</p>
<p class="prov">{_e(_(MADE_WITH).format(**provenance_parts(prov)))}</p>
</section>"""


def _summary(results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    rows = []
    for r in results.values():
        g = r.guideline
        metric = g.key_metrics[0]
        sentence = effect_sentence(_(g.action), metric, r.effect(metric), lang)
        rows.append(
            f"<tr><td><a href='#{_e(g.id)}'>{g.number}. {_e(_(g.title))}</a></td>"
            f"<td style='text-align:left'>{_e(sentence)}</td></tr>"
        )
    return (
        f"<table><tr><th>{_('guideline')}</th><th style='text-align:left'>"
        f"{_('key effect')}</th></tr>" + "".join(rows) + "</table>"
    )


def targets_section(results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE) -> str:
    """Say which of the scenario's documented targets the report's own runs meet.

    Uses the runs of the scenario as it is (the baseline arm of every guideline that does not
    change both arms), so no model is run again. Targets needing another arm (a before/after
    ratio) or a metric the experiments did not record are listed as not checked here; `mse-sim
    validate` checks them all. Returns "" when the scenario has no targets file.
    """
    _ = gettext_for(lang)
    first = next(iter(results.values()))
    series: dict = {}
    for r in results.values():
        if r.baseline_scenario.params() == r.scenario.params():
            series.update(r.series["baseline"])
    table = targets_met(first.scenario.name, series)
    if table.empty:
        return ""
    met = table[table["status"] == PASS]
    statuses = {PASS: _("pass"), FAIL: _("fail")}
    rows = []
    for _i, row in table.iterrows():
        if row["status"] == NOT_RUN:
            shown = _("not checked here (run mse-sim validate)")
        elif row["status"] == NOT_MODELLED:
            shown = _("not yet modelled (needs {what})").format(what=_(row["requires"]))
        else:
            shown = _("{status}: {mean} (target {target})").format(
                status=statuses.get(row["status"], row["status"]),
                mean=format_number(row["mean"], None, lang=lang),
                target=_bounds_text(row["low"], row["high"], lang),
            )
        kind = {"direction": " " + _("(direction)"), "face": " " + _("(face check)")}.get(
            row["kind"], ""
        )
        rows.append(
            f"<tr><td>{_e(_(row['claim']))}{_e(kind)}</td><td style='text-align:left'>"
            f"{_e(shown)}</td><td style='text-align:left'>{_e(row['source'])}</td></tr>"
        )
    title = _("Does {name} meet its documented targets?").format(name=first.scenario.name)
    met_text = _("{met} of {n} targets are met by the runs above; see docs/validation.md.").format(
        met=len(met), n=len(table)
    )
    return (
        f"<h2 id='targets'>{_e(title)}</h2><p>{_e(met_text)}</p><table><tr>"
        f"<th>{_e(_('target'))}</th><th>{_e(_('in these runs'))}</th>"
        f"<th>{_e(_('source'))}</th></tr>{''.join(rows)}</table>"
    )


def _bounds_text(low: float, high: float, lang: str) -> str:
    """A target's bounds in words and `lang`'s numbers: "0,05 to 0,5", "≥ 2"."""
    _ = gettext_for(lang)

    def num(v: float) -> str:
        return format_number(v, None, lang=lang)

    if math.isfinite(low) and math.isfinite(high):
        return _("{low} to {high}").format(low=num(low), high=num(high))
    return f"≥ {num(low)}" if math.isfinite(low) else f"≤ {num(high)}"


def build_report(
    results: Mapping[str, ExperimentResult],
    pngs: Mapping[str, bytes] | None = None,
    extra_html: str = "",
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Return the report as one HTML string (figures embedded).

    Args:
        results: Guideline experiment results by id, all on the same scenario and seeds.
        pngs: Each result's figure as PNG bytes, by id, if already rendered.
        extra_html: Further sections placed after the summary (e.g. :func:`cost_section`).
        lang: Language of the report's words (:data:`sim.ui.i18n.LANGUAGES`).
    """
    _ = gettext_for(lang)
    first = next(iter(results.values()))
    scenario = first.scenario
    pngs = pngs or {}
    sections = "".join(
        _section(r, pngs.get(gid) or png_bytes(experiment_figure(r, lang)), lang)
        for gid, r in results.items()
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(_("MSE upgrading: the seven guidelines on {name}").format(name=scenario.name))}</title>
<style>{_CSS}</style></head>
<body>
<h1>{_e(_("MSE upgrading in value chains: the guidelines for practitioners, tested"))}</h1>
<p class="sub">{
        _e(_("Scenario {name} · {n_seeds} seeds per arm · {months} months")).format(
            name=f"<strong>{_e(scenario.name)}</strong>",
            n_seeds=len(first.seeds),
            months=first.steps,
        )
    } ·
mse-sim {_e(first.version)} · {_e(format_datetime(first.created, lang=lang))}</p>
{_scenario_description(scenario.name, lang)}
<p class="method">{_e(_(METHOD).format(window=OUTCOME_WINDOW, level=f"{CONFIDENCE:.0%}"))}</p>
{_summary(results, lang)}
{targets_section(results, lang)}
{extra_html}
{sections}
</body></html>
"""


def _scenario_description(name: str, lang: str) -> str:
    """The bundled scenario's one-line description in `lang`, marked when translated."""
    try:
        description = read_scenario_file(name).description
    except UserInputError:  # a scenario of the user's own, not bundled: nothing to say
        return ""
    if not description:
        return ""
    note = scenario_translation_note(lang)
    return (
        f"<p class='sub'>{_e(scenario_text(description, lang))}"
        + (f" <em>({_e(note)})</em>" if note else "")
        + "</p>"
    )


def write_report(
    results: Mapping[str, ExperimentResult],
    path: str | os.PathLike,
    pngs: Mapping[str, bytes] | None = None,
    extra_html: str = "",
    lang: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write :func:`build_report` to ``path`` atomically and return the path."""
    path = Path(path)
    text = build_report(results, pngs, extra_html, lang)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path


# -- costs: what each guideline costs, the ranking, who gains (sim.costs) ---------------------


def _interval(low: float, high: float, fmt, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    if low != low or high != high:
        return _("not bounded")
    return _("{low} to {high}").format(low=fmt(low), high=fmt(high))


def _experiment_name(
    experiment: str, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)
    gid, _sep, lever = experiment.partition(":")
    g = results[gid].guideline if gid in results else None
    name = f"{g.number}. {_(g.action)}" if g else gid
    return (
        _("{name} — {lever} only").format(name=name, lever=lever_label(lever, lang))
        if lever
        else name
    )


def _cost_table(
    table, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)
    head = "".join(
        f"<th>{_e(_(h))}</th>"
        for h in (
            N_("guideline"),
            N_("cost"),
            N_("MSEs reached"),
            N_("additional MSEs upgrading"),
            N_("cost per additional upgrader"),
            N_("extra MSE income"),
            N_("income per dollar"),
            N_("rank"),
        )
    )

    def usd(v):
        return format_usd(v, lang=lang)

    def num(v):
        return format_number(v, 1, lang=lang)

    def two(v):
        return format_number(v, 2, lang=lang)

    def cell(value: str, low: float, high: float, fmt) -> str:
        return f"<td>{value}<br><small>{_e(_interval(low, high, fmt, lang))}</small></td>"

    rows = []
    for _i, r in table.iterrows():
        rank = "" if pd.isna(r["rank"]) else format_number(int(r["rank"]), 0, lang=lang)
        rows.append(
            f"<tr><td>{_e(_experiment_name(r['experiment'], results, lang))}</td>"
            + cell(usd(r["cost_usd"]), r["cost_ci_low"], r["cost_ci_high"], usd)
            + f"<td>{format_number(r['mses_reached'], 0, lang=lang)}</td>"
            + cell(num(r["extra_upgraders"]), r["upgraders_ci_low"], r["upgraders_ci_high"], num)
            + cell(
                usd(r["cost_per_upgrader_usd"]),
                r["per_upgrader_ci_low"],
                r["per_upgrader_ci_high"],
                usd,
            )
            + cell(usd(r["extra_income_usd"]), r["income_ci_low"], r["income_ci_high"], usd)
            + cell(
                two(r["income_per_usd"]),
                r["income_per_usd_ci_low"],
                r["income_per_usd_ci_high"],
                two,
            )
            + f"<td>{rank}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _ranking_words(
    table, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)

    def usd(v):
        return format_usd(v, lang=lang)

    ranked = table[table["rank"].notna()].sort_values("rank")
    level = format_percent(CONFIDENCE, lang=lang)
    items = []
    for _i, r in ranked.iterrows():
        line = _("{name}: {cost} per additional MSE upgrading ({level} CI {interval})").format(
            name=_experiment_name(r["experiment"], results, lang),
            cost=usd(r["cost_per_upgrader_usd"]),
            level=level,
            interval=_interval(r["per_upgrader_ci_low"], r["per_upgrader_ci_high"], usd, lang),
        )
        items.append(f"<li>{_e(line)}</li>")
    unranked = [
        _experiment_name(x, results, lang) for x in table.loc[table["rank"].isna(), "experiment"]
    ]
    rest = (
        f"<p>{
            _e(
                _(
                    'Not ranked, because their gain in upgrading is not clearly above '
                    'zero: {names}.'
                ).format(names=_('; ').join(unranked))
            )
        }</p>"
        if unranked
        else ""
    )
    return f"<ol class='ranking'>{''.join(items)}</ol>{rest}"


#: What the ranking does and does not mean, in plain words (shown under it).
RANKING_CAVEATS: tuple[str, ...] = (
    N_(
        "It ranks the cost to the programme of each additional MSE that has made any upgrade "
        "by the end of the horizon, in this scenario, with its {conf} interval over seeds."
    ),
    N_(
        "Most unit costs are assumptions (experiments/costs.toml says which): change them for "
        "your programme and the order can change."
    ),
    N_(
        "Every guideline moves its levers by the same amount on the model's 0–1 scale; that is "
        "not the same effort or the same budget, which is why this table exists."
    ),
    N_("An upgrade counts once whatever its kind: a new channel counts as much as a new product."),
    N_(
        "A guideline without a clear gain in upgrading is not ranked; that does not make it "
        "useless. Guideline 7 is about risk and guideline 5 about who upgrades: read their own "
        "sections and the who-gains figures."
    ),
    N_("Guideline 6 moves two levers; its parts are shown alone too, and need not add up to it."),
    N_("These are the model's consequences of its assumptions, not measured programme results."),
)

#: The cost section's explanation of the method; {rate} is US$ per model currency unit.
COST_METHOD = N_(
    "Each guideline's lever moves are costed with the cost model (experiments/costs.toml): a "
    "fixed part, a part per unit of lever, and a part per MSE the model counts as reached "
    "(connected, financed, linked to a lead firm, in a group, or trained). Costs and incomes "
    "are US dollars over the whole horizon, at {rate} US$ per model currency unit. Each seed "
    "gives one cost, one number of additional upgraders and one extra income; totals have "
    'paired-t {level} intervals and ratios Fieller intervals ("not bounded" when the gain is '
    "not clearly above zero). Income per dollar is the extra income of all MSEs over the "
    "horizon for each dollar spent. MSEs reached are those newly connected, financed, linked "
    "or grouped; where a lever serves an audience (all MSEs, or the excluded group) with an "
    "intensity that grows with the move, they are counted in proportion to the move."
)
#: The who-gains explanation under its heading.
WHO_GAINS_METHOD = N_(
    "For each guideline: the change in the share of MSEs that upgraded and in their mean "
    "monthly income (last 12 months) for the included and the excluded group, for near, "
    "middle and remote MSEs (thirds by remoteness) and for fifths of initial wealth; and the "
    "change in who keeps what of the price end-market buyers pay (MSEs, traders, brokers, "
    "lead firms, transport; an MSE broker's part is what it kept of its neighbours' sales). "
    "Bars are mean paired differences, whiskers {level} intervals."
)


def cost_section(
    table,
    gains: Mapping[str, object],
    results: Mapping[str, ExperimentResult],
    figures: Mapping[str, bytes],
    usd_per_unit: float,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Return the report's section on costs: the table, the ranking and who gains.

    Args:
        table: :func:`sim.costs.cost_effectiveness` of the guidelines (and parts).
        gains: :func:`sim.costs.who_gains` by guideline id.
        results: The guideline results, by id (for names).
        figures: A who-gains figure per guideline id, as PNG bytes (drawn in `lang`).
        usd_per_unit: US dollars per model currency unit.
        lang: Language of the section's words and numbers.
    """
    _ = gettext_for(lang)
    level = format_percent(CONFIDENCE, lang=lang)
    caveats = "".join(f"<li>{_e(_(c).format(conf=level))}</li>" for c in RANKING_CAVEATS)
    pictures = []
    for gid, png in figures.items():
        name = _experiment_name(gid, results, lang)
        alt = _("Who gains: {name}").format(name=name)
        pictures.append(
            f"<h3>{_e(name)}</h3><img alt='{_e(alt)}' src='data:image/png;base64,"
            f"{base64.b64encode(png).decode('ascii')}'>"
        )
    rate = format_number(usd_per_unit, None, lang=lang)
    return f"""
<section id="costs">
<h2>{_e(_("What each guideline costs, and who gains"))}</h2>
<p class="method">{_e(_(COST_METHOD).format(rate=rate, level=level))}</p>
{_cost_table(table, results, lang)}
<h3>{_e(_("Ranking by cost per additional MSE upgrading"))}</h3>
{_ranking_words(table, results, lang)}
<p><strong>{_e(_("What this ranking does and does not mean:"))}</strong></p>
<ul class="method">{caveats}</ul>
<h3>{_e(_("Who gains"))}</h3>
<p class="method">{_e(_(WHO_GAINS_METHOD).format(level=level))}</p>
{"".join(pictures)}
</section>"""
