"""Files the commands write: experiments' tables, figures and report, and any command's set.

Everything is computed before the first file is written, and each file is written
atomically, so a failure leaves no half-written output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.costs import (
    COSTS,
    CostModel,
    cost_effectiveness,
    posterior_cost_effectiveness,
    who_gains,
)
from sim.errors import UserInputError
from sim.experiments import ExperimentResult
from sim.experiments.uncertainty import PosteriorEffects
from sim.io import atomic_write, write_table
from sim.ui.cost_figures import who_gains_figure
from sim.ui.cost_report import cost_section
from sim.ui.i18n import gettext_for
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.report import write_report


def out_folder(path: str | os.PathLike, option: str = "--out") -> Path:
    """Return ``path`` as an output folder, or say that it names a file.

    Raises:
        UserInputError: ``path`` exists and is not a folder.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserInputError(f"{option}: value '{path}' is a file, not a folder")
    return path


def write_files(
    out_dir: str | os.PathLike, files: Mapping[str, pd.DataFrame | bytes | str]
) -> list[Path]:
    """Write a command's files into ``out_dir``, each atomically, in the given order.

    Args:
        out_dir: The output folder (created when missing).
        files: File name to content: a table (written by :func:`sim.io.write_table`, so
            its ``attrs`` become the provenance sidecar), bytes (e.g. a PNG) or text.

    Returns:
        The paths written.
    """
    written = []
    for name, content in files.items():
        path = Path(out_dir) / name
        if isinstance(content, pd.DataFrame):
            written.append(write_table(content, path))
            continue
        with atomic_write(path, "wb" if isinstance(content, bytes) else "w") as fh:
            fh.write(content)
        written.append(path)
    return written


def write_result(
    result: ExperimentResult, out_dir: str | os.PathLike, png: bytes | None = None
) -> list[Path]:
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
    results: Mapping[str, ExperimentResult],
    out_dir: str | os.PathLike,
    *,
    report: bool,
    parts: Mapping[str, ExperimentResult] | None = None,
    costs: CostModel = COSTS,
    lang: str = "en",
    posterior: Mapping[str, PosteriorEffects] | None = None,
) -> list[Path]:
    """Write each result's table and figure, and optionally ``report.html`` (in ``lang``).

    Results run with the probe :func:`sim.who_gains.summary` also get the cost study:
    ``costs.csv`` (cost-effectiveness of each guideline and of ``parts``, e.g. guideline 6
    lever by lever), ``who_gains.csv``, and the report's section on costs and who gains.

    With ``posterior`` (the same guidelines and parts over posterior draws x seeds, by id,
    from :func:`sim.experiments.uncertainty.run_posterior_experiments`), each guideline also
    gets ``<id>-posterior.csv`` (combined and seed-only intervals; the posterior's provenance
    in its ``.meta.json``), the report shows the combined intervals as its main ones, and,
    when they were run with the probe, ``costs.csv`` and the cost table combine parameter and
    seed uncertainty (:func:`sim.costs.posterior_cost_effectiveness`). Who gains and the
    figures stay on ``results``, the runs at the default constants.
    """
    _ = gettext_for(lang)
    pngs = {gid: png_bytes(experiment_figure(r, lang)) for gid, r in results.items()}
    costed = all(r.probes for r in results.values())
    tables = []
    extra_html = ""
    if costed:
        if posterior and all(e.probes for e in posterior.values()):
            table = posterior_cost_effectiveness(posterior, costs)
            table.attrs["posterior"] = next(iter(posterior.values())).provenance["posterior"]
        else:
            table = cost_effectiveness({**results, **(parts or {})}, costs)
        gains = {gid: who_gains(r) for gid, r in results.items()}
        figures = {
            gid: png_bytes(
                who_gains_figure(
                    g,
                    _("Guideline {number}: who gains").format(number=results[gid].guideline.number),
                    lang,
                )
            )
            for gid, g in gains.items()
        }
        extra_html = cost_section(table, gains, results, figures, costs.usd_per_unit, lang)
        long = pd.concat([g.assign(experiment=gid) for gid, g in gains.items()], ignore_index=True)
        tables = [(table, "costs.csv"), (long, "who_gains.csv")]
    written: list[Path] = []
    for gid, result in results.items():
        written += write_result(result, out_dir, pngs[gid])
    for gid in results:
        if posterior and gid in posterior:
            effects = posterior[gid].table.copy()
            effects.attrs = posterior[gid].provenance
            tables.append((effects, f"{gid}-posterior.csv"))
    for table, name in tables:
        written.append(write_table(table, Path(out_dir) / name))
    if report:
        written.append(
            write_report(results, Path(out_dir) / "report.html", pngs, extra_html, lang, posterior)
        )
    return written
