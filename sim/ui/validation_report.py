"""The validation page: every case's targets against the model, in one self-contained HTML file.

``validation.html`` has no external resources (inline style, no scripts), so it opens offline.
It words a :func:`sim.validation.validate` table: the headline ("K of N observations pass",
N counting only observations that discriminate), a summary by case, then the observations,
the directions and the face checks apart, each target with the model's mean over seeds, its
95% interval, the target, pass or fail, how it did on its placebos, and the source with its
quoted figure.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path

import pandas as pd

from sim.io import atomic_write
from sim.metrics import metric_info
from sim.provenance import describe as describe_provenance
from sim.scenario import read_scenario_file
from sim.ui.numbers import format_number
from sim.ui.style import ACCENT_COLOUR
from sim.validation import DIRECTION, FACE, FAIL, NOT_MODELLED, OBSERVATION, PASS, summary_counts

_CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1200px;
       margin: 2em auto; padding: 0 1.2em; color: #1d1d1d; line-height: 1.45; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { font-size: 1.35em; border-top: 3px solid ACCENT; padding-top: 0.5em; margin-top: 2em; }
.sub, .prov { color: #555; }
.prov { font-size: 0.82em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
th { background: #eef2f5; }
.pass { color: #0a6b2a; font-weight: bold; } .fail { color: #a3261b; font-weight: bold; }
.todo { color: #777; font-style: italic; } .weak { color: #777; }
p.headline { font-size: 1.25em; }
q { font-style: italic; color: #333; }
""".replace("ACCENT", ACCENT_COLOUR)

_STATUS_CLASS = {PASS: "pass", FAIL: "fail", NOT_MODELLED: "todo"}


def _e(text: object) -> str:
    return html.escape(str(text))


def format_value(value: float, metric: str, statistic: str) -> str:
    """Format a target's number: shares in percent, ratios with ×, levels as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if statistic == "ratio":
        return f"{format_number(value, 2)}×"
    # Planned metrics (issue 10) are not in METRIC_INFO yet; their names say they are shares.
    if metric_info(metric).kind == "share" or metric.startswith("share_"):
        unit = " pts" if statistic == "difference" else "%"
        return f"{format_number(100 * value, 1)}{unit}"
    return format_number(value, None)


def format_bounds(row: pd.Series) -> str:
    """Format a target's bounds in the units :func:`format_value` uses."""
    low, high = row["low"], row["high"]

    def f(v):
        return format_value(v, row["metric"], row["statistic"])

    if math.isfinite(low) and math.isfinite(high):
        return f"{f(low)} to {f(high)}"
    return f"≥ {f(low)}" if math.isfinite(low) else f"≤ {f(high)}"


def describe_statistic(row: pd.Series) -> str:
    """Say what number the target is about, e.g. ``mean income, ratio to 'before'``."""
    label = metric_info(row["metric"]).label
    if row["statistic"] == "ratio":
        return f"{label}: case ÷ '{row['against']}'"
    if row["statistic"] == "difference":
        return f"{label}: case − '{row['against']}'"
    return label


def _source_cell(row: pd.Series) -> str:
    parts = []
    if row["source"]:
        src = _e(row["source"])
        if row["url"]:
            src = f"<a href='{_e(row['url'])}'>{src}</a>"
        parts.append(src)
    if row["quote"]:
        parts.append(f"<q>{_e(row['quote'])}</q>")
    if row["interval"]:
        parts.append(f"Interval: {_e(row['interval'])}.")
    if row["note"]:
        parts.append(f"Note: {_e(row['note'])}")
    return "<br>".join(parts)


def placebo_cell(row: pd.Series) -> str:
    """Say how a target did on its placebos: whether it discriminates, and its passes."""
    if not row["placebo_n"] or pd.isna(row["discriminates"]):
        return "<span class='todo'>no placebo run</span>"
    verdict = "discriminates" if row["discriminates"] else "<span class='weak'>uninformative</span>"
    return f"{verdict}: passes {int(row['placebo_pass'])} of {int(row['placebo_n'])} placebos"


def posterior_cell(row: pd.Series) -> str:
    """Under posterior uncertainty: the seed-only interval and the share of draws passing."""
    share = row.get("share_draws_pass", math.nan)
    if not isinstance(share, float) or not math.isfinite(share):
        return "–"

    def f(v):
        return format_value(v, row["metric"], row["statistic"])

    return (
        f"{f(row['seed_low'])} to {f(row['seed_high'])}<br><small>passes in "
        f"{100 * share:.0f}% of {int(row['n_draws'])} plausible models</small>"
    )


