"""``mse-sim sweep`` and ``mse-sim analyze``: run a sweep into a store; analyse a store."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweeps import SweepStore, analyze, sweep
from sim.sweeps.interactions import effects_frame
from sim.ui.cli.args import add_engine_options, add_quiet_option, engine_options, positive_int
from sim.ui.cli.args import seed as seed_arg
from sim.ui.plots import check_figure_path, plot_analysis


def format_analysis(table: pd.DataFrame) -> str:
    """Format an :func:`analyze` result as text for the terminal.

    Warnings come first; a flagged row is marked ``!`` in the ``flag`` column and its flags
    are listed under the table; then the grid's effects table or the Sobol' S2 indices.
    """
    a = table.attrs
    head = (
        f"{a.get('method', '?')} analysis of {a.get('column', '?')}: "
        f"{a.get('n_points', '?')} design points, {a.get('n_runs', '?')} runs "
        f"({a.get('replicates', '?')} replicates averaged per point"
        f"{', common random numbers' if a.get('crn') else ''}); "
        f"*_conf / ci at {100 * a.get('conf_level', 0.95):.0f}%"
    )
    lines = [f"WARNING: {w}" for w in a.get("warnings", [])] + [head]
    shown = table.copy()
    notes = []
    if "flag" in shown:
        for _, row in shown[shown["flag"] != ""].iterrows():
            label = row["parameter"] + (f" = {row['value']:g}" if "value" in row else "")
            notes.append(f"  ! {label}: {row['flag']}")
        shown["flag"] = np.where(shown["flag"] != "", "!", "")
    lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    lines += notes
    extra = effects_frame(table)
    if len(extra):
        title = (
            "effects (regression within each replicate, t interval over replicates):"
            if "effects" in a and a["effects"]
            else "second-order indices (S2):"
        )
        if "meaning" in extra:
            extra = extra.drop(columns=["meaning"])
        if "flag" in extra:
            for _, row in extra[extra["flag"] != ""].iterrows():
                notes.append(f"  ! {row['term']}: {row['flag']}")
            extra["flag"] = np.where(extra["flag"] != "", "!", "")
        lines += ["", title, extra.to_string(index=False, float_format=lambda v: f"{v:.4f}")]
        lines += [n for n in notes if n not in lines]
    return "\n".join(lines)


def _cmd_sweep(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    sweep(
        args.spec,
        out=args.out,
        resume=args.resume,
        progress=not args.quiet,
        chunk_size=args.chunk_size,
        collect=False,
        **engine_options(args),
    )
    store = SweepStore(args.out)
    manifest = store.manifest()
    n_done = len(store.done_ids())
    print(
        f"sweep: {n_done}/{manifest['n_runs']} runs in {args.out} "
        f"({manifest['n_points']} design points x {manifest['spec']['replicates']} "
        f"replicates), {time.perf_counter() - t0:.1f} s"
    )
    print(f"next: mse-sim analyze {args.out} --metric {manifest['spec']['outputs'][0]}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    if args.plot:
        check_figure_path(args.plot)
    table = analyze(
        args.out, metric=args.metric, step=args.step, conf_level=args.conf_level, seed=args.seed
    )
    print(format_analysis(table))
    if args.plot:
        print(f"wrote {plot_analysis(table, args.plot)}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``sweep`` and ``analyze`` subcommands to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep into a resumable Parquet store",
        description="Run the sweep described by SPEC.toml into DIR. Rerunning the same "
        "command resumes: only runs missing from DIR are run.",
    )
    p.add_argument("spec", type=Path, help="sweep spec (.toml); see docs/sweeps.md")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="store folder")
    add_engine_options(p)
    p.add_argument(
        "--chunk-size",
        type=positive_int,
        metavar="RUNS",
        help="runs per task (default: about 20 baseline runs, and at least 8 tasks per worker)",
    )
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="delete this sweep's earlier results in DIR and start over",
    )
    add_quiet_option(p)
    p.set_defaults(func=_cmd_sweep)

    p = subparsers.add_parser(
        "analyze",
        help="sensitivity indices or main effects of a sweep",
        description="Sobol: S1 and ST (and S2 with second_order); Morris: mu*, sigma; LHS: "
        "RBD-FAST S1; grid: main effects and an effects table with pairwise "
        "interactions; all with confidence intervals. Indices outside [0, 1] "
        "beyond their interval and intervals too wide to read are flagged, with "
        "the N that would do.",
    )
    p.add_argument("out", type=Path, metavar="DIR", help="the sweep's store folder")
    p.add_argument(
        "--metric",
        required=True,
        help="output to analyse, e.g. share_upgraded or share_upgraded@60",
    )
    p.add_argument("--step", type=int, help="recorded step (default: the last one)")
    p.add_argument(
        "--conf-level",
        type=float,
        default=0.95,
        help="confidence level of the intervals (default 0.95)",
    )
    p.add_argument(
        "--seed",
        type=seed_arg,
        default=0,
        help="seed of the bootstrap intervals (default 0; every seed reproduces)",
    )
    p.add_argument("--plot", type=Path, metavar="FILE", help="save a chart (.png, .svg, .pdf)")
    p.set_defaults(func=_cmd_analyze)
