"""The guideline report: one self-contained HTML file a trainer can open offline or project.

Every figure is embedded as a base64 PNG and the style sheet is inline, so ``report.html`` is
a single file with no network access needed. It has a summary table, then one section per
guideline: the guideline's text from the paper, what the experiment changed, the figure, the
effects in plain words, the effect table, and provenance (scenario, seeds, version, date).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.experiments import CONFIDENCE, OUTCOME_WINDOW, ExperimentResult
from sim.io import atomic_write
from sim.metrics import metric_info
from sim.ui.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    gettext_for,
    metric_label,
    paper_text,
    translation_note,
)
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.style import ACCENT_COLOUR
from sim.ui.words import effect_sentence, format_number, sentences
from sim.validation import NOT_MODELLED, NOT_RUN, PASS, targets_met

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
    "measurements from the case studies.")
PROVENANCE = N_(
    "Scenario {name} ({n_mse} MSEs), {n_seeds} seeds ({seeds}), {months} months, outcome = mean "
    "of the last {window} months; mse-sim {version}; computed {created}.")


def _e(text: object) -> str:
    return html.escape(str(text))


def _fmt(value: float, kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    if kind == "share":
        # Percent, with a second decimal for small values so "0.0 to 0.0" never appears.
        return format_number(value * 100, 2 if abs(value) < 0.01 else 1, lang)
    return format_number(value, None, lang)


def _direction(row) -> str:
    if row["ci_low"] > 0:
        return "up"
    if row["ci_high"] < 0:
        return "down"
    return "none"


def _effect_table(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    head = (f"<tr><th>{_('metric')}</th><th>{_('baseline')}</th>"
            f"<th>{_('with the guideline')}</th><th>{_('effect')}</th>"
            f"<th>{CONFIDENCE:.0%} {_('CI')}</th><th>{_('seeds')}</th>"
            f"<th>{_('paper implies')}</th></tr>")
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
            f"<td>{_('{low} to {high}').format(low=_fmt(row['ci_low'], kind, lang),
                                                high=_fmt(row['ci_high'], kind, lang))}</td>"
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
            parts.append(_("{label} {direction}: not shown (no clear effect)").format(
                label=label, direction=way))
        else:
            parts.append(_("{label} {direction}: contradicted (moved {shown})").format(
                label=label, direction=way, shown=_(shown)))
    return "; ".join(parts)


def _section(result: ExperimentResult, png: bytes, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    g = result.guideline
    img = base64.b64encode(png).decode("ascii")
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences(result, lang=lang))
    note = translation_note(lang)
    prov = result.provenance()
    seeds = result.seeds
    seed_text = f"{seeds[0]}–{seeds[-1]}" if seeds == tuple(range(seeds[0], seeds[-1] + 1)) \
        else ", ".join(map(str, seeds))
    return f"""
<section id="{_e(g.id)}">
<h2>{_e(_("Guideline {number}.").format(number=g.number))} {_e(_(g.title))}</h2>
<blockquote>{_e(_(paper_text(g.seed_text)))}<br><em>— Dunn, Sebstad, Batzdorff &amp; Parsons
(2006)</em>{f"<br><em>{_e(note)}</em>" if note else ""}
</blockquote>
<p class="changes">{_e(_("Experiment:"))} {_e(_(g.action))} —
{_e(g.describe_changes(result.scenario))}.</p>
<p>{_e(_(g.why))}</p>
<img alt="{_e(_(g.title))}" src="data:image/png;base64,{img}">
<ul class="effects">{items}</ul>
<p><strong>{_e(_("Paper vs model:"))}</strong> {_e(_verdict(result, lang))}</p>
{_effect_table(result, lang)}
<p class="prov">{_e(_(PROVENANCE)).format(
    name=f"<strong>{_e(result.scenario.name)}</strong>", n_mse=_e(result.scenario.n_mse),
    n_seeds=len(seeds), seeds=_e(seed_text), months=result.steps,
    window=min(OUTCOME_WINDOW, result.steps + 1), version=_e(prov['version']),
    created=_e(prov['created']))}</p>