def _kind_section(kind: str, rows: pd.DataFrame, posterior: bool = False) -> str:
    title, intro = _KIND_TEXT[kind]
    ci_head = "95% CI, parameters and seeds" if posterior else "95% CI"
    extra_head = "<th>95% CI, seeds only; draws passing</th>" if posterior else ""
    head = (
        "<tr><th>case</th><th>target</th><th>what is compared</th><th>months</th>"
        f"<th>model mean</th><th>{ci_head}</th>{extra_head}<th>target</th><th>result</th>"
        "<th>on placebos</th><th>source</th></tr>"
    )
    body = []
    for _, row in rows.iterrows():
        status = row["status"]
        cls = _STATUS_CLASS.get(status, "todo")
        shown = status
        if status == NOT_MODELLED:
            shown = f"not yet modelled (needs {row['requires']})"
        elif kind == OBSERVATION and not row["counts"]:
            cls, shown = "weak", f"{status} (not counted)"
        if status != NOT_MODELLED and row.get("rule", "mean") not in ("", "mean"):
            shown = f"{shown}, by {row['rule']}"
        ci = (
            f"{format_value(row['ci_low'], row['metric'], row['statistic'])} to "
            f"{format_value(row['ci_high'], row['metric'], row['statistic'])}"
        )
        case = Path(row["case"]).stem if "/" in row["case"] else row["case"]
        body.append(
            f"<tr><td><a href='#{_e(case)}'>{_e(case)}</a></td>"
            f"<td><strong>{_e(row['claim'])}</strong><br><small>{_e(row['id'])}</small>"
            f"</td><td>{_e(describe_statistic(row))}</td><td class='num'>{_e(row['window'])}"
            f"</td><td class='num'>{format_value(row['mean'], row['metric'], row['statistic'])}"
            f"</td><td class='num'>{ci}</td>"
            + (f"<td class='num'>{posterior_cell(row)}</td>" if posterior else "")
            + f"<td class='num'>{_e(format_bounds(row))}</td>"
            f"<td class='{cls}'>{_e(shown)}</td><td>{placebo_cell(row)}</td>"
            f"<td>{_source_cell(row)}</td></tr>"
        )
    return (
        f"<section id='{kind}'><h2>{_e(title)}</h2><p>{intro}</p>"
        f"<table>{head}{''.join(body)}</table></section>"
    )


_KIND_TEXT = {
    OBSERVATION: (
        "Observations",
        "Magnitudes or ranges measured in sources other than the "
        "briefing paper. Only those that discriminate (fail on at least half of "
        "their placebos) count in the headline; the others are shown, not counted.",
    ),
    DIRECTION: (
        "Directions",
        "Signs (more, less, higher than before) reported by sources other "
        "than the briefing paper. Listed apart: a sign shows the model moves the way "
        "a source says, not that it matches a magnitude.",
    ),
    FACE: (
        "Face checks",
        "Restatements of the briefing paper's own lessons: the model says "
        "what the paper says. Listed apart; they are not evidence beyond the paper.",
    ),
}


def _case_summary(case: str, rows: pd.DataFrame) -> str:
    modelled = rows["status"].isin([PASS, FAIL])
    counted = rows["counts"].astype(bool)
    obs = (rows["kind"] == OBSERVATION) & modelled
    cells = [
        f"{int((counted & (rows['status'] == PASS)).sum())} of {int(counted.sum())}",
        str(int((obs & ~counted).sum())),
    ]
    for kind in (DIRECTION, FACE):
        k = (rows["kind"] == kind) & modelled
        cells.append(f"{int((k & (rows['status'] == PASS)).sum())} of {int(k.sum())}")
    name = Path(case).stem if "/" in case else case
    try:
        description = read_scenario_file(case).description
    except Exception:  # a custom targets file may name a case by path; the table still shows
        description = ""
    return (
        f"<tr id='{_e(name)}'><td><strong>{_e(name)}</strong><br><small>"
        f"{_e(description)}</small></td>"
        + "".join(f"<td class='num'>{c}</td>" for c in cells)
        + "</tr>"
    )


