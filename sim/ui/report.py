"""The guideline report: one self-contained HTML file a trainer can open offline or project.

Every figure is embedded as a base64 PNG and the style sheet is inline, so ``report.html`` is
a single file with no network access needed. It has a summary table, then one section per
guideline: the guideline's text from the paper, what the experiment changed, the figure, the
effects in plain words, the effect table, and provenance (scenario, seeds, version, date).

With the posterior runs (``mse-sim experiment all``'s default, ``posterior=`` of
:func:`build_report`), each section first shows the effects over plausible models: the
combined interval (parameters and seeds) as the main one, the seed-only interval beside it,
the parameters' share of the variance and, where the sign is not robust across the draws,
plain words (:func:`sign_sentences`); then, captioned as such, the figure, sentences and table
at the default constants. :func:`posterior_method` states the design, its Monte Carlo error
and the posterior's provenance. The section on costs is :mod:`sim.ui.cost_report`.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Mapping
from pathlib import Path

from sim import __version__
from sim.errors import UserInputError
from sim.experiments import CONFIDENCE, OUTCOME_WINDOW, ExperimentResult
from sim.experiments.uncertainty import PosteriorEffects, sign_error
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
from sim.ui.numbers import format_datetime, format_number, format_percent
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.style import ACCENT_COLOUR
from sim.ui.words import (
    describe_moves,
    effect_sentence,
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
#: The method of the report's posterior runs, with the Monte Carlo error their few draws leave.
POSTERIOR_METHOD = N_(
    "Parameter uncertainty: the model's calibration constants are not known exactly. Each "
    "guideline was also run at {draws} draws of the posterior of the constants (a resample by "
    "weight), with {seeds} seeds per draw, the same seeds at every draw and in both arms. The "
    "main interval of each effect combines the uncertainty of the parameters and of the seeds "
    "(mean ± t·√(σb² + σw²/S), σb² the variance of the effect between draws, σw² between "
    "seeds); the seed-only interval beside it is what the seeds of one model give. These are "
    "few draws, to keep the report quick: a share of draws (such as the share of plausible "
    "models in which a guideline lowers income) has a Monte Carlo standard error of "
    "√(p(1−p)/{draws}), up to {worst} points, and the parameters' share of the variance is "
    "rough. The figures, the tables at the default constants and who gains come from the "
    "{n_seeds} seeds at the default constants; the cost table's intervals combine parameters "
    "and seeds."
)
#: Where the posterior came from (sim.posterior()'s provenance).
POSTERIOR_PROVENANCE = N_(
    "Posterior of the constants: fitted to mse-sim {version}, targets hash {hash}, {rows} "
    "draws, {draws} of them run; constants: {constants}."
)
#: When the shipped posterior was fitted to another version (sim.calibrated).
FITTED_TO_ANOTHER_MODEL = N_(
    "Note: the posterior of the constants was fitted to mse-sim {fitted}; this is {version}, "
    "whose numbers have moved since. Its draws are a prior guess for this model, not its "
    "posterior, until the calibration is run again."
)
#: A guideline whose sign is not robust across the posterior, in plain words.
SIGN_WORDS = {
    "lowers": N_("In {share} of plausible models this guideline lowers {metric}."),
    "raises": N_("In {share} of plausible models this guideline raises {metric}."),
}


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


def sign_sentences(metric: str, row: Mapping, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Plain words where a guideline's sign is not robust across the posterior's draws.

    ``row`` has ``share_negative`` and ``share_positive`` (of draws); a sentence is said for
    the minority sign when its share is above 0 and below one half.
    """
    _ = gettext_for(lang)
    out = []
    for words, share in (
        (SIGN_WORDS["lowers"], row["share_negative"]),
        (SIGN_WORDS["raises"], row["share_positive"]),
    ):
        if 0 < share < 0.5:
            out.append(
                _(words).format(
                    share=format_percent(share, lang=lang), metric=metric_label(metric, lang)
                )
            )
    return out


def _posterior_table(effects: PosteriorEffects, lang: str = DEFAULT_LANGUAGE) -> str:
    """The effects over posterior draws x seeds: combined interval first, seed-only beside."""
    _ = gettext_for(lang)
    head = (
        f"<tr><th>{_('metric')}</th><th>{_('effect')}</th>"
        f"<th>{_e(_('{level} interval, parameters and seeds').format(level=f'{CONFIDENCE:.0%}'))}"
        f"</th><th>{_e(_('seed-only interval'))}</th>"
        f"<th>{_e(_('share of the variance that is the parameters'))}</th></tr>"
    )
    rows, words = [], []
    for row in effects.table.to_dict("records"):
        label, kind = metric_label(row["metric"], lang), metric_info(row["metric"]).kind
        unit = " (%)" if kind == "share" else ""
        direction = _direction({"ci_low": row["low"], "ci_high": row["high"]})
        rows.append(
            f"<tr><td>{_e(label)}{unit}</td>"
            f"<td class='{direction}'>{_fmt(row['effect'], kind, lang)}</td>"
            f"<td class='{direction}'><strong>{_range(row['low'], row['high'], kind, lang)}"
            f"</strong></td><td>{_range(row['seed_low'], row['seed_high'], kind, lang)}</td>"
            f"<td>{format_percent(row['parameter_share'], lang=lang)}</td></tr>"
        )
        words += sign_sentences(row["metric"], row, lang)
    caption = _("Over plausible models ({draws} posterior draws × {seeds} seeds):").format(
        draws=len(effects.draws), seeds=len(effects.seeds)
    )
    said = "".join(f"<li>{_e(w)}</li>" for w in words)
    return (
        f"<p><strong>{_e(caption)}</strong></p><table class='posterior'>{head}{''.join(rows)}"
        f"</table>" + (f"<ul class='effects sign'>{said}</ul>" if said else "")
    )


