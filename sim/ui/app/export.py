"""What a trainer saves from the app: the charts on screen as one SVG, the run's data as CSV.

Both carry their provenance: the scenario, every setting, the seed, the months run, the
version of mse-sim and the command that reproduces the run (and, in Guideline mode, the
handout command that reproduces the effect over many runs). The figure is drawn by the same
functions as the page (:mod:`sim.ui.app.views`), so it is the figure on screen.
"""

from __future__ import annotations

import html
import io
import json
from datetime import UTC, datetime
from typing import Any

from sim import __version__
from sim.experiments import ExperimentResult
from sim.scenario import LEVERS
from sim.ui.app.chain import HEIGHT as PICTURE_HEIGHT
from sim.ui.app.chain import UPGRADE_NAMES
from sim.ui.app.chain import WIDTH as PICTURE_WIDTH
from sim.ui.app.charts import FIGURE_HEADER, HEIGHT, WIDTH
from sim.ui.app.session import Run, scenario_record
from sim.ui.app.views import (
    chart_figure_svg,
    chart_views,
    key_metric,
    picture_svg,
    picture_title,
    picture_words,
)
from sim.ui.handout import HANDOUT_SEEDS
from sim.ui.i18n import gettext_for, scenario_title
from sim.ui.style import UPGRADE_COLOURS


def changed_fields(run: Run) -> dict[str, Any]:
    """Return the settings of `run` that differ from its scenario file (levers, ``n_mse``)."""
    name = run.settings.scenario.get("name", "")
    try:
        bundled = scenario_record(name)
    except Exception:  # noqa: BLE001 - a scenario not bundled: every lever is listed
        bundled = {}
    return {
        k: run.settings.scenario[k]
        for k in (*LEVERS, "n_mse")
        if k in run.settings.scenario and bundled.get(k) != run.settings.scenario[k]
    }


def _sets(fields: dict[str, Any]) -> str:
    return "".join(f" --set {k}={v}" for k, v in fields.items())


def reproduce_commands(run: Run) -> list[str]:
    """Return the commands that reproduce the run on screen (and its effect over many runs)."""
    name = run.settings.scenario.get("name", "baseline")
    sets = _sets(changed_fields(run))
    if run.guideline is None:
        return [
            f"mse-sim run {name} --seed {run.settings.seed} --steps {run.horizon}{sets} "
            "--out run.csv"
        ]
    g = run.guideline.id
    return [
        f"mse-sim handout {g} --scenario {name} --seeds {HANDOUT_SEEDS} "
        f"--steps {run.horizon}{sets} --out {g}.pdf",
        f"mse-sim experiment {g} --scenario {name} --seeds {HANDOUT_SEEDS} "
        f"--steps {run.horizon}{sets} --out out/{g}",
    ]


def provenance_lines(run: Run, many: ExperimentResult | None = None) -> list[str]:
    """Return the provenance of a saved file as ``key: value`` lines (English, for researchers)."""
    prov = run.provenance()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [
        "mse-sim trainer's app: the run on screen, month by month",
        f"created: {created}",
        f"mse_sim_version: {__version__}",
        f"scenario: {prov['scenario']}",
        f"seed: {prov['seed']} (one example run; the same seed gives the same run)",
        f"months_run: {prov['months_run']} of {prov['horizon']}",
        f"changed_from_scenario_file: {json.dumps(changed_fields(run), sort_keys=True)}",
    ]
    if run.guideline is None:
        lines.append(f"fields: {json.dumps(prov['fields'], sort_keys=True)}")
    else:
        lines += [
            f"guideline: {prov['guideline']} (columns baseline.* and intervention.*: the "
            "two arms, same seed, same MSEs)",
            f"baseline_fields: {json.dumps(prov['baseline_fields'], sort_keys=True)}",
            f"intervention_fields: {json.dumps(prov['intervention_fields'], sort_keys=True)}",
        ]
        if many is not None:
            metric = key_metric(run)
            row = many.effect(metric)
            outcome = many.provenance()["outcome"]
            lines.append(
                f"effect_over_{len(many.seeds)}_runs: {metric} {row['effect']:+.6f} "
                f"(95% CI {row['ci_low']:.6f} to {row['ci_high']:.6f}; seeds "
                f"{min(many.seeds)}-{max(many.seeds)}, {many.steps} months, {outcome}; "
                f"computed {many.created})"
            )
    lines += [f"reproduce: {cmd}" for cmd in reproduce_commands(run)]
    return lines