def build_validation_html(table: pd.DataFrame) -> str:
    """Return the validation page for a :func:`sim.validation.validate` table."""
    a = table.attrs
    c = summary_counts(table)
    seeds = a.get("seeds", [])
    placebo = a.get("placebo", {})
    summary_rows = "".join(
        _case_summary(case, rows) for case, rows in table.groupby("case", sort=False)
    )
    posterior = a.get("uncertainty") == "posterior"
    sections = "".join(
        _kind_section(kind, table[table["kind"] == kind], posterior)
        for kind in (OBSERVATION, DIRECTION, FACE)
        if (table["kind"] == kind).any()
    )
    not_counted = []
    if c["observations_uninformative"]:
        not_counted.append(
            f"{c['observations_uninformative']} observations pass on most of "
            "their placebos (uninformative) and are not counted"
        )
    if c["observations_unplaced"]:
        not_counted.append(
            f"{c['observations_unplaced']} observations had no placebo run and are not counted"
        )
    if c["not_yet_modelled"]:
        not_counted.append(f"{c['not_yet_modelled']} targets are not yet modelled")
    versions = ", ".join(
        f"{_e(Path(k).stem)} v{v['version']}" for k, v in a.get("targets", {}).items()
    )
    runs_text = f"{len(seeds)} seeds per case and arm"
    posterior_text = ""
    if posterior:
        fitted = a.get("posterior", {}) or {}
        runs_text = (
            f"{len(a.get('draws', []))} posterior draws × {len(seeds)} seeds per case and arm"
        )
        note = a.get("fitted_to_another_model", "")
        constants = ", ".join(a.get("posterior", {}).get("constants", []))
        posterior_text = (
            "<p><strong>Parameter uncertainty.</strong> Each case and its arms ran at "
            f"{len(a.get('draws', []))} draws of the shipped posterior of the calibration "
            f"constants ({_e(constants)}), on the same seeds "
            "at every draw. The 95% interval combines the spread between draws (parameters) "
            "with the seeds' noise, beside the seed-only interval; "
            f"{_e(a.get('posterior_pass_rule', ''))}. Placebos run at the default constants, "
            "as without parameter uncertainty. Posterior fitted to mse-sim "
            f"{_e(fitted.get('model_version', '?'))}, targets hash "
            f"{_e(fitted.get('targets_hash', '?'))}; draws (rows) "
            f"{_e(a.get('draws', []))}, picked with seed {_e(a.get('draw_seed', ''))}.</p>"
            + (f"<p class='fail'>{_e(note)}</p>" if note else "")
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MSE upgrading: does the model reproduce the nine cases?</title>
<style>{_CSS}</style></head>
<body>
<h1>Does the model reproduce the cases?</h1>
<p class="sub">{runs_text} · mse-sim {_e(a.get("version", "?"))} ·
{_e(a.get("created", ""))}</p>
<p class="headline"><strong>{c["observations_pass"]} of {c["observations_counted"]}
observations pass</strong></p>
<p>N counts the observed magnitudes (from sources other than the briefing paper) that
discriminate: each target is also run on placebos, the other bundled scenarios (with the
target's arm, for a before/after), and it discriminates when it fails on at least half of
them. {_e("; ".join(not_counted)) + "." if not_counted else ""} Directions: {c["directions_pass"]}
of {c["directions"]} pass ({c["directions_discriminate"]} discriminate). Face checks (the
paper's own lessons): {c["face_pass"]} of {c["face"]} pass ({c["face_discriminate"]}
discriminate).</p>
<p>Each case chain of Dunn, Sebstad, Batzdorff &amp; Parsons (2006) is run with the arms its
targets compare with (e.g. the chain <em>before</em> a project), on the same seeds. A target's
number is a metric's mean over a window of months; for a ratio or difference it is taken per
seed against the arm. A target <strong>passes</strong> by its rule: by default when the mean
over seeds lies within its bounds; a target marked <em>interval</em> needs the whole 95% t
interval within them, one marked <em>overlap</em> only some of it.</p>
{posterior_text}
<table><tr><th>case</th><th>observations: pass of counted</th><th>observations: not counted
(uninformative)</th><th>directions: pass</th><th>face checks: pass</th></tr>{summary_rows}
</table>
{sections}
<p class="prov">Pass rule: {_e(a.get("pass_rule", ""))}. Discrimination: a target
{_e(placebo.get("discrimination_rule", ""))}; placebo seeds {_e(placebo.get("seeds", ""))}.
Seeds {_e(seeds[:1] and seeds[0])} to {_e(seeds[-1:] and seeds[-1])}; months per run:
{_e(a.get("steps", ""))}. Targets: {versions}; hash {_e(a.get("targets_hash", ""))}. Scenarios
and arms are in the provenance of validation.csv (validation.csv.meta.json).</p>
<p class="prov">{_e(describe_provenance(a)) if "code" in a else ""}</p>
</body></html>
"""


def write_validation_html(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`build_validation_html` to ``path`` atomically and return the path."""
    path = Path(path)
    text = build_validation_html(table)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path