</section>"""


def _summary(results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    rows = []
    for r in results.values():
        g = r.guideline
        metric = g.key_metrics[0]
        sentence = effect_sentence(_(g.action), metric, r.effect(metric), lang)
        rows.append(f"<tr><td><a href='#{_e(g.id)}'>{g.number}. {_e(_(g.title))}</a></td>"
                    f"<td style='text-align:left'>{_e(sentence)}</td></tr>")
    return (f"<table><tr><th>{_('guideline')}</th><th style='text-align:left'>"
            f"{_('key effect')}</th></tr>" + "".join(rows) + "</table>")


def targets_section(results: Mapping[str, ExperimentResult]) -> str:
    """Say which of the scenario's documented targets the report's own runs meet.

    Uses the runs of the scenario as it is (the baseline arm of every guideline that does not
    change both arms), so no model is run again. Targets needing another arm (a before/after
    ratio) or a metric the experiments did not record are listed as not checked here; `mse-sim
    validate` checks them all. Returns "" when the scenario has no targets file.
    """
    first = next(iter(results.values()))
    series: dict = {}
    for r in results.values():
        if r.baseline_scenario.params() == r.scenario.params():
            series.update(r.series["baseline"])
    table = targets_met(first.scenario.name, series)
    if table.empty:
        return ""
    met = table[table["status"] == PASS]
    rows = []
    for _, row in table.iterrows():
        if row["status"] == NOT_RUN:
            shown = "not checked here (run mse-sim validate)"
        elif row["status"] == NOT_MODELLED:
            shown = f"not yet modelled (needs {row['requires']})"
        else:
            shown = (f"{row['status']}: {format_number(row['mean'], None)} "
                     f"(target {row['target']})")
        kind = "" if row["counts"] else " (assumption)"
        rows.append(f"<tr><td>{_e(row['claim'])}{kind}</td><td style='text-align:left'>"
                    f"{_e(shown)}</td><td style='text-align:left'>{_e(row['source'])}</td></tr>")
    return (f"<h2 id='targets'>Does {_e(first.scenario.name)} meet its documented targets?</h2>"
            f"<p>{len(met)} of {len(table)} targets are met by the runs above; see "
            "docs/validation.md.</p><table><tr><th>target</th><th>in these runs</th>"
            f"<th>source</th></tr>{''.join(rows)}</table>")


def build_report(results: Mapping[str, ExperimentResult],
                 pngs: Mapping[str, bytes] | None = None, extra_html: str = "",
                 lang: str = DEFAULT_LANGUAGE) -> str:
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
        _section(r, pngs.get(gid) or png_bytes(experiment_figure(r)), lang)
        for gid, r in results.items())
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(_("MSE upgrading: the seven guidelines on {name}").format(
    name=scenario.name))}</title>
<style>{_CSS}</style></head>
<body>
<h1>{_e(_("MSE upgrading in value chains: the guidelines for practitioners, tested"))}</h1>
<p class="sub">{_e(_("Scenario {name} · {n_seeds} seeds per arm · {months} months")).format(
    name=f"<strong>{_e(scenario.name)}</strong>", n_seeds=len(first.seeds),
    months=first.steps)} ·
mse-sim {_e(first.version)} · {_e(first.created)}</p>
<p class="method">{_e(_(METHOD).format(window=OUTCOME_WINDOW, level=f"{CONFIDENCE:.0%}"))}</p>
{_summary(results, lang)}
{targets_section(results)}
{extra_html}
{sections}
</body></html>
"""


