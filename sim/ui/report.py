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

from sim.experiments import CONFIDENCE, OUTCOME_WINDOW, ExperimentResult
from sim.io import atomic_write
from sim.metrics import metric_info
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


def _e(text: object) -> str:
    return html.escape(str(text))


def _fmt(value: float, kind: str) -> str:
    if kind == "share":
        # Percent, with a second decimal for small values so "0.0 to 0.0" never appears.
        return format_number(value * 100, 2 if abs(value) < 0.01 else 1)
    return format_number(value, None)


def _direction(row) -> str:
    if row["ci_low"] > 0:
        return "up"
    if row["ci_high"] < 0:
        return "down"
    return "none"


def _effect_table(result: ExperimentResult) -> str:
    head = ("<tr><th>metric</th><th>baseline</th><th>with the guideline</th><th>effect</th>"
            f"<th>{CONFIDENCE:.0%} CI</th><th>seeds</th><th>paper implies</th></tr>")
    rows = []
    expect = result.guideline.expect if result.guideline else {}
    for _, row in result.effects.iterrows():
        info = metric_info(row["metric"])
        label, kind = info.label, info.kind
        unit = " (%)" if kind == "share" else ""
        direction = _direction(row)
        rows.append(
            f"<tr><td>{_e(label)}{unit}</td><td>{_fmt(row['baseline_mean'], kind)}</td>"
            f"<td>{_fmt(row['intervention_mean'], kind)}</td>"
            f"<td class='{direction}'>{_fmt(row['effect'], kind)}</td>"
            f"<td>{_fmt(row['ci_low'], kind)} to {_fmt(row['ci_high'], kind)}</td>"
            f"<td>{int(row['n_seeds'])}</td><td>{_e(expect.get(row['metric'], ''))}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _verdict(result: ExperimentResult) -> str:
    """Say whether the model shows each direction the paper implies."""
    g = result.guideline
    if not g or not g.expect:
        return ""
    parts = []
    for metric, direction in g.expect.items():
        shown = _direction(result.effect(metric))
        label = metric_info(metric).label
        if shown == direction:
            parts.append(f"{label} {direction}: shown")
        elif shown == "none":
            parts.append(f"{label} {direction}: not shown (no clear effect)")
        else:
            parts.append(f"{label} {direction}: contradicted (moved {shown})")
    return "; ".join(parts)


def _section(result: ExperimentResult, png: bytes) -> str:
    g = result.guideline
    img = base64.b64encode(png).decode("ascii")
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences(result))
    prov = result.provenance()
    seeds = result.seeds
    seed_text = f"{seeds[0]}–{seeds[-1]}" if seeds == tuple(range(seeds[0], seeds[-1] + 1)) \
        else ", ".join(map(str, seeds))
    return f"""
<section id="{_e(g.id)}">
<h2>Guideline {g.number}. {_e(g.title)}</h2>
<blockquote>{_e(g.seed_text)}<br><em>— Dunn, Sebstad, Batzdorff &amp; Parsons (2006)</em>
</blockquote>
<p class="changes">Experiment: {_e(g.action)} — {_e(g.describe_changes(result.scenario))}.</p>
<p>{_e(g.why)}</p>
<img alt="{_e(g.title)}: both arms over time" src="data:image/png;base64,{img}">
<ul class="effects">{items}</ul>
<p><strong>Paper vs model:</strong> {_e(_verdict(result))}</p>
{_effect_table(result)}
<p class="prov">Scenario <strong>{_e(result.scenario.name)}</strong>
({_e(result.scenario.n_mse)} MSEs), {len(seeds)} seeds ({_e(seed_text)}), {result.steps} months,
outcome = mean of the last {min(OUTCOME_WINDOW, result.steps + 1)} months; mse-sim
{_e(prov['version'])}; computed {_e(prov['created'])}.</p>
</section>"""


def _summary(results: Mapping[str, ExperimentResult]) -> str:
    rows = []
    for r in results.values():
        g = r.guideline
        metric = g.key_metrics[0]
        sentence = effect_sentence(g.action, metric, r.effect(metric))
        rows.append(f"<tr><td><a href='#{_e(g.id)}'>{g.number}. {_e(g.title)}</a></td>"
                    f"<td style='text-align:left'>{_e(sentence)}</td></tr>")
    return ("<table><tr><th>guideline</th><th style='text-align:left'>key effect</th></tr>"
            + "".join(rows) + "</table>")


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
                 pngs: Mapping[str, bytes] | None = None) -> str:
    """Return the report as one HTML string (figures embedded).

    Args:
        results: Guideline experiment results by id, all on the same scenario and seeds.
        pngs: Each result's figure as PNG bytes, by id, if already rendered.
    """
    first = next(iter(results.values()))
    scenario = first.scenario
    pngs = pngs or {}
    sections = "".join(
        _section(r, pngs.get(gid) or png_bytes(experiment_figure(r)))
        for gid, r in results.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MSE upgrading: the seven guidelines on {_e(scenario.name)}</title>
<style>{_CSS}</style></head>
<body>
<h1>MSE upgrading in value chains: the guidelines for practitioners, tested</h1>
<p class="sub">Scenario <strong>{_e(scenario.name)}</strong> · {len(first.seeds)} seeds per arm ·
{first.steps} months · mse-sim {_e(first.version)} · {_e(first.created)}</p>
<p class="method">Each guideline from Dunn, Sebstad, Batzdorff &amp; Parsons (2006),
<em>Lessons Learned on MSE Upgrading in Value Chains</em>, is applied to the scenario as an
intervention. The model is run with and without it on the same random seeds (common random
numbers); an outcome is a metric's mean over the last {OUTCOME_WINDOW} months, and an effect
is the mean per-seed difference with a paired-t {CONFIDENCE:.0%} confidence interval. Shares
are in percentage points; incomes and volatility in percent of the baseline. The effects are
what this model does, not measurements from the case studies.</p>
{_summary(results)}
{targets_section(results)}
{sections}
</body></html>
"""


def write_report(results: Mapping[str, ExperimentResult], path: str | os.PathLike,
                 pngs: Mapping[str, bytes] | None = None) -> Path:
    """Write :func:`build_report` to ``path`` atomically and return the path."""
    path = Path(path)
    text = build_report(results, pngs)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path