def _range(low: float, high: float, kind: str, lang: str) -> str:
    _ = gettext_for(lang)
    return _e(_("{low} to {high}").format(low=_fmt(low, kind, lang), high=_fmt(high, kind, lang)))


def posterior_method(
    posterior: Mapping[str, PosteriorEffects], n_seeds: int, lang: str = DEFAULT_LANGUAGE
) -> str:
    """The report's paragraph on its posterior runs: method, Monte Carlo error, provenance."""
    _ = gettext_for(lang)
    first = next(iter(posterior.values()))
    d = len(first.draws)
    record = first.provenance["posterior"]
    constants = record.get("constants", [])
    method = _(POSTERIOR_METHOD).format(
        draws=d,
        seeds=len(first.seeds),
        worst=format_number(100 * sign_error(0.5, d), 0, lang=lang),
        n_seeds=n_seeds,
    )
    prov = _(POSTERIOR_PROVENANCE).format(
        version=record.get("model_version") or "?",
        hash=str(record.get("targets_hash") or "?")[:12],
        rows=record.get("n_rows", "?"),
        draws=d,
        constants=", ".join(constants),
    )
    # sim.calibrated.fitted_to_another_model's note (kept in English in the provenance), said
    # in the report's language
    note = (
        _(FITTED_TO_ANOTHER_MODEL).format(fitted=record.get("model_version"), version=__version__)
        if record.get("note")
        else ""
    )
    return f"<p class='method' id='posterior'>{_e(method)}</p><p class='prov'>{_e(prov)}</p>" + (
        f"<p class='method'><strong>{_e(note)}</strong></p>" if note else ""
    )


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


def _section(
    result: ExperimentResult,
    png: bytes,
    lang: str = DEFAULT_LANGUAGE,
    posterior: PosteriorEffects | None = None,
) -> str:
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
{_posterior_table(posterior, lang) if posterior is not None else ""}
{_default_caption(len(seeds), lang) if posterior is not None else ""}
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


def _default_caption(n_seeds: int, lang: str) -> str:
    _ = gettext_for(lang)
    text = _("At the default constants ({n_seeds} seeds; seed-only intervals):").format(
        n_seeds=n_seeds
    )
    return f"<p><strong>{_e(text)}</strong></p>"


def _summary(
    results: Mapping[str, ExperimentResult],
    lang: str = DEFAULT_LANGUAGE,
    posterior: Mapping[str, PosteriorEffects] | None = None,
) -> str:
    _ = gettext_for(lang)
    rows = []
    for r in results.values():
        g = r.guideline
        metric = g.key_metrics[0]
        sentence = effect_sentence(_(g.action), metric, r.effect(metric), lang)
        extra = ""
        if posterior is not None and g.id in posterior:
            row = posterior[g.id].row(metric)
            kind = metric_info(metric).kind
            words = " ".join(sign_sentences(metric, row, lang))
            extra = (
                f"<td>{_fmt(row['effect'], kind, lang)}: "
                f"<strong>{_range(row['low'], row['high'], kind, lang)}</strong>"
                + (f"<br><small>{_e(words)}</small>" if words else "")
                + "</td>"
            )
        rows.append(
            f"<tr><td><a href='#{_e(g.id)}'>{g.number}. {_e(_(g.title))}</a></td>"
            f"<td style='text-align:left'>{_e(sentence)}</td>{extra}</tr>"
        )
    extra_head = (
        f"<th>{_e(_('over plausible models, parameters and seeds'))}</th>"
        if posterior is not None
        else ""
    )
    return (
        f"<table><tr><th>{_('guideline')}</th><th style='text-align:left'>"
        f"{_('key effect')}</th>{extra_head}</tr>" + "".join(rows) + "</table>"
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
    posterior: Mapping[str, PosteriorEffects] | None = None,
) -> str:
    """Return the report as one HTML string (figures embedded).

    Args:
        results: Guideline experiment results by id, all on the same scenario and seeds.
        pngs: Each result's figure as PNG bytes, by id, if already rendered.
        extra_html: Further sections placed after the summary (e.g. :func:`cost_section`).
        lang: Language of the report's words (:data:`sim.ui.i18n.LANGUAGES`).
        posterior: The same guidelines over posterior draws x seeds
            (:func:`sim.experiments.uncertainty.run_posterior_experiments`), by id: their
            combined intervals are the report's main ones, their seed-only ones beside.
    """
    _ = gettext_for(lang)
    first = next(iter(results.values()))
    scenario = first.scenario
    pngs = pngs or {}
    posterior = posterior or None
    sections = "".join(
        _section(
            r,
            pngs.get(gid) or png_bytes(experiment_figure(r, lang)),
            lang,
            posterior.get(gid) if posterior else None,
        )
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
{posterior_method(posterior, len(first.seeds), lang) if posterior else ""}
{_summary(results, lang, posterior)}
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
    posterior: Mapping[str, PosteriorEffects] | None = None,
) -> Path:
    """Write :func:`build_report` to ``path`` atomically and return the path."""
    path = Path(path)
    text = build_report(results, pngs, extra_html, lang, posterior)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path