def run_csv(run: Run, many: ExperimentResult | None = None) -> str:
    """Return the run's data as CSV text: ``#`` provenance lines, then one row per month.

    ``pandas.read_csv(path, comment="#")`` reads it back.
    """
    table = run.table()
    out = io.StringIO()
    for line in provenance_lines(run, many):
        out.write(f"# {line}\n")
    table.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def charts_svg(run: Run, lang: str, before: Run | None = None, many_words: str = "") -> str:
    """Return the charts and the value-chain picture on screen as one SVG document.

    Args:
        run: The run on screen.
        lang: The page's language.
        before: The previous run, drawn faint as on screen.
        many_words: Guideline mode's number over many runs, in words, if worked out.
    """
    _ = gettext_for(lang)
    views = chart_views(run, lang, before)
    gap = 16
    chart_h = FIGURE_HEADER + HEIGHT
    header = 70
    columns = 2
    rows = (len(views) + columns - 1) // columns
    picture_x = columns * (WIDTH + gap) + gap
    width = picture_x + PICTURE_WIDTH + gap
    height = header + max(rows * (chart_h + gap), PICTURE_HEIGHT + 110) + 60
    name = run.settings.scenario.get("name", "")
    title = scenario_title(name, lang) + (f" · {run.guideline.id}" if run.guideline else "")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="15" fill="#111">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{gap}" y="28" font-size="22" font-weight="bold">{html.escape(title)}</text>',
        f'<text x="{gap}" y="52">{
            html.escape(
                _("Month {month} of {horizon}").format(month=run.month, horizon=run.horizon)
            )
        }'
        + (f" · {html.escape(many_words)}" if many_words else "")
        + "</text>",
    ]
    for k, view in enumerate(views):
        x = gap + (k % columns) * (WIDTH + gap)
        y = header + (k // columns) * (chart_h + gap)
        out.append(chart_figure_svg(view, run, lang, x, y))
    out.append(
        f'<g transform="translate({picture_x} {header})">'
        f'<text x="0" y="16" font-weight="bold" font-size="16">'
        f"{html.escape(picture_title(run, lang))}</text>"
    )
    for k, line in enumerate(picture_words(run, lang)):
        out.append(f'<text x="0" y="{40 + 18 * k}" font-size="13">{html.escape(line)}</text>')
    legend_x = 0.0
    for key, label in UPGRADE_NAMES.items():
        out.append(
            f'<circle cx="{legend_x + 6:.0f}" cy="{PICTURE_HEIGHT + 118}" r="6" '
            f'fill="{UPGRADE_COLOURS[key]}"/><text x="{legend_x + 16:.0f}" '
            f'y="{PICTURE_HEIGHT + 123}" font-size="13">{html.escape(_(label))}</text>'
        )
        legend_x += 26 + 7.5 * len(_(label))
    out.append(f'<g transform="translate(0 100)">{picture_svg(run, lang)}</g></g>')
    footer = " · ".join(provenance_lines(run)[3:6])
    out.append(
        f'<text x="{gap}" y="{height - 20}" font-size="12" fill="#444">{html.escape(footer)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def file_stem(run: Run) -> str:
    """A file name for what is saved: scenario and mode (``kenya-avocados-g1``).

    The month is inside the files (their provenance), not in the name: the name is given when
    the page is drawn, the content when the button is pressed.
    """
    name = run.settings.scenario.get("name", "run")
    mode = run.guideline.id if run.guideline else "explore"
    return f"{name}-{mode}"
