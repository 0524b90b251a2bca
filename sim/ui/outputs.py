"""Files of experiments: each result's effect table and figure, and the HTML report.

Everything is computed before the first file is written, and each file is written
atomically, so a failure leaves no half-written output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sim.experiments import ExperimentResult
from sim.io import atomic_write, write_table
from sim.ui.plots import experiment_figure, png_bytes
from sim.ui.report import write_report


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
    lang: str = "en",
) -> list[Path]:
    """Write each result's table and figure, and optionally ``report.html`` (in `lang`)."""
    pngs = {gid: png_bytes(experiment_figure(r)) for gid, r in results.items()}
    written: list[Path] = []
    for gid, result in results.items():
        written += write_result(result, out_dir, pngs[gid])
    if report:
        written.append(write_report(results, Path(out_dir) / "report.html", pngs, lang))
    return written
