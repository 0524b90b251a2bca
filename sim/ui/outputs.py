"""Files of experiments: each result's effect table and figure, and the HTML report.

Everything is computed before the first file is written, and each file is written
atomically, so a failure leaves no half-written output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.costs import COSTS, CostModel, cost_effectiveness, who_gains
from sim.experiments import ExperimentResult
from sim.io import atomic_write, write_table
from sim.ui.cost_figures import who_gains_figure
from sim.ui.i18n import gettext_for
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.report import cost_section, write_report


def write_result(result: ExperimentResult, out_dir: str | os.PathLike,
                 png: bytes | None = None) -> list[Path]:
    """Write ``<id>.csv`` (effects, with a provenance sidecar) and ``<id>.png``."""
    out_dir = Path(out_dir)
    table = result.effects.copy()
    table.attrs = result.provenance()
    csv = write_table(table, out_dir / f"{result.id}.csv")
    path = out_dir / f"{result.id}.png"
    data = png if png is not None else png_bytes(experiment_figure(result))
    with atomic_write(path) as fh:
        fh.write(data)
    return [csv, path]


def write_outputs(
    results: Mapping[str, ExperimentResult], out_dir: str | os.PathLike, *, report: bool,
    parts: Mapping[str, ExperimentResult] | None = None, costs: CostModel = COSTS,
    lang: str = "en",
) -> list[Path]:
    """Write each result's table and figure, and optionally ``report.html`` (in ``lang``).

    Results run with the probe :func:`sim.distribution.summary` also get the cost study:
    ``costs.csv`` (cost-effectiveness of each guideline and of ``parts``, e.g. guideline 6
    lever by lever), ``who_gains.csv``, and the report's section on costs and who gains.
    """
    _ = gettext_for(lang)
    pngs = {gid: png_bytes(experiment_figure(r, lang)) for gid, r in results.items()}
    costed = all(r.probes for r in results.values())
    tables = []
    extra_html = ""
    if costed:
        everything = {**results, **(parts or {})}
        table = cost_effectiveness(everything, costs)
        gains = {gid: who_gains(r) for gid, r in results.items()}
        figures = {gid: png_bytes(who_gains_figure(
            g, _("Guideline {number}: who gains").format(
                number=results[gid].guideline.number), lang))
            for gid, g in gains.items()}
        extra_html = cost_section(table, gains, results, figures, costs.usd_per_unit, lang)
        long = pd.concat([g.assign(experiment=gid) for gid, g in gains.items()],
                         ignore_index=True)
        tables = [(table, "costs.csv"), (long, "who_gains.csv")]
    written: list[Path] = []
    for gid, result in results.items():
        written += write_result(result, out_dir, pngs[gid])
    for table, name in tables:
        written.append(write_table(table, Path(out_dir) / name))
    if report:
        written.append(write_report(results, Path(out_dir) / "report.html", pngs, extra_html,
                                    lang))
    return written