def write_report(results: Mapping[str, ExperimentResult], path: str | os.PathLike,
                 pngs: Mapping[str, bytes] | None = None, extra_html: str = "",
                 lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write :func:`build_report` to ``path`` atomically and return the path."""
    path = Path(path)
    text = build_report(results, pngs, extra_html, lang)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path


# -- costs: what each guideline costs, the ranking, who gains (sim.costs) ---------------------

def _usd(value: float) -> str:
    if value != value:  # NaN
        return "–"
    return f"{'−' if value < 0 else ''}${abs(value):,.0f}"


def _interval(low: float, high: float, fmt) -> str:
    if low != low or high != high:
        return "not bounded"
    return f"{fmt(low)} to {fmt(high)}"


def _experiment_name(experiment: str, results: Mapping[str, ExperimentResult]) -> str:
    gid, _, lever = experiment.partition(":")
    g = results[gid].guideline if gid in results else None
    name = f"{g.number}. {g.action}" if g else gid
    return f"{name} — {lever.replace('_', ' ')} only" if lever else name


def _cost_table(table, results: Mapping[str, ExperimentResult]) -> str:
    head = ("<tr><th>guideline</th><th>cost</th><th>MSEs reached</th>"
            "<th>additional MSEs upgrading</th><th>cost per additional upgrader</th>"
            "<th>extra MSE income</th><th>income per dollar</th><th>rank</th></tr>")
    rows = []
    for _, r in table.iterrows():
        def num(v, d=1):
            return format_number(v, d)

        def two(v):
            return format_number(v, 2)
        rank = "" if pd.isna(r["rank"]) else str(int(r["rank"]))
        rows.append(
            f"<tr><td>{_e(_experiment_name(r['experiment'], results))}</td>"
            f"<td>{_usd(r['cost_usd'])}<br><small>"
            f"{_interval(r['cost_ci_low'], r['cost_ci_high'], _usd)}</small></td>"
            f"<td>{format_number(r['mses_reached'], 0)}</td>"
            f"<td>{num(r['extra_upgraders'])}<br><small>"
            f"{_interval(r['upgraders_ci_low'], r['upgraders_ci_high'], num)}</small></td>"
            f"<td>{_usd(r['cost_per_upgrader_usd'])}<br><small>"
            f"{_interval(r['per_upgrader_ci_low'], r['per_upgrader_ci_high'], _usd)}"
            f"</small></td>"
            f"<td>{_usd(r['extra_income_usd'])}<br><small>"
            f"{_interval(r['income_ci_low'], r['income_ci_high'], _usd)}</small></td>"
            f"<td>{num(r['income_per_usd'], 2)}<br><small>"
            f"{_interval(r['income_per_usd_ci_low'], r['income_per_usd_ci_high'], two)}"
            f"</small></td><td>{rank}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _ranking_words(table, results: Mapping[str, ExperimentResult]) -> str:
    ranked = table[table["rank"].notna()].sort_values("rank")
    items = [f"<li>{_e(_experiment_name(r['experiment'], results))}: "
             f"{_usd(r['cost_per_upgrader_usd'])} per additional MSE upgrading "
             f"({CONFIDENCE:.0%} CI "
             f"{_interval(r['per_upgrader_ci_low'], r['per_upgrader_ci_high'], _usd)})</li>"
             for _, r in ranked.iterrows()]
    unranked = [_experiment_name(x, results) for x in table.loc[table["rank"].isna(),
                                                                 "experiment"]]
    rest = (f"<p>Not ranked, because their gain in upgrading is not clearly above zero: "
            f"{_e('; '.join(unranked))}.</p>" if unranked else "")
    return f"<ol class='ranking'>{''.join(items)}</ol>{rest}"


#: What the ranking does and does not mean, in plain words (shown under it).
RANKING_CAVEATS: tuple[str, ...] = (
    "It ranks the cost to the programme of each additional MSE that has made any upgrade by "
    "the end of the horizon, in this scenario, with its {conf} interval over seeds.",
    "Most unit costs are assumptions (sim/data/costs.toml says which): change them for your "
    "programme and the order can change.",
    "Every guideline moves its levers by the same amount on the model's 0–1 scale; that is "
    "not the same effort or the same budget, which is why this table exists.",
    "An upgrade counts once whatever its kind: a new channel counts as much as a new product.",
    "A guideline without a clear gain in upgrading is not ranked; that does not make it "
    "useless. Guideline 7 is about risk and guideline 5 about who upgrades: read their own "
    "sections and the who-gains figures.",
    "Guideline 6 moves two levers; its parts are shown alone too, and need not add up to it.",
    "These are the model's consequences of its assumptions, not measured programme results.",
)


def cost_section(table, gains: Mapping[str, object], results: Mapping[str, ExperimentResult],
                 figures: Mapping[str, bytes], usd_per_unit: float) -> str:
    """Return the report's section on costs: the table, the ranking and who gains.

    Args:
        table: :func:`sim.costs.cost_effectiveness` of the guidelines (and parts).
        gains: :func:`sim.costs.who_gains` by guideline id.
        results: The guideline results, by id (for names).
        figures: A who-gains figure per guideline id, as PNG bytes.
        usd_per_unit: US dollars per model currency unit.
    """
    caveats = "".join(f"<li>{_e(c.format(conf=f'{CONFIDENCE:.0%}'))}</li>"
                      for c in RANKING_CAVEATS)
    pictures = "".join(
        f"<h3>{_e(_experiment_name(gid, results))}</h3>"
        f"<img alt='who gains: {_e(gid)}' src='data:image/png;base64,"
        f"{base64.b64encode(png).decode('ascii')}'>"
        for gid, png in figures.items())
    return f"""
<section id="costs">
<h2>What each guideline costs, and who gains</h2>
<p class="method">Each guideline's lever moves are costed with the cost model
(<code>sim/data/costs.toml</code>): a fixed part, a part per unit of lever, and a part per
MSE the model counts as reached (connected, financed, linked to a lead firm, in a group, or
trained). Costs and incomes are US dollars over the whole horizon, at {usd_per_unit:g} US$
per model currency unit. Each seed gives one cost, one number of additional upgraders and
one extra income; totals have paired-t {CONFIDENCE:.0%} intervals and ratios Fieller
intervals ("not bounded" when the gain is not clearly above zero). Income per dollar is the
extra income of all MSEs over the horizon for each dollar spent. MSEs reached are those newly
connected, financed, linked or grouped; where a lever serves an audience (all MSEs, or the
excluded group) with an intensity that grows with the move, they are counted in proportion
to the move.</p>
{_cost_table(table, results)}
<h3>Ranking by cost per additional MSE upgrading</h3>
{_ranking_words(table, results)}
<p><strong>What this ranking does and does not mean:</strong></p>
<ul class="method">{caveats}</ul>
<h3>Who gains</h3>
<p class="method">For each guideline: the change in the share of MSEs that upgraded and in
their mean monthly income (last 12 months) for the included and the excluded group, for
near, middle and remote MSEs (thirds by remoteness) and for fifths of initial wealth; and
the change in who keeps what of the price end-market buyers pay (MSEs, traders, brokers, lead
firms, transport; an MSE broker's part is what it kept of its neighbours' sales). Bars are mean
paired differences, whiskers {CONFIDENCE:.0%} intervals.</p>
{pictures}
</section>"""
